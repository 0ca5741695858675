"""Small graph constructions for the expander chapters.

* random d-regular graphs and random (d_L, d_R)-biregular bipartite graphs
  (configuration model, re-pairing until there is no loop or multi-edge);
* the three toy networks of the paper's Figure 1;
* the exact vertex Cheeger constant of a small graph, by enumeration.

Graphs are plain numpy 0/1 matrices: a symmetric adjacency matrix for a
general graph, a bi-adjacency matrix (rows = left, columns = right) for a
bipartite one.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse
import scipy.sparse.csgraph

__all__ = [
    "random_regular",
    "spectrum_grid",
    "random_biregular",
    "bipartite_adjacency",
    "n_components",
    "figure1_networks",
    "reachable_pairs",
    "vertex_boundary",
    "cheeger_constant",
    "spectral_gap",
    "second_radius",
    "alon_milman_lower",
    "alon_upper",
    "MAX_CHEEGER_VERTICES",
]

MAX_CHEEGER_VERTICES = 20


def _rng(seed):
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _pair(left_stubs, right_stubs, rng, bipartite, max_restarts=200):
    """Pair stubs into simple edges: shuffle, keep the pairs that are valid,
    re-shuffle the rest; start over when no valid pair is left."""
    for _ in range(max_restarts):
        edges = set()
        left = np.array(left_stubs)
        right = np.array(right_stubs) if bipartite else None
        stalls = 0
        while left.size:
            if bipartite:
                a = rng.permutation(left)
                b = rng.permutation(right)
            else:
                perm = rng.permutation(left)
                a, b = perm[0::2], perm[1::2]
            keep_a, keep_b = [], []
            progress = False
            for u, v in zip(a.tolist(), b.tolist()):
                e = (u, v) if bipartite else (min(u, v), max(u, v))
                if (bipartite or u != v) and e not in edges:
                    edges.add(e)
                    progress = True
                else:
                    keep_a.append(u)
                    keep_b.append(v)
            if bipartite:
                left, right = np.array(keep_a, dtype=int), np.array(keep_b, dtype=int)
            else:
                left = np.array(keep_a + keep_b, dtype=int)
            stalls = 0 if progress else stalls + 1
            if stalls > 20:
                break
        else:
            return edges
    raise RuntimeError("could not draw a simple graph with these degrees; try another seed")


def random_regular(n: int, d: int, seed=None) -> np.ndarray:
    """Adjacency matrix of a uniformly-paired random simple d-regular graph on n vertices.

    Examples
    --------
    Every vertex has degree 3, no loop; this draw's non-trivial eigenvalues lie
    within the Ramanujan bound ``2 sqrt(d - 1) = 2.8284`` (as most draws' do).

    >>> A = random_regular(10, 3, seed=0)
    >>> A.sum(axis=1), int(A.trace()), bool((A == A.T).all())
    (array([3., 3., 3., 3., 3., 3., 3., 3., 3., 3.]), 0, True)
    >>> round(second_radius(A), 3)
    2.667
    """
    if n < 1 or d < 0:
        raise ValueError(f"need n >= 1 and d >= 0, got n={n}, d={d}")
    if d >= n:
        raise ValueError(f"a simple d-regular graph needs d < n, got d={d}, n={n}")
    if (n * d) % 2:
        raise ValueError(f"n*d must be even for a d-regular graph, got n={n}, d={d}")
    rng = _rng(seed)
    stubs = np.repeat(np.arange(n), d)
    edges = _pair(stubs, None, rng, bipartite=False)
    A = np.zeros((n, n))
    for u, v in edges:
        A[u, v] = A[v, u] = 1.0
    return A


def spectrum_grid(ds, ns, seeds, bins: int = 40) -> tuple:
    """The spectra of random d-regular graphs for every (d, n, draw seed), for a chart a reader
    explores without a kernel: per graph, the histogram of its eigenvalues other than the trivial
    ``d`` (``bins`` equal bins over ``[-d, d]``; empty bins left out) and a summary row with
    ``t(G)`` (the largest other absolute eigenvalue), the bound ``2 sqrt(d - 1)`` and whether the
    graph is Ramanujan. Pairs with ``n * d`` odd or ``d >= n`` are skipped.

    Examples
    --------
    A 3-regular graph on 10 vertices (``n = 11`` is skipped: ``n d`` is odd): its 9 non-trivial
    eigenvalues, and ``t(G)`` below ``2 sqrt(2)``.

    >>> hist, summary = spectrum_grid([3], [10, 11], [0])
    >>> int(hist["count"].sum())
    9
    >>> summary
       d   n  seed      t   bound  ramanujan
    0  3  10     0  2.667  2.8284       True
    """
    import pandas as pd

    hist, summary = [], []
    for d in ds:
        edges = np.linspace(-d, d, bins + 1)
        bound = 2 * math.sqrt(d - 1)
        for n in ns:
            if (n * d) % 2 or d >= n:
                continue
            for seed in seeds:
                ev = np.linalg.eigvalsh(random_regular(n, d, seed=seed))[:-1]  # drop the trivial d
                counts, _ = np.histogram(ev, bins=edges)
                for lo, hi, c in zip(edges[:-1], edges[1:], counts):
                    if c:
                        hist.append(
                            {"d": d, "n": n, "seed": seed, "lo": round(lo, 4), "hi": round(hi, 4), "count": int(c)}
                        )
                t = float(np.abs(ev).max())
                summary.append(
                    {"d": d, "n": n, "seed": seed, "t": round(t, 4), "bound": round(bound, 4), "ramanujan": t <= bound}
                )
    return pd.DataFrame(hist), pd.DataFrame(summary)


def random_biregular(n_left: int, n_right: int, d_left: int, d_right: int, seed=None) -> np.ndarray:
    """Bi-adjacency ``(n_left, n_right)`` of a random simple (d_left, d_right)-biregular graph.

    Examples
    --------
    A (2, 3)-biregular graph on 6 + 4 vertices: its top singular value is ``sqrt(dL * dR) = sqrt(6)``.

    >>> import numpy as np
    >>> B = random_biregular(6, 4, 2, 3, seed=0)
    >>> B.sum(axis=1), B.sum(axis=0), round(float(np.linalg.norm(B, 2)), 4)
    (array([2., 2., 2., 2., 2., 2.]), array([3., 3., 3., 3.]), 2.4495)
    """
    if min(n_left, n_right) < 1 or min(d_left, d_right) < 1:
        raise ValueError("sizes and degrees must be positive")
    if n_left * d_left != n_right * d_right:
        raise ValueError(
            f"edge counts differ: n_left*d_left = {n_left * d_left}, n_right*d_right = {n_right * d_right}"
        )
    if d_left > n_right or d_right > n_left:
        raise ValueError("a degree exceeds the size of the other side")
    rng = _rng(seed)
    edges = _pair(np.repeat(np.arange(n_left), d_left), np.repeat(np.arange(n_right), d_right), rng, bipartite=True)
    B = np.zeros((n_left, n_right))
    for u, v in edges:
        B[u, v] = 1.0
    return B


def bipartite_adjacency(B) -> np.ndarray:
    """The full adjacency matrix ``[[0, B], [B^T, 0]]`` of a bipartite graph.

    Examples
    --------
    A single edge:

    >>> bipartite_adjacency([[1]])
    array([[0., 1.],
           [1., 0.]])

    The eigenvalues are ``±σ`` of ``B``: for the 8-cycle ``I + P``, ``±2``, ``±sqrt(2)`` twice and ``0`` twice.

    >>> import numpy as np
    >>> A = bipartite_adjacency(np.eye(4) + np.roll(np.eye(4), 1, axis=1))
    >>> np.sort(np.abs(np.linalg.eigvalsh(A))).round(4)
    array([0.    , 0.    , 1.4142, 1.4142, 1.4142, 1.4142, 2.    , 2.    ])
    """
    B = np.asarray(B, dtype=float)
    n, m = B.shape
    A = np.zeros((n + m, n + m))
    A[:n, n:] = B
    A[n:, :n] = B.T
    return A


def n_components(B, bipartite: bool = True, ignore_isolated: bool = True) -> int:
    """Number of connected components (of the bipartite graph of ``B`` by default).

    Isolated vertices (pruned neurons) are not counted unless asked.

    Examples
    --------
    A perfect matching on 4 + 4 vertices has 4 components; the 8-cycle ``I + P`` one.

    >>> import numpy as np
    >>> n_components(np.eye(4)), n_components(np.eye(4) + np.roll(np.eye(4), 1, axis=1))
    (4, 1)

    Two K_{2,2} blocks and a pruned (isolated) input vertex:

    >>> B = np.vstack([np.kron(np.eye(2), np.ones((2, 2))), np.zeros(4)])
    >>> n_components(B), n_components(B, ignore_isolated=False)
    (2, 3)
    """
    M = scipy.sparse.csr_matrix(np.asarray(B) != 0)
    if bipartite:
        M = scipy.sparse.bmat([[None, M], [M.T, None]], format="csr")
    if ignore_isolated:
        keep = np.flatnonzero(M.getnnz(axis=1))
        M = M[keep][:, keep]
    if M.shape[0] == 0:
        return 0
    return int(scipy.sparse.csgraph.connected_components(M, directed=False)[0])


def figure1_networks() -> dict:
    """The three 4-4-4 networks of the paper's Figure 1, each as the list of its
    two bi-adjacency matrices (input->hidden, hidden->output), 8 edges per layer.

    * ``disconnected``: both layers are two disjoint K_{2,2} blocks, so an
      input reaches only half of the outputs (8 of the 16 input-output pairs);
    * ``partially``: the first layer is an 8-cycle (an expander), the second
      still two blocks (12 pairs);
    * ``fully``: both layers are 8-cycles, the second wired so that
      neighbouring hidden units feed disjoint outputs (14 pairs).  With two
      edges per vertex no 4-4-4 network joins all 16 pairs: the figure's "all
      inputs reach all outputs" needs more edges.

    Examples
    --------
    >>> nets = figure1_networks()
    >>> {name: reachable_pairs(*layers) for name, layers in nets.items()}
    {'disconnected': 8, 'partially': 12, 'fully': 14}
    >>> [int(B.sum()) for B in nets["fully"]]
    [8, 8]
    """
    blocks = np.kron(np.eye(2), np.ones((2, 2)))
    cycle = np.eye(4) + np.roll(np.eye(4), 1, axis=1)  # C8: input i ~ hidden i, i+1
    second = np.zeros((4, 4))
    for h, outs in enumerate([(0, 1), (2, 3), (1, 2), (3, 0)]):  # also an 8-cycle
        second[h, list(outs)] = 1.0
    return {
        "disconnected": [blocks.copy(), blocks.copy()],
        "partially": [cycle.copy(), blocks.copy()],
        "fully": [cycle.copy(), second],
    }


def reachable_pairs(*layers) -> int:
    """Number of (input, output) pairs joined by a forward path through ``layers``.

    Examples
    --------
    Two perfect matchings join each input to one output; a complete second layer joins all 16 pairs.

    >>> import numpy as np
    >>> reachable_pairs(np.eye(4), np.eye(4)), reachable_pairs(np.eye(4), np.ones((4, 4)))
    (4, 16)
    """
    R = np.asarray(layers[0]) != 0
    for B in layers[1:]:
        R = (R.astype(float) @ (np.asarray(B) != 0)) > 0
    return int(R.sum())


# --------------------------------------------------------------------------
# Vertex expansion
# --------------------------------------------------------------------------
def _neighbour_masks(A: np.ndarray) -> np.ndarray:
    n = len(A)
    return np.array([sum(1 << j for j in range(n) if A[i, j] and j != i) for i in range(n)], dtype=np.int64)


def vertex_boundary(A, subset) -> set:
    """δ(U): the vertices outside ``U`` with a neighbour in ``U``.

    Examples
    --------
    On the path 0 - 1 - 2 - 3:

    >>> import numpy as np
    >>> P4 = np.diag(np.ones(3), 1) + np.diag(np.ones(3), -1)
    >>> vertex_boundary(P4, {1}), vertex_boundary(P4, {0, 1})
    ({0, 2}, {2})
    """
    A = np.asarray(A)
    U = set(int(u) for u in subset)
    nb = set(np.nonzero(A[sorted(U)].any(axis=0))[0].tolist()) if U else set()
    return nb - U


def _popcount(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.int64)
    out = np.zeros(x.shape, dtype=np.int64)
    while np.any(x):
        out += x & 1
        x = x >> 1
    return out


def cheeger_constant(A, return_set: bool = False):
    """Exact vertex Cheeger constant ``h(G) = min |δ(U)| / |U|`` over non-empty
    ``U`` with ``|U| <= n/2`` (paper Definition 3.1), by enumerating all subsets.

    Refuses graphs over :data:`MAX_CHEEGER_VERTICES` vertices (2^n subsets).
    With ``return_set``, also returns one minimising set.

    Examples
    --------
    The complete graph K_4: any two vertices have the other two as boundary, ``h = 2/2``.

    >>> import numpy as np
    >>> cheeger_constant(np.ones((4, 4)) - np.eye(4))
    1.0

    The cycle C_n: an arc of ``n/2`` vertices has 2 boundary vertices, ``h = 4/n``; for C_8, 0.5.

    >>> C8 = np.roll(np.eye(8), 1, axis=1) + np.roll(np.eye(8), -1, axis=1)
    >>> cheeger_constant(C8, return_set=True)
    (0.5, {0, 1, 2, 3})
    """
    A = np.asarray(A)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"cheeger_constant needs a square adjacency matrix, got shape {A.shape}")
    n = A.shape[0]
    if n > MAX_CHEEGER_VERTICES:
        raise ValueError(
            f"cheeger_constant enumerates all 2^n subsets and accepts at most "
            f"{MAX_CHEEGER_VERTICES} vertices; this graph has {n}"
        )
    if n < 2:
        raise ValueError("cheeger_constant needs at least 2 vertices")
    nb = _neighbour_masks(A != 0)
    # neighbourhood mask and size of every subset, built bit by bit
    N = np.zeros(1, dtype=np.int64)
    size = np.zeros(1, dtype=np.int64)
    for i in range(n):
        N = np.concatenate([N, N | nb[i]])
        size = np.concatenate([size, size + 1])
    masks = np.arange(1 << n, dtype=np.int64)
    ok = (size >= 1) & (size <= n // 2)
    boundary = _popcount(N[ok] & ~masks[ok])
    ratio = boundary / size[ok]
    k = int(np.argmin(ratio))
    h = float(ratio[k])
    if not return_set:
        return h
    best = int(masks[ok][k])
    return h, {j for j in range(n) if best >> j & 1}


def spectral_gap(A) -> float:
    """``d - λ2`` for a graph's adjacency matrix, with ``d`` its largest eigenvalue.

    (For a d-regular graph this is the second-smallest Laplacian eigenvalue.)

    Examples
    --------
    K_n has eigenvalues ``n - 1`` and ``-1``: gap ``n``. C_8 has ``2 cos(2πk/8)``: gap ``2 - sqrt(2)``.

    >>> import numpy as np
    >>> C8 = np.roll(np.eye(8), 1, axis=1) + np.roll(np.eye(8), -1, axis=1)
    >>> round(spectral_gap(np.ones((4, 4)) - np.eye(4)), 4), round(spectral_gap(C8), 4)
    (4.0, 0.5858)
    """
    ev = np.linalg.eigvalsh(np.asarray(A, dtype=float))[::-1]
    return float(ev[0] - ev[1])


def second_radius(A, rtol: float = 1e-9) -> float:
    """``t(G) = max{|λ| : λ eigenvalue of A, |λ| < t1}`` (paper Definition 3.3):
    the largest eigenvalue modulus strictly below the top one (0 if none).

    Examples
    --------
    C_8 is bipartite: ``-2`` is excluded with ``2``, so ``t = sqrt(2)``, within ``2 sqrt(d - 1) = 2``.

    >>> import numpy as np
    >>> C8 = np.roll(np.eye(8), 1, axis=1) + np.roll(np.eye(8), -1, axis=1)
    >>> round(second_radius(C8), 4)
    1.4142

    A perfect matching (eigenvalues ``±1`` only) has none: 0.

    >>> second_radius(bipartite_adjacency(np.eye(3)))
    0.0
    """
    ev = np.abs(np.linalg.eigvalsh(np.asarray(A, dtype=float)))
    t1 = ev.max(initial=0.0)
    below = ev[ev < t1 * (1 - rtol)]
    return float(below.max(initial=0.0))


def alon_milman_lower(gap: float, d: float) -> float:
    """Lower bound on the vertex expansion of a d-regular graph from its
    spectral gap λ (Alon & Milman 1985): ``h >= 2λ / (d + 2λ)``.

    Examples
    --------
    C_8 (``d = 2``, ``λ = 2 - sqrt(2)``): the bound is below its exact ``h = 0.5``.

    >>> import math
    >>> round(alon_milman_lower(2 - math.sqrt(2), 2), 4)
    0.3694
    """
    return 2.0 * gap / (d + 2.0 * gap)


def alon_upper(gap: float) -> float:
    """Upper bound on the vertex expansion from the spectral gap (Alon 1986):
    an (n, d, c)-expander has ``λ >= c^2 / (4 + 2c^2)``, so
    ``c <= 2 sqrt(λ / (1 - 2λ))`` while ``λ < 1/2`` (no bound beyond).

    Examples
    --------
    ``λ = 0.1`` gives ``2 sqrt(1/8) = 1/sqrt(2)``; from ``λ = 1/2`` on there is no bound.

    >>> round(alon_upper(0.1), 4), alon_upper(0.5)
    (0.7071, inf)
    """
    if gap >= 0.5:
        return math.inf
    return 2.0 * math.sqrt(gap / (1.0 - 2.0 * gap))
