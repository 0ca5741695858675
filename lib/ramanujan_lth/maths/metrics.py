"""Later measures of the same idea (Hoang et al., ICLR 2023 and NeurIPS 2023).

Two later papers score a layer's bipartite graph with quantities related to
the paper's Δ. The book computes them beside Δ, on the same graphs (the
methods page of the book states each choice):

* ``r``: the *normalised* degree-bound margin ``(db - t2) / db = 1 - t2/db``
  with ``db = sqrt(dL - 1) + sqrt(dR - 1)`` over non-isolated vertices; a
  layer is only scored when both average degrees are at least 3;
* IMDB (iterative mean difference of bound): the left vertices grouped by
  degree (degree 0 and groups of fewer than 3 vertices skipped); each group
  with every right vertex forms a subgraph, whose isolated vertices are
  dropped, and is scored by ``r``; IMDB is the mean over the scored groups;
* NaRC: ``((t2²/4 + 1) sqrt(nL nR) - |E - (dL / n_out) nL nR|) / (n_in n_out)``
  with ``nL``, ``nR`` the non-isolated vertex counts, ``E`` the edges, ``dL``
  the average left degree and ``n_in``, ``n_out`` the layer's full sides;
* the weighted spectral gap ``σ1 - σ2`` of ``|W| * M``.

Undefined values are NaN, never errors. ``t2`` is the strict second value of
:func:`ramanujan_lth.maths.spectral.bipartite_spectrum` throughout (the later code
takes the third eigenvalue from ARPACK, the same unless ``σ1 = σ2``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ramanujan_lth.maths import spectral

__all__ = [
    "MIN_DEGREE",
    "MIN_GROUP",
    "normalized_margin",
    "imdb",
    "narc",
    "spectral_gap",
    "later_fields",
    "backfill",
    "fill_derived",
    "LATER_FIELDS",
]

#: both average degrees must be at least this for ``r`` to be defined
MIN_DEGREE = 3.0
#: IMDB skips degree groups with fewer left vertices than this
MIN_GROUP = 3
#: the per-layer fields this module adds to a spectral report row
LATER_FIELDS = ("r", "imdb", "narc", "spectral_gap")


def normalized_margin(t2: float, d_left: float, d_right: float) -> float:
    """``r = (db - t2) / db``; NaN when a degree is below :data:`MIN_DEGREE` (or NaN).

    Examples
    --------
    A complete bipartite layer (``t2 = 0``) scores 1, the most.

    >>> normalized_margin(0.0, 89, 10)
    1.0

    K_{4,4} minus a perfect matching: 3-regular, ``t2 = 1``, ``db = 2 sqrt(2)``; the 8-cycle's degree 2 is too low.

    >>> import math
    >>> round(normalized_margin(1.0, 3, 3), 4), normalized_margin(math.sqrt(2), 2, 2)
    (0.6464, nan)
    """
    if not (d_left >= MIN_DEGREE and d_right >= MIN_DEGREE):
        return math.nan
    db = spectral.degree_bound(d_left, d_right)
    return (db - t2) / db


def _r_of(B: np.ndarray) -> float:
    rec = spectral.bipartite_spectrum(B)
    return normalized_margin(rec.t2, rec.d_avg_left, rec.d_avg_right)


def imdb(B) -> float:
    """IMDB of a 0/1 bi-adjacency matrix (rows: left vertices); NaN when no group is scored.

    Examples
    --------
    K_{4,4} minus a perfect matching has singular values 3, 1, 1, 1: one degree group, ``r = 1 - 1/(2 sqrt 2)``.

    >>> import numpy as np
    >>> J = 1 - np.eye(4)
    >>> round(imdb(J), 4)
    0.6464

    Add three rows of degree 4 (a complete K_{3,4}, ``r = 1``): IMDB is the mean of the two groups.

    >>> round(imdb(np.vstack([np.ones((3, 4)), J])), 4)
    0.8232

    The 8-cycle (degrees 2) and a group of only two left vertices are not scored.

    >>> imdb(np.eye(4) + np.roll(np.eye(4), 1, axis=1)), imdb(np.ones((2, 5)))
    (nan, nan)
    """
    B = np.asarray(B, dtype=np.float64) != 0
    deg = B.sum(axis=1)
    scores = []
    for d in np.unique(deg):
        rows = np.flatnonzero(deg == d)
        if d == 0 or rows.size < MIN_GROUP:
            continue
        r = _r_of(B[rows].astype(np.float64))  # bipartite_spectrum drops isolated vertices itself
        if not math.isnan(r):
            scores.append(r)
    return float(np.mean(scores)) if scores else math.nan


def narc(edges: float, n_left: int, n_right: int, n_in: int, n_out: int, t2: float) -> float:
    """NaRC from the counts of a layer's unweighted graph (``n_left``/``n_right``:
    non-isolated vertices; ``n_in``/``n_out``: the layer's full sides).

    Examples
    --------
    The 8-cycle as a 4x4 layer: ``E = 8``, ``dL = 2``, ``t2 = sqrt(2)``, so the spread
    ``|8 - 2/4 * 16|`` is 0 and NaRC ``= (2/4 + 1) * 4 / 16``.

    >>> import math
    >>> narc(8, 4, 4, 4, 4, math.sqrt(2))
    0.375

    A complete K_{89,10} (``t2 = 0``) gives ``sqrt(890) / 890 = 1 / sqrt(890)``; no edge, no value.

    >>> round(narc(890, 89, 10, 89, 10, 0.0), 4), narc(0, 0, 0, 4, 4, 0.0)
    (0.0335, nan)
    """
    if edges <= 0 or n_left <= 0 or n_right <= 0:
        return math.nan
    d_left = edges / n_left
    spread = abs(edges - d_left / n_out * n_left * n_right)
    return ((t2**2 / 4 + 1) * math.sqrt(n_left * n_right) - spread) / (n_in * n_out)


def spectral_gap(t1: float, t2: float) -> float:
    """``σ1 - σ2`` (with the strict ``t2``).

    Examples
    --------
    The 8-cycle ``I + P``: ``2 - sqrt(2)``.

    >>> import math
    >>> round(spectral_gap(2.0, math.sqrt(2)), 4)
    0.5858
    """
    return t1 - t2


def later_fields(mask_B: np.ndarray, rec, graph: str) -> dict:
    """The later measures of one layer's graph: ``spectral_gap`` of any
    graph, and ``r``, IMDB, NaRC of the unweighted one (``mask_B``: its 0/1
    bi-adjacency; ``rec``: the graph's spectral record); NaN where they do
    not apply."""
    out = {"r": math.nan, "imdb": math.nan, "narc": math.nan, "spectral_gap": spectral_gap(rec.t1, rec.t2)}
    if graph == "unweighted":
        n_left, n_right = int(mask_B.any(axis=1).sum()), int(mask_B.any(axis=0).sum())
        out["r"] = normalized_margin(rec.t2, rec.d_avg_left, rec.d_avg_right)
        out["imdb"] = imdb(mask_B)
        out["narc"] = narc(float(mask_B.sum()), n_left, n_right, mask_B.shape[0], mask_B.shape[1], rec.t2)
    return out


def backfill(records: list, masks_by_round: dict) -> list:
    """Records with the later measures added where they lack them, computed
    from each round's masks (``{round: {layer: 0/1 array}}``, weight-shaped)
    and the spectral fields already recorded."""
    out = []
    for rec in records:
        rows = []
        for row in rec["spectral"]:
            if all(f in row for f in LATER_FIELDS):
                rows.append(row)
                continue
            mask = np.asarray(masks_by_round[rec["round"]][row["layer"]], dtype=np.float64)
            B = spectral.biadjacency(mask)
            found = spectral.SpectralRecord(**{f: row[f] for f in spectral.FIELDS})
            rows.append({**row, **later_fields(B, found, row["graph"])})
        out.append({**rec, "spectral": rows})
    return out


def fill_derived(spec: pd.DataFrame) -> pd.DataFrame:
    """A spectral table (one row per round, graph and layer) with ``r``,
    ``narc`` and ``spectral_gap`` filled in where older records lack them,
    from the fields every record has (``t2``, the average degrees, ``edges``,
    ``n_left``/``n_right``); IMDB needs the masks and stays as recorded."""
    df = spec.copy()
    for col in LATER_FIELDS:
        if col not in df:
            df[col] = np.nan
    gap = df["t1"] - df["t2"]
    df["spectral_gap"] = df["spectral_gap"].where(df["spectral_gap"].notna(), gap)
    unw = df["graph"] == "unweighted"
    r = [normalized_margin(t2, dl, dr) for t2, dl, dr in zip(df["t2"], df["d_avg_left"], df["d_avg_right"])]
    df.loc[unw & df["r"].isna(), "r"] = pd.Series(r, index=df.index)[unw & df["r"].isna()]
    # non-isolated counts: an unweighted degree is edges per non-isolated vertex
    n_l = (df["edges"] / df["d_avg_left"]).round()
    n_r = (df["edges"] / df["d_avg_right"]).round()
    derived = [
        narc(e, nl, nr, ni, no, t2) if np.isfinite(nl) and np.isfinite(nr) else math.nan
        for e, nl, nr, ni, no, t2 in zip(df["edges"], n_l, n_r, df["n_left"], df["n_right"], df["t2"])
    ]
    df.loc[unw & df["narc"].isna(), "narc"] = pd.Series(derived, index=df.index)[unw & df["narc"].isna()]
    return df
