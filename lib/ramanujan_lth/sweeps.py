"""Spectral sweeps over random masks (chapter 2's experiments)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from .graphs import n_components
from .models import prunable_layers
from .network_spectra import layer_report
from .spectral import biadjacency, bipartite_spectrum, singular_values

__all__ = ["random_masks", "random_mask_sweep", "loss_density", "singular_value_grid"]


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
    :func:`ramanujan_lth.network_spectra.layer_report` and ``components``, the number
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


def loss_density(sweep: pd.DataFrame) -> pd.DataFrame:
    """Per layer (and graph, seed): the highest density at which the layer no
    longer has the Ramanujan property, scanning from dense to sparse, and the
    lowest density above it that still had it.  NaN when it never loses it."""
    rows = []
    for key, df in sweep.groupby(["graph", "seed", "layer"], sort=False):
        df = df.sort_values("target_density", ascending=False)
        lost = df[~df["ramanujan"].astype(bool)]
        first = lost["target_density"].iloc[0] if len(lost) else np.nan
        kept = df[df["target_density"] > first]["target_density"] if len(lost) else df["target_density"]
        rows.append(
            {
                "graph": key[0],
                "seed": key[1],
                "layer": key[2],
                "last_ramanujan_density": kept.min() if len(kept) else np.nan,
                "first_lost_density": first,
            }
        )
    return pd.DataFrame(rows)


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
