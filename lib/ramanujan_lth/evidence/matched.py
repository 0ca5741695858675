"""Tickets against their controls at matched density (one row per network from
:func:`ramanujan_lth.evidence.predict.network_table`).

Each control keeps exactly its ticket's number of weights in every layer and
starts from the same initialisation, so a difference in accuracy at the same
(seed, round) is what the mask's arrangement is worth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "PAIRS",
    "paired_differences",
    "difference_summary",
    "difference_table",
    "pair_ranges",
    "long_accuracy",
    "long_quantities",
]

#: the comparisons made, (minuend, subtrahend)
PAIRS = (("ticket", "random"), ("ticket", "biregular"), ("biregular", "random"))


def _targets(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c == "accuracy" or c.startswith("accuracy_")]


def _set_name(col: str) -> str:
    return "clean" if col == "accuracy" else f"σ = {col.split('_', 1)[1]}"


def paired_differences(df: pd.DataFrame) -> pd.DataFrame:
    """Per (seed, round) that has controls, test set and pair: the accuracy
    difference in points (``a`` minus ``b``)."""
    keyed = df.set_index(["seed", "round", "kind"])
    rounds = df.loc[df["kind"] != "ticket", ["seed", "round", "density"]].drop_duplicates(["seed", "round"])
    rows = []
    for r in rounds.itertuples():
        for a, b in PAIRS:
            if (r.seed, r.round, a) not in keyed.index or (r.seed, r.round, b) not in keyed.index:
                continue
            x, y = keyed.loc[(r.seed, r.round, a)], keyed.loc[(r.seed, r.round, b)]
            for col in _targets(df):
                rows.append(
                    {
                        "seed": r.seed,
                        "round": r.round,
                        "density": r.density,
                        "pair": f"{a} − {b}",
                        "test set": _set_name(col),
                        "difference": float(x[col] - y[col]),
                    }
                )
    return pd.DataFrame(rows, columns=["seed", "round", "density", "pair", "test set", "difference"])


def difference_summary(diffs: pd.DataFrame) -> pd.DataFrame:
    """Per pair, test set and round: mean difference, its standard deviation
    over seeds, the number of seeds, and how many seeds agree in sign."""
    g = diffs.groupby(["pair", "test set", "round"], sort=False)
    out = g.agg(
        density=("density", "mean"),
        mean=("difference", "mean"),
        sd=("difference", "std"),
        seeds=("difference", "size"),
        positive=("difference", lambda d: int((d > 0).sum())),
    ).reset_index()
    out["sd"] = out["sd"].fillna(0.0)
    return out


def long_accuracy(df: pd.DataFrame) -> pd.DataFrame:
    """One row per network and test set: kind, seed, round, density, accuracy (points)."""
    parts = [
        df[["kind", "seed", "round", "density"]].assign(**{"test set": _set_name(c), "accuracy": df[c]})
        for c in _targets(df)
    ]
    return pd.concat(parts, ignore_index=True)


def long_quantities(df: pd.DataFrame, layers, quantities=("delta", "r", "imdb", "narc", "gap")) -> pd.DataFrame:
    """One row per network, layer and graph quantity (NaN values dropped)."""
    parts = []
    for q in quantities:
        for layer in layers:
            col = f"{q}_{layer}"
            if col in df:
                parts.append(
                    df[["kind", "seed", "round", "density"]].assign(
                        layer=layer, quantity=q, value=df[col].astype(float)
                    )
                )
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return out[np.isfinite(out["value"])] if len(out) else out


def difference_table(summary: pd.DataFrame, test_sets=("clean", "σ = 0.3")) -> pd.DataFrame:
    """:func:`difference_summary` as one row per (pair, test set) and one
    column per density: the mean difference (points) and how many seeds are above 0."""
    s = summary[summary["test set"].isin(test_sets)].copy()
    s["cell"] = [
        f"{m:+.2f} ({p}/{n})".replace("-0.00", "+0.00") for m, p, n in zip(s["mean"], s["positive"], s["seeds"])
    ]
    s["density"] = [f"{100 * d:.3g} %" for d in s["density"]]
    order = list(dict.fromkeys(s.sort_values("round")["density"]))
    out = s.pivot_table(index=["pair", "test set"], columns="density", values="cell", aggfunc="first", sort=False)
    return out[[c for c in order if c in out.columns]]


def pair_ranges(summary: pd.DataFrame, test_set: str = "clean") -> list[str]:
    """Per pair, on one test set: the range of the mean difference over the
    matched densities and how many (seed, density) pairs are above 0."""
    s = summary[summary["test set"] == test_set]
    out = []
    for pair, g in s.groupby("pair", sort=False):
        out.append(
            f"{pair}, {test_set}: {g['mean'].min():+.2f} to {g['mean'].max():+.2f} points over "
            f"{len(g)} densities, above 0 in {int(g['positive'].sum())} of {int(g['seeds'].sum())} seed-density pairs"
        )
    return out
