"""The later literature's question: do graph measures rank pruning methods by accuracy?

Hoang et al. (ICLR 2023) report that the Ramanujan property does not rank
pruning-at-initialisation methods by accuracy while their IMDB and NaRC do;
Cunegatti et al. (TMLR 2024) find such measures only as good as the layers'
densities. The book trains five such methods (:mod:`ramanujan_lth.networks.oneshot`)
at the overall densities of the LeNet-300-100 controls and tests the claim
with a rule fixed here, before any run is read (:data:`RULE`):

* at every matched density and seed, each kind of mask (tickets, random and
  biregular controls, the five methods) is one network; a quantity's value
  for it is its mean over the studied layers (the share of Ramanujan layers
  as it is);
* Spearman's ρ between the quantity and clean accuracy across the kinds,
  with accuracies within the seed noise of each other tied (the noise: the
  median over kinds of the standard deviation over seeds at that density;
  accuracies are ranked after rounding to multiples of it);
* a cell (density, seed) counts for a quantity when at least
  :data:`MIN_KINDS` kinds have it measured and the density has at least
  :data:`MIN_SEEDS` seeds (the noise needs them); a quantity equal for every
  kind cannot rank them (ρ = 0); accuracies that all tie leave nothing to
  rank (the cell is left out);
* a quantity ranks the methods when the mean ρ over densities (each the mean
  over seeds) is at least :data:`MIN_RHO` and ρ > 0 in at least
  :data:`MIN_SHARE` of (density, seed) cells; it ranks them the wrong way
  round when the mirror holds.

The verdict reads IMDB and NaRC, the claim's measures: reproduced when both
rank the methods, partly when one does and the other shows no ranking,
contradicted when both rank them the wrong way round, not reproduced
otherwise (one the wrong way round included); not tested yet unless each
was ranked at two densities or more. The tickets stored before IMDB was
recorded kept no masks, so IMDB ranks the other kinds only until
``recover-masks`` gives them back (:func:`coverage` lists them); each
measure's kinds are named with the verdict. It does not enter the book's answer,
which is about the paper's claims.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from ramanujan_lth import labels
from ramanujan_lth.catalog import ONESHOT_METHODS
from ramanujan_lth.evidence import claims, plans, predict
from ramanujan_lth.storage import paths, stored_masks, stored_runs

__all__ = [
    "QUANTITIES",
    "CLAIM_QUANTITIES",
    "MIN_RHO",
    "MIN_SHARE",
    "MIN_KINDS",
    "MIN_SEEDS",
    "RULE",
    "methods_data",
    "coverage",
    "coverage_line",
    "network_values",
    "rank_correlations",
    "rank_summary",
    "claim_ranking",
]

#: the quantities whose ranking is measured (column prefixes of the network table)
QUANTITIES = ("delta", "share", "r", "imdb", "narc", "gap")
#: the claim's measures
CLAIM_QUANTITIES = ("imdb", "narc")
MIN_RHO = 0.5
MIN_SHARE = 0.8
#: kinds of mask with the quantity measured that a ranking needs (of the eight)
MIN_KINDS = 5
#: seeds a density needs (the seed noise that ties accuracies is their spread)
MIN_SEEDS = 2

RULE = (
    "At each matched density and seed, Spearman's ρ across the kinds of mask (tickets, random, biregular and "
    "the five one-shot methods) between a quantity's mean over the studied layers and clean accuracy, "
    "accuracies within the seed noise tied (rounded to the median over kinds of their standard deviation over "
    f"seeds). A quantity ranks the methods when the mean ρ over densities is at least {MIN_RHO:g} and ρ > 0 in "
    f"at least {MIN_SHARE:.0%} of (density, seed) cells; the wrong way round when the mirror holds. A cell "
    f"needs {MIN_KINDS} kinds with the quantity measured and {MIN_SEEDS} seeds at its density; a quantity "
    "equal for every kind has ρ = 0; accuracies that all tie leave the cell out. "
    "Reproduced: IMDB and NaRC both rank them; partly: one does, the other shows no ranking; contradicted: "
    "both the wrong way round; not reproduced otherwise; not tested yet unless both were ranked at two "
    "densities or more. Fixed before the runs were read; not part of the answer."
)
claims.METHOD_RULES["6"] = RULE


def stored_oneshot(tickets: list, stored_root) -> list:
    """The stored one-shot runs matched to ``tickets`` (:func:`ramanujan_lth.evidence.plans.oneshot_plan`)."""
    return stored_runs.stored_some(plans.oneshot_plan(tickets), stored_root) or []


def methods_data(model: str, stored_root) -> tuple[pd.DataFrame, list]:
    """Every network of the comparison: the tickets of the seeds that have
    one-shot runs, their controls and the one-shot runs, with the studied layers."""
    lth, _ = plans.stored_lth(model, stored_root)
    layers = plans.STUDIED_LAYERS[model]
    if not lth:
        return pd.DataFrame(), layers
    found = stored_oneshot(lth, stored_root)
    seeds = {r.params.seed for r in found}
    tickets = [t for t in lth if t.params.seed in seeds]
    if not tickets:
        return pd.DataFrame(), layers
    controls = claims.stored_controls(tickets, stored_root)
    return predict.network_table(tickets, controls, layers, oneshot=found), layers


def coverage(model: str, stored_root) -> dict:
    """How many of the planned one-shot runs are stored, and the tickets beside
    them that kept no masks (``unmasked``: their stored folders; ``unmasked_hours``:
    how long they first trained), which :mod:`ramanujan_lth.storage.recover_masks`
    can give their masks back."""
    lth, _ = plans.stored_lth(model, stored_root)
    tickets = [t for t in lth if t.params.seed in range(plans.chapter_seeds("06_verdict", model, "paper"))]
    plan = plans.oneshot_plan(tickets) if model in plans.ONESHOT_MODELS else []
    found = stored_runs.stored_some(plan, stored_root) or [] if plan else []
    unmasked = [t.folder for t in tickets if not stored_masks.has_masks(t.folder)] if plan else []
    seconds = sum(sum(json.loads((Path(f) / paths.TIMINGS).read_text())["seconds_per_round"]) for f in unmasked)
    return {
        "planned": len(plan),
        "stored": len(found),
        "methods": list(ONESHOT_METHODS),
        "tickets": len(tickets) if plan else 0,
        "unmasked": unmasked,
        "unmasked_hours": seconds / 3600,
    }


def coverage_line(cov: dict, compared: bool) -> str:
    """What :func:`coverage` found, in words, with the commands that compute what is missing."""
    line = (
        f"{cov['stored']} of the {cov['planned']} one-shot runs are stored "
        f"({', '.join(labels.SCORE_LABELS[m] for m in cov['methods'])}; five seeds, six densities)."
    )
    if not compared:
        line += (
            " Until they are, the comparison below is empty and the claim reads 'not tested yet'; "
            "`python -m ramanujan_lth reproduce --profile paper --chapters 06 --runs-only` trains them "
            "(about four minutes each on one core)."
        )
    n = len(cov["unmasked"])
    if n:
        line += (
            f" {'All' if n == cov['tickets'] else f'{n} of the'} {cov['tickets']} tickets beside them were stored "
            "before runs kept their masks, so IMDB ranks the other kinds only; `python -m ramanujan_lth "
            "recover-masks` with their folders trains them again and stores their masks if every stored value "
            f"comes back exactly (about {cov['unmasked_hours']:.1f} h on one core, as long as they first took)."
        )
    return line


def network_values(table: pd.DataFrame, layers, quantity: str) -> pd.Series:
    """One value per network: ``share`` as it is, another quantity's mean over ``layers`` (NaN ignored)."""
    if quantity == "share":
        return table["share"].astype(float)
    return table[[f"{quantity}_{layer}" for layer in layers]].astype(float).mean(axis=1, skipna=True)


