"""Spectral sweeps over random masks (chapter 2's experiments) and over small random graphs (chapter 1's)."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pandas as pd
import scipy.sparse.csgraph
import torch
from tqdm.auto import tqdm

from ramanujan_lth.maths.graphs import (
    alon_milman_lower,
    cheeger_constant,
    n_components,
    random_biregular,
    random_regular,
    reachable_pairs,
    second_radius,
    spectral_gap,
)
from ramanujan_lth.maths.spectral import arpack_top2, biadjacency, bipartite_spectrum, singular_values
from ramanujan_lth.networks.models import prunable_layers
from ramanujan_lth.networks.network_spectra import layer_report

__all__ = [
    "random_masks",
    "random_mask_sweep",
    "random_mask_sweeps",
    "dense_layer_table",
    "loss_density",
    "loss_density_table",
    "t1_below_one_table",
    "singular_value_grid",
    "arpack_agreement",
    "arpack_line",
    "cheeger_sample",
    "cheeger_summary",
    "cheeger_gap_line",
    "random_regular_sweep",
    "biregular_sweep",
    "random_bipartite_sweep",
    "random_bipartite_summary",
    "figure1_table",
    "two_regular_reach",
    "two_regular_line",
]


def random_masks(model, density: float, seed: int = 0) -> dict:
    """One uniformly random 0/1 mask per prunable layer keeping exactly
    ``round(density * size)`` weights (at least one) of each layer."""
    if not 0 < density <= 1:
        raise ValueError(f"density must be in (0, 1], got {density}")
    g = torch.Generator().manual_seed(seed)
    masks = {}
    for name, m in prunable_layers(model):
        n = m.weight.numel()
        keep = max(1, int(round(density * n)))
        flat = torch.zeros(n)
        flat[torch.randperm(n, generator=g)[:keep]] = 1.0
        masks[name] = flat.reshape(m.weight.shape)
    return masks


def random_mask_sweep(model, densities, seeds=(0,), graphs=("unweighted",), progress: bool = True) -> pd.DataFrame:
    """Layer reports of ``model`` under random masks at each density and seed.

    Returns one row per (graph, seed, density, layer) with every column of
    :func:`ramanujan_lth.networks.network_spectra.layer_report` and ``components``, the number
    of connected components of the layer's graph (isolated vertices left out).
    """
    jobs = [(g, s, d) for g in graphs for s in seeds for d in densities]
    frames = []
    for graph, seed, density in tqdm(jobs, disable=not progress, desc="random masks"):
        masks = random_masks(model, density, seed)
        rep = layer_report(model, masks, graph=graph)
        rep["components"] = [n_components(biadjacency(masks[name])) for name in rep["layer"]]
        rep.insert(0, "target_density", density)
        rep.insert(0, "seed", seed)
        rep.insert(0, "graph", graph)
        frames.append(rep)
    return pd.concat(frames, ignore_index=True)


def random_mask_sweeps(models: dict, densities, seeds=(0,), graphs=("unweighted",), progress: bool = True):
    """:func:`random_mask_sweep` of each network in ``models`` (name -> model), one frame with the
    network's name in a last column ``model``."""
    return pd.concat(
        [
            random_mask_sweep(m, densities, seeds=seeds, graphs=graphs, progress=progress).assign(model=name)
            for name, m in models.items()
        ],
        ignore_index=True,
    )


def dense_layer_table(models: dict) -> pd.DataFrame:
    """The graph of every prunable layer of each unpruned network in ``models`` (name -> model):
    one row per (network, layer) with ``model``, ``layer``, ``kind``, the weight ``shape`` written
    ``"300 × 784"``, the vertex counts ``n_left`` and ``n_right``, the ``edges`` and the singular
    values ``t1`` and ``t2`` of its 0/1 bi-adjacency (:func:`layer_report` without a mask)."""
    dense = pd.concat([layer_report(m).assign(model=name) for name, m in models.items()], ignore_index=True)
    dense["shape"] = dense["shape"].map(lambda t: " × ".join(map(str, t)))
    return dense[["model", "layer", "kind", "shape", "n_left", "n_right", "edges", "t1", "t2"]]


