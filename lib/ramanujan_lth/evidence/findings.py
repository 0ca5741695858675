"""What a chapter found, in a few lines computed from what it showed (the last section of a chapter).

Each function takes the chapter's own tables or runs and returns Markdown bullet lines; nothing
here is typed in: a line changes when the runs or the sweep change.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ramanujan_lth import labels
from ramanujan_lth.evidence import results
from ramanujan_lth.maths import stats

__all__ = [
    "random_masks",
    "regime_events",
    "pipeline_check",
    "appendix_losses",
    "bound_pruner",
    "never_lost",
    "criterion_effect",
]


def _pct(x: float) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{100 * x:.3g} %"


def random_masks(sweep: pd.DataFrame, lost: pd.DataFrame, weighted: pd.DataFrame) -> str:
    """Chapter 2: how far down random masks keep each network's layers Ramanujan, which bound fails
    first, how often the sparsest masks disconnect a layer, and where the weighted ``t1`` drops under 1.

    ``sweep``: :func:`ramanujan_lth.networks.sweeps.random_mask_sweep` rows with a ``model`` column; ``lost``:
    :func:`ramanujan_lth.networks.sweeps.loss_density` per model; ``weighted``: a sweep of the weighted graph."""
    lines = []
    for model, g in lost.groupby("model", sort=False):
        per_layer = g.groupby("layer", sort=False)["first_lost_density"].median()
        never = [layer for layer, d in per_layer.items() if not np.isfinite(d)]
        ranked = per_layer.dropna().sort_values(ascending=False)
        first = f"{ranked.index[0]} first, at {_pct(ranked.iloc[0])}" if len(ranked) else "none"
        lines.append(
            f"* **{model}**: under random masks the first layer to lose the property does so at "
            f"{first} (median over masks); "
            + (f"{', '.join(never)} never within the grid" if never else "every layer loses it within the grid")
            + "."
        )
    unw = sweep[sweep["graph"] == "unweighted"] if "graph" in sweep else sweep
    firsts = {"ΔS": 0, "ΔR": 0, "together": 0}
    for _, g in unw.groupby(["model", "layer", "seed"], sort=False):
        g = g.sort_values("target_density", ascending=False)
        s_fail = g.loc[g["delta_s"] < 0, "target_density"].max()
        r_fail = g.loc[g["delta_r"] < 0, "target_density"].max()
        if not (np.isfinite(s_fail) or np.isfinite(r_fail)):
            continue
        s_fail = s_fail if np.isfinite(s_fail) else -1
        r_fail = r_fail if np.isfinite(r_fail) else -1
        firsts["ΔS" if s_fail > r_fail else "ΔR" if r_fail > s_fail else "together"] += 1
    total = sum(firsts.values())
    if total:
        lines.append(
            f"* The eigenvalue bound (ΔS < 0) fails first in {firsts['ΔS']} of {total} (layer, mask) series, the "
            f"degree bound (ΔR < 0) in {firsts['ΔR']}, both at once in {firsts['together']}."
        )
    sparsest = unw["target_density"].min()
    at = unw[unw["target_density"] == sparsest]
    split = int((at["components"] > 1).sum())
    lines.append(
        f"* At the sparsest masks ({_pct(sparsest)}), {split} of {len(at)} layer graphs fall apart into several "
        "pieces: a positive Δ there is read as disconnection, not as health."
    )
    w = weighted[weighted["graph"] == "weighted"]
    below = w[w["t1"] < 1].groupby("model", sort=False)["target_density"].max()
    for model, d in below.items():
        lines.append(
            f"* {model}'s weighted graph (|w| on each kept edge, at initialisation) loses its eigenvalue bound "
            f"(t1 < 1) in some layer from {_pct(d)} density down: the paper reads the property off the "
            "unweighted graph."
        )
    return "\n".join(lines)


def regime_events(spectral: dict, layers: dict) -> str:
    """Chapter 3: per network, down to which density it stays fully Ramanujan, where each studied
    layer first lacks the property (earliest first), where the non-Ramanujan regime starts and which
    layers get the property back further down (mean Δ over seeds, the shading's rule).

    ``spectral``: model -> :func:`ramanujan_lth.evidence.results.spectral_table` of its runs; ``layers``:
    model -> its studied layers."""

    def pct(d):
        return "never" if pd.isna(d) else f"{100 * d:.3g} %"

    lines = []
    for m, spec in spectral.items():
        ev = results.property_events(results.regime_table(spec, layers[m]))
        order = sorted(ev["lost"].items(), key=lambda kv: -kv[1] if pd.notna(kv[1]) else float("inf"))
        back = [f"{layer} (at {', '.join(pct(d) for d in ds)})" for layer, ds in ev["regained"].items() if ds]
        lines.append(
            f"* **{labels.MODEL_NAMES.get(m, m)}**: fully Ramanujan down to {pct(ev['fully_down_to'])}; "
            f"each layer first lacks the property at: {', '.join(f'{k} {pct(d)}' for k, d in order)}; "
            f"non-Ramanujan from: {pct(ev['non_at'])}; "
            f"property regained by: {'; '.join(back) if back else 'no layer'}."
        )
    return "\n".join(lines)


def pipeline_check(label: str, runs: list, what: str) -> str:
    """The note a study gets instead of its figures when only quick-profile pipeline checks are shown."""
    last = runs[0].records[-1]
    return (
        f"*Pipeline check only* — {label}: {what}; its last round ends at {100 * last['accuracy']:.1f} % accuracy. "
        "Not a finding: its stored runs are not there yet (`reproduce --profile subset` computes them)."
    )


def appendix_losses(studied: dict, loss: pd.DataFrame, checks: list) -> str:
    """Chapter 7: per study shown, the order in which its layers lose the property (the density where
    each layer's mean Δ first stops being positive, unweighted graph), the layers that never do within
    its runs, and how far its runs went; then the studies shown only as pipeline checks.

    ``studied``: label -> ``{"results", "source", "layers"}``; ``loss``: the
    :func:`ramanujan_lth.evidence.results.loss_table` rows with a ``study`` column;
    ``checks``: the pipeline-check labels."""
    lines = []
    for label, s in studied.items():
        if label in checks:
            continue
        lost = loss[(loss["study"] == label) & (loss["graph"] == "unweighted")].set_index("layer")
        reached = min(r.records[-1]["density"] for r in s["results"])
        order = lost["first density without"].dropna().sort_values(ascending=False)
        never = [layer for layer in s["layers"] if layer not in order.index]
        parts = [f"{layer} at {100 * d:.3g} %" for layer, d in order.items()]
        text = "layers lose it in this order: " + ", ".join(parts) if parts else "no layer loses it"
        if never:
            text += f"; {', '.join(never)} never within the runs"
        lines.append(f"* **{label}**, {s['source']}: {text}; the runs stop at {100 * reached:.3g} % overall density.")
    if checks:
        lines.append(
            f"* Not yet a finding: {', '.join(checks)} — only quick-profile pipeline checks are shown "
            "above (a few iterations a round, near-chance accuracy); their full runs are not stored yet."
        )
    return "\n".join(lines)


def bound_pruner(runs: dict, names: dict, paper: dict) -> str:
    """Chapter 4: per score, the plain pruner at α = 2 beside the paper's, the -Bound run's density
    and accuracy, and -Bound − * against the paper's difference. ``runs``: score -> {α: run, "bound":
    run, "star": run}; ``names``: score -> label; ``paper``: :data:`ramanujan_lth.evidence.paper.PAPER_TABLE3`
    of the model."""

    def acc(res) -> float:
        return 100 * res.records[-1]["accuracy"]

    lines = []
    for score, r in runs.items():
        pp = paper.get(labels.SCORE_PAPER_KEYS[score], {})
        name = names[score]
        parts = []
        if 2.0 in r:
            theirs = pp.get(2.0)
            parts.append(
                f"plain at α = 2 (1 % density) keeps {acc(r[2.0]):.1f} %"
                + (f" where the paper reports {theirs:.1f} %" if theirs is not None else "")
            )
        if "bound" in r and "star" in r:
            b, s = r["bound"], r["star"]
            diff = acc(b) - acc(s)
            pb, ps = pp.get("bound", (None, None)), pp.get("star")
            theirs = (
                f" (paper: {pb[1] - ps:+.2f} at {pb[0]:g} %)"
                if pb and pb[1] is not None and ps is not None and not math.isnan(ps)
                else ""
            )
            parts.append(
                f"{name}-Bound stops at {_pct(b.records[-1]['density'])} with {acc(b):.1f} %, "
                f"{diff:+.2f} points against {name}* at that density{theirs}"
            )
        if parts:
            lines.append(f"* **{name}**: " + "; ".join(parts) + ".")
    return "\n".join(lines)


def never_lost(experiments: dict) -> str:
    """Chapter 5: per model, the studied layers whose Δ is never significantly below zero within
    its rounds (or that every studied layer loses the property), as Markdown bullets.
    ``experiments``: model -> ``{"tests": ...}`` (:func:`ramanujan_lth.maths.stats.delta_tests`)."""
    lines = []
    for model, ex in experiments.items():
        lost = stats.loss_points(ex["tests"])
        never = lost.loc[lost["round"].isna(), "layer"].tolist()
        lines.append(
            f"* {labels.MODEL_NAMES.get(model, model)}: "
            + (f"{', '.join(never)} never loses it" if never else "every studied layer loses it")
        )
    return "\n".join(lines)


def criterion_effect(against: pd.DataFrame) -> str:
    """Chapter 7: where the unweighted (UE, UD) and the weighted (WE, WD) single criteria stop, and
    how much the bound changes accuracy against the plain run at that density on each test set
    (``against``: :func:`ramanujan_lth.evidence.results.criterion_against_plain`), in one sentence."""
    unweighted = against[against["criterion"].isin(["UE", "UD"])]
    weighted = against[against["criterion"].isin(["WE", "WD"])]
    diffs = [c for c in against if c.endswith("-Bound minus plain")]  # clean, then the noisiest test set
    changes = " and ".join(
        f"{against[c].min():+.2f} to {against[c].max():+.2f} points on the {c.split(':')[0]} set" for c in diffs
    )
    return (
        f"The unweighted criteria stop at {unweighted['density %'].min():.3g}–{unweighted['density %'].max():.3g} % "
        f"density, the weighted ones at {weighted['density %'].min():.3g}–{weighted['density %'].max():.3g} %. "
        f"At the density each reached, the bound changes accuracy against the plain run by {changes} "
        "(one seed each)."
    )