def _matched(table: pd.DataFrame) -> pd.DataFrame:
    """The rounds where masks other than the ticket were trained."""
    return table[table["round"].isin(table.loc[table["kind"] != "ticket", "round"])]


COLUMNS = ["round", "density", "seed", "quantity", "kinds", "without", "noise", "rho"]
SUMMARY_COLUMNS = ["quantity", "mean rho", "rho > 0", "rho < 0", "densities", "seeds", "cells"]
SUMMARY_COLUMNS += ["kinds", "without", "call"]


def rank_correlations(table: pd.DataFrame, layers, quantities=QUANTITIES, target: str = "accuracy") -> pd.DataFrame:
    """Spearman's ρ per (round, seed, quantity) across the kinds of mask, with
    accuracies within the seed noise tied (see the module's text). ``kinds``:
    how many kinds the ρ ranks; ``without``: the kinds present but lacking
    the quantity; ``rho`` NaN: too few kinds, or accuracies that all tie."""
    rows = []
    df = _matched(table)
    for rnd, at in df.groupby("round"):
        if at["seed"].nunique() < MIN_SEEDS:
            continue  # no seed noise to tie accuracies with
        spread = at.groupby("kind")[target].std(ddof=1).dropna()
        noise = float(spread.median()) if len(spread) else 0.0
        for seed, g in at.groupby("seed"):
            g = g.drop_duplicates("kind")
            acc = g[target].to_numpy(float)
            ranked = np.round(acc / noise) if noise > 0 else acc
            for q in quantities:
                v = network_values(g, layers, q).to_numpy(float)
                ok = np.isfinite(v) & np.isfinite(acc)
                rho = math.nan
                if ok.sum() >= MIN_KINDS and np.ptp(ranked[ok]) > 0:  # something to rank, by enough kinds
                    rho = float(sps.spearmanr(v[ok], ranked[ok]).statistic) if np.ptp(v[ok]) > 0 else 0.0
                rows.append(
                    {
                        "round": int(rnd),
                        "density": float(g["density"].mean()),
                        "seed": int(seed),
                        "quantity": q,
                        "kinds": int(ok.sum()),
                        "without": ", ".join(sorted(g.loc[~ok, "kind"])),
                        "noise": noise,
                        "rho": rho,
                    }
                )
    return pd.DataFrame(rows, columns=COLUMNS)