def loss_density(sweep: pd.DataFrame) -> pd.DataFrame:
    """Per layer (and graph, seed): the highest density at which the layer no
    longer has the Ramanujan property, scanning from dense to sparse, and the
    lowest density above it that still had it.  NaN when it never loses it.
    A sweep of several networks (a ``model`` column, :func:`random_mask_sweeps`)
    is read network by network, its name kept in a last column ``model``."""
    keys = ["model", "graph", "seed", "layer"] if "model" in sweep else ["graph", "seed", "layer"]
    rows = []
    for key, df in sweep.groupby(keys, sort=False):
        df = df.sort_values("target_density", ascending=False)
        lost = df[~df["ramanujan"].astype(bool)]
        first = lost["target_density"].iloc[0] if len(lost) else np.nan
        kept = df[df["target_density"] > first]["target_density"] if len(lost) else df["target_density"]
        named = dict(zip(keys, key))
        rows.append(
            {
                "graph": named["graph"],
                "seed": named["seed"],
                "layer": named["layer"],
                "last_ramanujan_density": kept.min() if len(kept) else np.nan,
                "first_lost_density": first,
            }
            | ({"model": named["model"]} if "model" in named else {})
        )
    return pd.DataFrame(rows)


def loss_density_table(lost: pd.DataFrame) -> pd.DataFrame:
    """Per network and layer, the median over masks (and graphs) of :func:`loss_density`'s two
    densities, in percent: ``last density with the property`` and ``first density without`` (NaN:
    the layer never lost it). ``lost`` needs the ``model`` column of a several-network sweep."""
    table = (
        100 * lost.groupby(["model", "layer"], sort=False)[["last_ramanujan_density", "first_lost_density"]].median()
    )
    table.columns = ["last density with the property", "first density without"]
    return table


def t1_below_one_table(weighted: pd.DataFrame) -> pd.DataFrame:
    """Where the weighted graph's eigenvalue bound stops existing: per network and layer (rows) and
    density of the random mask (columns, from dense to sparse, written ``"10 %"``), ``"t1 < 1"``
    where the weighted ``t1`` is below 1 and ``""`` where it is not. ``weighted``: a
    :func:`random_mask_sweeps` frame with the weighted graph (its first seed read per cell)."""
    w = weighted[weighted["graph"] == "weighted"]
    below = w.assign(t1_below_1=w["t1"] < 1).pivot_table(
        index=["model", "layer"], columns="target_density", values="t1_below_1", aggfunc="first"
    )
    below = below.iloc[:, ::-1]
    below.columns = [f"{100 * d:.3g} %" for d in below.columns]
    return below.replace({True: "t1 < 1", False: ""})


def singular_value_grid(models: dict, densities, seeds=(0,), layers=None, bins: int = 40) -> tuple:
    """The singular values of layers under random masks, for a chart a reader explores without a
    kernel: per (network, layer, density, mask seed), the histogram of every singular value but the
    largest (``bins`` equal bins from 0 to ``t1``; empty bins left out) and a summary row with
    ``t1``, ``t2``, the bounds ``eb`` and ``db`` and ``ΔS``, ``ΔR``. ``models``: name -> model;
    ``layers``: name -> the layers to include (default: every prunable layer)."""
    hist, summary = [], []
    for name, model in models.items():
        wanted = None if layers is None else set(layers.get(name, ()))
        for density in densities:
            for seed in seeds:
                masks = random_masks(model, density, seed)
                for layer, mask in masks.items():
                    if wanted is not None and layer not in wanted:
                        continue
                    B = biadjacency(mask)
                    rec = bipartite_spectrum(B)
                    s = singular_values(B)[1:]
                    edges = np.linspace(0.0, max(rec.t1, 1e-9), bins + 1)
                    counts, _ = np.histogram(s, bins=edges)
                    key = {"network": name, "layer": layer, "density": float(density), "seed": int(seed)}
                    hist += [
                        {**key, "lo": round(float(lo), 4), "hi": round(float(hi), 4), "count": int(c)}
                        for lo, hi, c in zip(edges[:-1], edges[1:], counts)
                        if c
                    ]
                    summary.append(
                        {
                            **key,
                            **{f: round(float(getattr(rec, f)), 4) for f in ("t1", "t2", "eb", "db")},
                            "delta_s": float(rec.delta_s),
                            "delta_r": float(rec.delta_r),
                        }
                    )
    return pd.DataFrame(hist), pd.DataFrame(summary)


