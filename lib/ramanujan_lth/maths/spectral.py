"""Spectral checks of a layer seen as a bipartite graph (book/methods.md §1-2).

A layer's bi-adjacency matrix ``B`` has one row per input vertex (left side)
and one column per output vertex (right side).  The adjacency matrix of the
bipartite graph, ``[[0, B], [B^T, 0]]``, has the eigenvalues ``±σ_i(B)``, so
every quantity of the paper's Table 1 comes from the singular values of ``B``
and from its row and column sums.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg

__all__ = [
    "SpectralRecord",
    "biadjacency",
    "bipartite_spectrum",
    "singular_values",
    "arpack_top2",
    "to_numpy",
    "eigenvalue_bound",
    "degree_bound",
]

#: Two singular values closer than this (relative to ``t1``) count as equal:
#: ``t2`` is the largest singular value strictly below ``t1`` (book/methods.md §2).
T2_RTOL = 1e-9

#: Below this ratio ``t2 / t1`` the Gram route loses digits, so the exact SVD
#: is used instead (an eigenvalue error of ``eps*t1**2`` moves a singular value
#: ``s`` by about ``eps*t1**2/s``; at ``s = 1e-3*t1`` that is ``2e-10`` relative).
_GRAM_SAFE_RATIO = 1e-3


@dataclass(frozen=True)
class SpectralRecord:
    """The spectral quantities of one bipartite graph (book/methods.md §2, paper Table 1).

    ``t1``/``t2``: largest singular value and the largest one strictly below it;
    ``d_avg_left``/``d_avg_right``: edges (or edge weight) per non-isolated
    vertex on each side; ``eb = 2 sqrt(t1 - 1)``; ``db = sqrt(dL - 1) +
    sqrt(dR - 1)``; ``delta_s = (eb - t2) / t2``; ``delta_r = (db - t2) / t2``;
    ``ramanujan``: ``max(delta_s, delta_r) > 0`` (NaN counts as not satisfied).
    """

    t1: float
    t2: float
    d_avg_left: float
    d_avg_right: float
    eb: float
    db: float
    delta_s: float
    delta_r: float
    ramanujan: bool

    def as_dict(self) -> dict:
        return asdict(self)


FIELDS = tuple(f.name for f in fields(SpectralRecord))


# --------------------------------------------------------------------------
# Bi-adjacency matrices
# --------------------------------------------------------------------------
def to_numpy(x) -> np.ndarray:
    """A tensor, sparse or dense matrix as a float64 NumPy array (on the CPU)."""
    try:
        import torch

        if isinstance(x, torch.Tensor):
            return x.detach().to("cpu", torch.float64).numpy()
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    if scipy.sparse.issparse(x):
        return np.asarray(x.todense(), dtype=np.float64)
    return np.asarray(x, dtype=np.float64)


def biadjacency(weight, groups: int = 1) -> np.ndarray:
    """Bi-adjacency matrix of a layer weight (book/methods.md §1).

    * Linear weight ``(n_out, n_in)`` -> ``W.T`` of shape ``(n_in, n_out)``;
    * Conv2d weight ``(c_out, c_in, kh, kw)`` -> ``(c_in*kh*kw, c_out)``, one
      left vertex per (input channel, kernel row, kernel column); Conv1d and
      Conv3d alike, one left vertex per input channel and kernel position;
    * a grouped convolution (``groups > 1``, weight ``(c_out, c_in/groups,
      ...)``) -> the union of its groups' blocks: ``(c_in*k, c_out)`` where
      group ``g``'s outputs connect only to group ``g``'s inputs, so the graph
      has at least ``groups`` components.

    The entries keep their sign and value: take ``abs`` for a weighted graph,
    or pass a 0/1 mask for the unweighted one.

    Examples
    --------
    Paper Figure 2: a 2x2 kernel from 2 input to 3 output channels.

    >>> import numpy as np
    >>> biadjacency(np.ones((3, 2, 2, 2))).shape
    (8, 3)
    >>> biadjacency(np.ones((4, 1, 3)), groups=2).astype(int).T
    array([[1, 1, 1, 0, 0, 0],
           [1, 1, 1, 0, 0, 0],
           [0, 0, 0, 1, 1, 1],
           [0, 0, 0, 1, 1, 1]])
    """
    w = to_numpy(weight)
    if w.ndim == 2 and groups == 1:
        return np.ascontiguousarray(w.T)
    if not 3 <= w.ndim <= 5:
        raise ValueError(f"biadjacency expects a 2-D (Linear) or 3- to 5-D (Conv) weight, got shape {tuple(w.shape)}")
    c_out = w.shape[0]
    flat = w.reshape(c_out, -1)
    if groups == 1:
        return np.ascontiguousarray(flat.T)
    if groups < 1 or c_out % groups:
        raise ValueError(f"groups={groups} does not divide the {c_out} output channels of a weight {tuple(w.shape)}")
    per_in, per_out = flat.shape[1], c_out // groups
    B = np.zeros((per_in * groups, c_out))
    for g in range(groups):
        B[g * per_in : (g + 1) * per_in, g * per_out : (g + 1) * per_out] = flat[g * per_out : (g + 1) * per_out].T
    return B


# --------------------------------------------------------------------------
# Bounds
# --------------------------------------------------------------------------
def _sqrt_or_nan(x: float) -> float:
    return math.sqrt(x) if x >= 0 else math.nan


def eigenvalue_bound(t1: float) -> float:
    """``eb = 2 sqrt(t1 - 1)``; NaN when ``t1 < 1`` (or NaN).

    Examples
    --------
    The paper's check (ICLR Table 4): a complete K_{89,10} has ``t1 = sqrt(890)``.

    >>> import math
    >>> round(eigenvalue_bound(math.sqrt(890)), 2)
    10.74

    A 2-regular graph has ``t1 = 2``, so ``eb = 2 = 2 sqrt(d - 1)``; below ``t1 = 1`` there is no bound.

    >>> eigenvalue_bound(2.0), eigenvalue_bound(0.5)
    (2.0, nan)
    """
    return 2.0 * _sqrt_or_nan(t1 - 1.0) if not math.isnan(t1) else math.nan


def degree_bound(d_left: float, d_right: float) -> float:
    """Hoory's bound ``sqrt(dL - 1) + sqrt(dR - 1)``; NaN when a degree is < 1.

    Examples
    --------
    The complete K_{89,10} of ICLR Table 4: ``sqrt(88) + sqrt(9) = 9.38 + 3``.

    >>> round(degree_bound(89, 10), 2)
    12.38

    A d-regular graph gets the Ramanujan bound ``2 sqrt(d - 1)``: ``2 sqrt(2)`` for ``d = 3``.

    >>> round(degree_bound(3, 3), 4), degree_bound(0.5, 3)
    (2.8284, nan)
    """
    if math.isnan(d_left) or math.isnan(d_right):
        return math.nan
    return _sqrt_or_nan(d_left - 1.0) + _sqrt_or_nan(d_right - 1.0)


def _delta(bound: float, t2: float) -> float:
    if math.isnan(bound) or math.isnan(t2):
        return math.nan
    if t2 == 0.0:
        return math.inf
    return (bound - t2) / t2


# --------------------------------------------------------------------------
# Singular values
# --------------------------------------------------------------------------
def _check_matrix(B) -> np.ndarray:
    if scipy.sparse.issparse(B):
        B = B.toarray()
    M = to_numpy(B)
    if M.ndim != 2:
        raise ValueError(f"a bi-adjacency matrix must be 2-D, got shape {tuple(M.shape)}")
    if not np.all(np.isfinite(M)):
        n_bad = int(np.size(M) - np.isfinite(M).sum())
        raise ValueError(
            f"bi-adjacency matrix has {n_bad} NaN or infinite entries; a graph needs finite non-negative edge weights"
        )
    if M.size and M.min() < 0:
        raise ValueError(
            f"bi-adjacency matrix has negative entries (min {M.min():.3g}); "
            "edge weights must be non-negative: pass abs(weight) for a weighted graph"
        )
    return M


def _compact(M: np.ndarray) -> np.ndarray:
    """Drop isolated vertices (zero rows and columns): same non-zero spectrum."""
    rows = M.any(axis=1)
    cols = M.any(axis=0)
    if rows.all() and cols.all():
        return M
    return M[np.ix_(rows, cols)]


def _zero_tol(C: np.ndarray, s1: float) -> float:
    # numerical-rank tolerance, as numpy.linalg.matrix_rank uses
    return max(C.shape) * np.finfo(np.float64).eps * s1


def singular_values(B, method: str = "auto") -> np.ndarray:
    """All non-zero singular values of ``B`` in decreasing order.

    ``method``: ``"svd"`` (LAPACK ``gesdd`` on the matrix with isolated
    vertices removed), ``"gram"`` (eigenvalues of the smaller Gram matrix,
    exact to ~1e-10 relative for the values that matter here) or ``"auto"``
    (Gram, falling back to the SVD when the second value is too small for the
    Gram route to resolve).  Values below the numerical-rank tolerance are
    dropped, so a rank-one matrix returns one value.

    Examples
    --------
    The 8-cycle as a 4x4 bi-adjacency ``I + P`` (``P`` the cyclic shift) has
    singular values ``2, sqrt(2), sqrt(2), 0``; the zero is dropped.

    >>> import numpy as np
    >>> C8 = np.eye(4) + np.roll(np.eye(4), 1, axis=1)
    >>> singular_values(C8).round(4)
    array([2.    , 1.4142, 1.4142])

    An all-ones ``3 x 5`` matrix has rank one: ``sqrt(15)``. An empty graph has none.

    >>> singular_values(np.ones((3, 5))).round(4), singular_values(np.zeros((2, 2)))
    (array([3.873]), array([], dtype=float64))
    """
    M = _check_matrix(B)
    return _singular_values(M, method)


def _singular_values(M: np.ndarray, method: str) -> np.ndarray:
    if method not in ("auto", "svd", "gram"):
        raise ValueError(f"method must be 'auto', 'svd' or 'gram', got {method!r}")
    C = _compact(M)
    if C.size == 0:
        return np.zeros(0)
    if min(C.shape) == 1:  # a star: one singular value, the vector norm
        return np.array([float(np.linalg.norm(C))])
    if method in ("auto", "gram"):
        A = C if C.shape[0] >= C.shape[1] else C.T
        if A.size > 100_000 and np.count_nonzero(A) < 0.05 * A.size:
            S = scipy.sparse.csc_matrix(A)  # sparse product: much cheaper below 5 %
            G = (S.T @ S).toarray()
        else:
            G = A.T @ A
        ev = scipy.linalg.eigvalsh(G, overwrite_a=True, check_finite=False)[::-1]
        s1 = math.sqrt(max(ev[0], 0.0))
        # eigenvalue noise is ~ n * eps * s1^2
        floor = max(C.shape) * np.finfo(np.float64).eps * ev[0]
        s = np.sqrt(ev[ev > floor])
        if method == "gram":
            return s
        second = s[1] if s.size > 1 else 0.0
        if second >= _GRAM_SAFE_RATIO * s1:
            return s
    s = scipy.linalg.svdvals(C, check_finite=False)
    return s[s > _zero_tol(C, s[0])] if s.size else s


def _arpack(C: np.ndarray) -> np.ndarray:
    S = scipy.sparse.csr_matrix(C)
    G = (S.T @ S) if C.shape[0] >= C.shape[1] else (S @ S.T)
    # a fixed start vector: ARPACK's own is drawn from a generator that advances
    # with every call, which made the last digits differ between equal calls
    v0 = np.random.default_rng(0).standard_normal(G.shape[0])
    ev = scipy.sparse.linalg.eigsh(G.tocsr(), k=2, which="LA", return_eigenvectors=False, tol=1e-13, v0=v0)
    return np.sqrt(np.sort(np.maximum(ev, 0.0))[::-1])


def arpack_top2(B) -> tuple[float, float]:
    """The paper's route: ARPACK ``eigsh`` for the two largest eigenvalues of
    the sparse ``B^T B``, then square roots.  Returns ``(σ1, σ2)`` counted with
    multiplicity (so a disconnected graph with equal components gives σ2 = σ1,
    where the strict rule of book/methods.md §2 looks further down).

    Examples
    --------
    The 8-cycle ``I + P`` (4x4): ``σ1 = 2``, ``σ2 = sqrt(2)``, as the exact route gives.

    >>> import numpy as np
    >>> C8 = np.eye(4) + np.roll(np.eye(4), 1, axis=1)
    >>> [round(s, 4) for s in arpack_top2(C8)]
    [2.0, 1.4142]

    Two disjoint K_{3,3}: ARPACK counts ``σ = 3`` twice, the strict ``t2`` is 0.

    >>> two = np.kron(np.eye(2), np.ones((3, 3)))
    >>> [round(s, 4) for s in arpack_top2(two)], bipartite_spectrum(two).t2
    ([3.0, 3.0], 0.0)
    """
    C = _compact(_check_matrix(B))
    if min(C.shape, default=0) < 3:
        s = np.concatenate([_singular_values(C, "svd"), np.zeros(2)])
        return float(s[0]), float(s[1])
    s = _arpack(C)
    return float(s[0]), float(s[1])


#: the sparse route pays off on large, sparse matrices (see benchmarks/spectral.py)
_SPARSE_MAX_DENSITY = 0.02
_SPARSE_MIN_SIDE = 128


def _top_values(M: np.ndarray, method: str) -> np.ndarray:
    """Leading non-zero singular values, enough to apply the strict ``t2`` rule."""
    if method == "arpack" or (method == "auto" and _sparse_pays(M)):
        C = _compact(M)
        if min(C.shape, default=0) >= 3:
            s = _arpack(C)
            # trust it only when the top two are clearly apart and clearly non-zero
            if _GRAM_SAFE_RATIO * s[0] <= s[1] < s[0] * (1.0 - 1e-6):
                return s
        return _singular_values(M, "auto" if method == "arpack" else method)
    return _singular_values(M, method)


def _sparse_pays(M: np.ndarray) -> bool:
    if min(M.shape) < _SPARSE_MIN_SIDE:
        return False
    return np.count_nonzero(M) <= _SPARSE_MAX_DENSITY * M.size


# --------------------------------------------------------------------------
# One graph
# --------------------------------------------------------------------------
_METHODS = ("auto", "svd", "gram", "arpack")


def bipartite_spectrum(B, method: str = "auto") -> SpectralRecord:
    """Spectral record of the bipartite graph with non-negative bi-adjacency ``B``.

    Left vertices are the rows, right vertices the columns.  For a 0/1 matrix
    the degrees count edges; for a weighted matrix they sum edge weights.
    ``method``: ``"auto"`` (exact Gram eigenvalues, the SVD where those lose
    digits, ARPACK on large matrices under 2 % density, checked and
    replaced by the exact route when its top two values are too close to
    apply the strict ``t2`` rule), ``"svd"``, ``"gram"`` or ``"arpack"``.
    Never raises on a graph (empty, single edge, complete, disconnected); raises
    ``ValueError`` on NaN/infinite or negative entries, or a non 2-D input.

    Examples
    --------
    The paper's check (ICLR Table 4): the complete K_{89,10} has ``t1 = sqrt(890)``
    and no second value, so ``t2 = 0`` and Δ is infinite.

    >>> import numpy as np
    >>> rec = bipartite_spectrum(np.ones((89, 10)))
    >>> round(rec.t1, 2), rec.t2, rec.d_avg_left, rec.d_avg_right, round(rec.eb, 2), round(rec.db, 2)
    (29.83, 0.0, 10.0, 89.0, 10.74, 12.38)
    >>> rec.delta_s, rec.ramanujan
    (inf, True)

    The 8-cycle ``I + P``: ``t1 = 2``, ``t2 = sqrt(2)``, ``eb = db = 2``, so ``Δ = sqrt(2) - 1``.

    >>> rec = bipartite_spectrum(np.eye(4) + np.roll(np.eye(4), 1, axis=1))
    >>> round(rec.t1, 4), round(rec.t2, 4), round(rec.delta_s, 4), round(rec.delta_r, 4)
    (2.0, 1.4142, 0.4142, 0.4142)

    An empty graph: no degree, so NaN bounds and no property (no error).

    >>> rec = bipartite_spectrum(np.zeros((3, 4)))
    >>> rec.t1, rec.d_avg_left, rec.eb, rec.ramanujan
    (0.0, nan, nan, False)
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    M = _check_matrix(B)
    s = _top_values(M, method)
    t1 = float(s[0]) if s.size else 0.0
    below = s[s < t1 * (1.0 - T2_RTOL)]
    t2 = float(below[0]) if below.size else 0.0

    total = float(M.sum())
    n_left = int(M.any(axis=1).sum())
    n_right = int(M.any(axis=0).sum())
    d_left = total / n_left if n_left else math.nan
    d_right = total / n_right if n_right else math.nan

    eb = eigenvalue_bound(t1)
    db = degree_bound(d_left, d_right)
    ds = _delta(eb, t2)
    dr = _delta(db, t2)
    ramanujan = bool((ds > 0) or (dr > 0))  # NaN compares False
    return SpectralRecord(t1, t2, d_left, d_right, eb, db, ds, dr, ramanujan)