def rank_summary(rhos: pd.DataFrame) -> pd.DataFrame:
    """Per quantity: mean ρ over densities (each the mean over seeds), share
    of cells with ρ > 0 and < 0, densities, seeds and cells, the kinds it
    ranked and what the rule says."""
    rows = []
    for q, g in rhos.dropna(subset=["rho"]).groupby("quantity", sort=False):
        left_out = sorted({k for w in g["without"] for k in w.split(", ") if k})
        per_density = g.groupby("round")["rho"].mean()
        mean, pos, neg = float(per_density.mean()), float((g["rho"] > 0).mean()), float((g["rho"] < 0).mean())
        call = (
            "ranks"
            if mean >= MIN_RHO and pos >= MIN_SHARE
            else "reversed"
            if mean <= -MIN_RHO and neg >= MIN_SHARE
            else "no ranking"
        )
        rows.append(
            {
                "quantity": q,
                "mean rho": mean,
                "rho > 0": pos,
                "rho < 0": neg,
                "densities": int(per_density.size),
                "seeds": int(g["seed"].nunique()),
                "cells": int(len(g)),
                "kinds": "–".join(str(k) for k in sorted({g["kinds"].min(), g["kinds"].max()})),
                "without": ", ".join(left_out) or "–",
                "call": call,
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def claim_ranking(model: str, stored_root=None, table=None) -> claims.Verdict:
    """The later literature's claim (IMDB and NaRC rank pruning methods by
    accuracy) by :data:`RULE`; ``table``: (network table, layers), else the stored runs."""
    df, layers = table if table is not None else methods_data(model, stored_root)
    if df.empty or not df["kind"].isin(ONESHOT_METHODS).any():
        return claims.Verdict("6", model, "not tested yet", "no_oneshot", kind="methods")
    rhos = rank_correlations(df, layers)
    summary = rank_summary(rhos)
    measured = summary[summary["quantity"].isin(CLAIM_QUANTITIES) & (summary["densities"] >= 2)]
    if len(measured) < len(CLAIM_QUANTITIES):  # each claim measure ranked at two densities or more
        return claims.Verdict("6", model, "not tested yet", "few_densities", kind="methods")
    claim = list(summary.set_index("quantity").loc[list(CLAIM_QUANTITIES), "call"])
    if all(c == "ranks" for c in claim):
        verdict = "reproduced"
    elif all(c == "reversed" for c in claim):
        verdict = "contradicted"
    elif "ranks" in claim and "reversed" not in claim:
        verdict = "partly"
    else:
        verdict = "not reproduced"
    kinds = sorted(df.loc[df["round"].isin(rhos.dropna(subset=["rho"])["round"]), "kind"].unique())
    return claims.Verdict(
        "6",
        model,
        verdict,
        "ranking",
        {
            "summary": summary.to_dict("records"),
            "kinds": kinds,
            "seeds": sorted(int(s) for s in rhos["seed"].unique()),
            "densities": sorted(float(d) for d in rhos.groupby("round")["density"].mean()),
        },
        kind="methods",
    )