def arpack_agreement(models: dict, densities, seed: int = 0) -> pd.DataFrame:
    """The book's exact singular values against the paper's ARPACK route, on every layer of each
    network in ``models`` (name -> model) under one random mask (``seed``) per density.

    One row per (network, density, layer): the relative difference of ``t1`` and of ``t2`` between
    :func:`ramanujan_lth.maths.spectral.bipartite_spectrum` (``method="svd"``) and
    :func:`ramanujan_lth.maths.spectral.arpack_top2` (NaN where the exact ``t2`` is 0), and the
    milliseconds each took."""
    rows = []
    for name, m in models.items():
        for d in densities:
            for layer, mask in random_masks(m, d, seed).items():
                B = biadjacency(mask)
                t0 = time.perf_counter()
                rec = bipartite_spectrum(B, method="svd")
                t_exact = time.perf_counter() - t0
                t0 = time.perf_counter()
                a1, a2 = arpack_top2(B)
                t_arpack = time.perf_counter() - t0
                rows.append(
                    {
                        "model": name,
                        "layer": layer,
                        "density": d,
                        "rel. diff t1": abs(a1 - rec.t1) / rec.t1,
                        "rel. diff t2": abs(a2 - rec.t2) / rec.t2 if rec.t2 else np.nan,
                        "exact ms": 1e3 * t_exact,
                        "arpack ms": 1e3 * t_arpack,
                    }
                )
    return pd.DataFrame(rows)


def arpack_line(agree: pd.DataFrame) -> str:
    """The largest relative differences of :func:`arpack_agreement`'s rows, in one line:
    ``"largest relative difference: t1 1.2e-15, t2 3.4e-14"``."""
    return f"largest relative difference: t1 {agree['rel. diff t1'].max():.1e}, t2 {agree['rel. diff t2'].max():.1e}"


# ------------------------------------------------------------------ small random graphs (chapter 1)
def cheeger_sample(n_graphs: int, rng: np.random.Generator, degrees=(3, 4, 5), sizes=(10, 12, 14, 16)):
    """``n_graphs`` random regular graphs small enough for the exact vertex Cheeger constant, each
    of a degree drawn from ``degrees`` and a size drawn from ``sizes`` with ``rng`` (which it
    advances: three draws per graph).

    One row per graph: ``d``, ``n``, the spectral ``gap`` ``d - t2``, the exact ``h`` and the
    Alon–Milman ``lower`` bound on it
    (:func:`ramanujan_lth.maths.graphs.alon_milman_lower`)."""
    rows = []
    for _ in range(n_graphs):
        d = int(rng.choice(degrees))
        n = int(rng.choice(sizes))
        A = random_regular(n, d, seed=int(rng.integers(1 << 30)))
        gap = spectral_gap(A)
        rows.append({"d": d, "n": n, "gap": gap, "h": cheeger_constant(A), "lower": alon_milman_lower(gap, d)})
    return pd.DataFrame(rows)


def cheeger_summary(cheeger: pd.DataFrame) -> pd.DataFrame:
    """Per degree ``d`` of :func:`cheeger_sample`'s graphs (rows, ascending), the mean spectral
    ``gap`` and the mean exact ``h``, rounded to three decimals."""
    return cheeger.groupby("d")[["gap", "h"]].mean().round(3)


def cheeger_gap_line(cheeger: pd.DataFrame) -> str:
    """How many of :func:`cheeger_sample`'s graphs have a spectral gap below 1/2 (the only ones the
    Cheeger–Buser upper bound constrains), and the range of the gaps, in one sentence."""
    small = int((cheeger["gap"] < 0.5).sum())
    return (
        f"{small} of the {len(cheeger)} graphs drawn here have a gap below 1/2; for the others the grey curve "
        f"sets no limit (their gaps run from {cheeger['gap'].min():.2f} to {cheeger['gap'].max():.2f})."
    )


def random_regular_sweep(degrees, sizes, reps: int) -> tuple:
    """Random d-regular graphs against the Ramanujan bound ``2 sqrt(d - 1)``: ``reps`` graphs per
    (degree, size), drawn with the seed ``1000 d + 10 n + rep``.

    Returns a frame with one row per graph (``d``, ``n``, ``rep``, ``t(G)``, the bound
    ``2√(d−1)``, their ``ratio``, whether the graph is ``ramanujan`` and ``nilli``, the
    Alon–Nilli lower bound ``2√(d−1) − (2√(d−1) − 1) / ⌊m/2⌋`` on ``λ2`` as chapter 1 states it,
    ``m`` the graph's diameter), and a frame of the eigenvalues (the trivial ``d`` left out) of
    the first graph of each (degree, size): ``d``, ``n``, ``eigenvalue``. Raises
    ``ArithmeticError`` if a graph's ``λ2`` falls below ``nilli`` (the chapter's check of every
    graph). The bound holds from diameter 4 on (Nilli's condition); ``nilli`` is NaN below it
    (K_{3,3}, of diameter 2, has ``λ2 = 0``, under the formula's 1)."""
    rows, spectra = [], []
    for d in degrees:
        bound = 2 * math.sqrt(d - 1)
        for n in sizes:
            for r in range(reps):
                A = random_regular(n, d, seed=1000 * d + 10 * n + r)
                ev = np.linalg.eigvalsh(A)
                m = int(scipy.sparse.csgraph.shortest_path(A, unweighted=True).max())
                # Nilli's theorem needs a diameter of at least 4 (k >= 1 with k + 1 = m // 2)
                nilli = bound - (bound - 1) / (m // 2) if m >= 4 else float("nan")
                if ev[-2] < nilli - 1e-9:
                    raise ArithmeticError(f"λ2 = {ev[-2]} below the Alon–Nilli bound {nilli} (d={d}, n={n})")
                t = second_radius(A)
                rows.append(
                    {
                        "d": d,
                        "n": n,
                        "rep": r,
                        "t(G)": t,
                        "2√(d−1)": bound,
                        "ratio": t / bound,
                        "ramanujan": t <= bound,
                        "nilli": nilli,
                    }
                )
                if r == 0:
                    spectra.append(pd.DataFrame({"d": d, "n": n, "eigenvalue": ev[:-1]}))
    return pd.DataFrame(rows), pd.concat(spectra, ignore_index=True)


def biregular_sweep(pairs, n_right, reps: int) -> pd.DataFrame:
    """Random (dL, dR)-biregular bipartite graphs against the bipartite bound: ``reps`` graphs per
    degree pair in ``pairs`` and number of right vertices in ``n_right`` (``n_right dR / dL``
    left ones), drawn with the seed ``7 n_right + rep``.

    One row per graph: ``degrees`` (as ``"(dL,dR)"``), ``n_right``, ``t2 / db`` and the two
    margins ``ΔR``, ``ΔS``. Raises ``ArithmeticError`` if a graph's ``t1`` were not
    ``sqrt(dL dR)`` (a check of the computation)."""
    rows = []
    for dl, dr in pairs:
        for nr in n_right:
            for r in range(reps):
                rec = bipartite_spectrum(random_biregular(nr * dr // dl, nr, dl, dr, seed=7 * nr + r))
                if abs(rec.t1 - math.sqrt(dl * dr)) >= 1e-9:
                    raise ArithmeticError(f"t1 = {rec.t1} is not sqrt({dl} * {dr})")
                rows.append(
                    {
                        "degrees": f"({dl},{dr})",
                        "n_right": nr,
                        "t2 / db": rec.t2 / rec.db,
                        "ΔR": rec.delta_r,
                        "ΔS": rec.delta_s,
                    }
                )
    return pd.DataFrame(rows)


def random_bipartite_sweep(avg_degrees, reps: int, rng: np.random.Generator, shape=(400, 200)) -> pd.DataFrame:
    """Erdős–Rényi bipartite graphs of ``shape`` (left, right vertices): ``reps`` graphs per average
    left degree ``c`` in ``avg_degrees``, each edge kept with probability ``c / right``, drawn
    with ``rng`` (which it advances).

    One row per graph: ``average left degree``, ``rep``, ``ΔR``, ``ΔS`` and the number of
    ``components`` (isolated vertices left out)."""
    rows = []
    for c in avg_degrees:
        for r in range(reps):
            B = (rng.random(shape) < c / shape[1]).astype(float)
            rec = bipartite_spectrum(B)
            rows.append(
                {
                    "average left degree": c,
                    "rep": r,
                    "ΔR": rec.delta_r,
                    "ΔS": rec.delta_s,
                    "components": n_components(B),
                }
            )
    return pd.DataFrame(rows)


def random_bipartite_summary(er: pd.DataFrame) -> pd.DataFrame:
    """Per average left degree of :func:`random_bipartite_sweep`'s graphs (rows, ascending), the
    median ``ΔR``, ``ΔS`` and number of ``components``, rounded to three decimals."""
    return er.groupby("average left degree")[["ΔR", "ΔS", "components"]].median().round(3)


def figure1_table(nets: dict) -> pd.DataFrame:
    """The spectrum of every layer of the paper's Figure 1 networks
    (:func:`ramanujan_lth.maths.graphs.figure1_networks`: name -> bi-adjacencies): one row per
    (``network``, ``layer`` from 1) with its number of ``components``, ``t1``, ``t2``, the bounds
    ``eb`` and ``db`` and the margins ``ΔS``, ``ΔR``."""
    rows = []
    for name, layers in nets.items():
        for i, B in enumerate(layers, start=1):
            rec = bipartite_spectrum(B)
            rows.append(
                {"network": name, "layer": i, "components": n_components(B)}
                | {"t1": rec.t1, "t2": rec.t2, "eb": rec.eb, "db": rec.db, "ΔS": rec.delta_s, "ΔR": rec.delta_r}
            )
    return pd.DataFrame(rows)


def two_regular_reach(n: int = 4, d: int = 2) -> tuple:
    """Every d-regular ``n x n`` bi-adjacency (each row and column with ``d`` ones), and of every
    two-layer network built from two of them the most (input, output) pairs joined.

    Returns the number of such layers and a dict: ``True`` -> the most pairs joined with both
    layers connected, ``False`` -> with at least one disconnected (a key is missing where no
    pair of that kind exists)."""
    layers = []
    for rows in itertools.product(itertools.combinations(range(n), d), repeat=n):
        B = np.zeros((n, n))
        for i, cols in enumerate(rows):
            B[i, list(cols)] = 1
        if (B.sum(axis=0) == d).all():
            layers.append(B)
    connected = [n_components(B) == 1 for B in layers]
    best = {}
    for (A, a_conn), (B, b_conn) in itertools.product(zip(layers, connected), repeat=2):
        both = a_conn and b_conn
        best[both] = max(best.get(both, 0), reachable_pairs(A, B))
    return len(layers), best


def two_regular_line(count: int, best: dict, n: int = 4) -> str:
    """:func:`two_regular_reach`'s answer for ``n x n`` layers in one line: how many two-regular
    layers there are, and the most of the ``n²`` input→output pairs reached with both layers
    connected and with a disconnected one."""
    return (
        f"{count} two-regular layers; most input→output pairs reached: "
        f"{best[True]} of {n * n} with both layers connected, {best[False]} with a disconnected one"
    )
