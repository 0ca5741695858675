"""The book's answer: every claim's two verdicts and one computed headline per model.

"Does the Ramanujan property explain the accuracy of winning tickets?" is
answered per model from the verdicts against controls (SPEC §11): "yes" when
claims 1, 2, 4 and 5 are all supported, "no" when at least two are
contradicted, "not tested yet" when the model has no stored controls, "not
settled" otherwise. The headline carries the numbers that decide it and,
above it, what the runs are: data, seeds, precision and dense accuracy
beside the paper's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ramanujan_lth import labels
from ramanujan_lth.catalog import DATASETS, MODEL_DATASET
from ramanujan_lth.evidence import against_controls, claims, methods, paper, plans
from ramanujan_lth.pages import tables

__all__ = [
    "QUESTION",
    "ANSWERS",
    "MODELS",
    "Headline",
    "all_verdicts",
    "verdict_table",
    "decide",
    "headline",
    "headlines",
    "model_facts",
    "answer_html",
    "model_labels",
    "claim_lines",
]

QUESTION = "Does the Ramanujan property explain the accuracy of winning tickets?"
#: the headline's answers
ANSWERS = ("yes", "no", "not settled", "not tested yet")
#: the models the book decides the claims on
MODELS = ("lenet_300_100", "conv4")
#: the claims the answer reads (claim 3 compares pruners and has no controls verdict)
DECIDING = ("1", "2", "4", "5")


@dataclass
class Headline:
    model: str
    answer: str
    facts: dict
    numbers: list = field(default_factory=list)  # (claim, verdict against controls, words)
    supporting: list = field(default_factory=list)  # populations where the property helps, in words


def decide(control_verdicts: dict) -> str:
    """The answer from claim -> verdict against controls (claims 1, 2, 4, 5)."""
    calls = [control_verdicts.get(c, "not tested yet") for c in DECIDING]
    if all(c == "not tested yet" for c in calls):
        return "not tested yet"
    if all(c == "supported" for c in calls):
        return "yes"
    if sum(c == "contradicted" for c in calls) >= 2:
        return "no"
    return "not settled"


def all_verdicts(stored_root, models=MODELS) -> list[claims.Verdict]:
    """Every claim's verdict along the pruning path and against controls, per model."""
    out = claims.verdicts(stored_root, models)
    for model in models:
        out += against_controls.verdicts(model, stored_root)
        if model in plans.ONESHOT_MODELS:  # the later literature's claim, beside the paper's
            out.append(methods.claim_ranking(model, stored_root))
    order = {k: i for i, k in enumerate(claims.VERDICT_KINDS)}
    return sorted(out, key=lambda v: (v.claim, models.index(v.model), order[v.kind]))


def verdict_table(stored_root, models=MODELS, verdicts: list | None = None) -> pd.DataFrame:
    """One row per claim, model and kind of verdict: the statement, the verdict, the numbers behind
    it (a sentence) and the rule."""
    verdicts = verdicts if verdicts is not None else all_verdicts(stored_root, models)
    return pd.DataFrame([v.row() for v in verdicts])


# ------------------------------------------------------------------ what the runs are
def model_facts(model: str, stored_root) -> dict:
    """What the model's stored runs are: data used of the official set, seeds (tickets, controls),
    profile and precision, and the dense accuracy ours (mean over seeds) beside the paper's."""
    lth, profile = plans.stored_lth(model, stored_root)
    dataset = MODEL_DATASET[model]
    spec = DATASETS[dataset]
    facts = {
        "model": model,
        "dataset": {"mnist": "MNIST", "cifar10": "CIFAR-10"}.get(dataset, dataset),
        "paper_dense": paper.PAPER_TABLE3[model]["no pruning"][1],
        "official_train": spec.n_train,
        "official_test": spec.n_test,
        "runs": len(lth),
    }
    if not lth:
        return facts
    controls = claims.stored_controls(lth, stored_root)
    p, d = lth[0].params.resolved(), lth[0].data
    dense = [100 * r.records[0]["accuracy"] for r in lth if r.records and r.records[0]["round"] == 0]
    facts.update(
        profile=profile,
        precision="bfloat16" if p.precision == "bf16" else "float32",
        iterations=p.iterations,
        n_train=d.get("n_train", 0),
        n_test=d.get("n_test", 0),
        seeds=sorted(r.params.seed for r in lth),
        control_seeds=sorted({r.params.seed for r in controls}),
        controls=len(controls),
        dense=float(np.mean(dense)) if dense else float("nan"),
        dense_sd=float(np.std(dense, ddof=1)) if len(dense) > 1 else 0.0,
    )
    facts["low_accuracy"] = facts["dense"] < facts["paper_dense"] - 10
    return facts


# ------------------------------------------------------------------ the headline
def _numbers(v: claims.Verdict) -> str:
    """The one or two numbers of a decided controls verdict."""
    n, pts = v.numbers, claims.points
    if v.reason == "controls_coupling":
        t = n["table"]
        clean = t[t["test set"] == "clean"] if len(t) else t
        if clean.empty:
            return "no matched density where a control is fully Ramanujan and the ticket is not"
        noisy = t[t["test set"] == t["test set"].iloc[-1]]
        d = ", ".join(f"{100 * x:.3g}" for x in sorted(clean["density"].unique(), reverse=True))

        def span(x) -> str:
            lo, hi = pts(x.min()), pts(x.max())
            return lo if lo == hi else f"{lo} to {hi}"

        return (
            f"where a control is fully Ramanujan and the ticket is not ({d} % density), ticket − control is "
            f"{span(clean['ticket − control'])} points clean, {span(noisy['ticket − control'])} at "
            f"{noisy['test set'].iloc[0]}"
        )
    if v.reason == "controls_share_order":
        s = n["sets"]["clean"]
        return (
            f"of two masks at the same seed and density, the one with more Ramanujan layers is the more "
            f"accurate in {s['agree']} of {s['pairs']} pairs (p = {s['p']:.2g})"
        )
    if v.reason == "controls_tolerance":
        t = n["table"]
        clean = t[(t["test set"] == "clean")] if len(t) else t
        if clean.empty:
            return "no matched density where a control is fully Ramanujan in every seed"
        worst = clean.loc[clean["mean drop"].idxmax()]
        if worst["mean drop"] <= 0:
            return (
                f"fully Ramanujan controls keep the dense accuracy (their largest mean drop, "
                f"{100 * worst['mean drop']:.2f} %, is a gain) at {len(clean)} (kind, density) pairs"
            )
        return (
            f"fully Ramanujan controls lose up to {100 * worst['mean drop']:.2f} % of the dense accuracy "
            f"({worst['kind']}, {100 * worst['density']:.3g} % density), beyond A.5's {100 * n['k']:g} % at "
            f"{int(clean['beyond k'].sum())} of {len(clean)} (kind, density) pairs"
        )
    if v.reason == "controls_predictive":
        parts = []
        for name in against_controls.POPULATIONS:
            d = n["populations"][name].set_index("quantity").loc["delta"]
            parts.append(f"{pts(d['gain'])} ± {d['gain_se']:.2f} {name}")
        return "Δ's held-out gain beyond density: " + ", ".join(parts) + " (points)"
    return claims.sentence(v)


def _supporting(v: claims.Verdict) -> list[str]:
    """Where a population of claim 5 supports the property while the claim itself is not supported."""
    if v.reason != "controls_predictive" or v.verdict == "supported":
        return []
    out = []
    for name in against_controls.POPULATIONS:
        t = v.numbers["populations"][name]
        for r in t[(t["source"] == "paper") & t["supports"]].itertuples():
            out.append(
                f"{name}: {r.quantity} predicts accuracy beyond density with the paper's sign "
                f"({claims.points(r.gain)} ± {r.gain_se:.3f} points held-out)"
            )
    return out


def headline(model: str, stored_root, verdicts: list | None = None) -> Headline:
    """The model's answer, the numbers that decide it and what its runs are."""
    if verdicts is None:
        verdicts = against_controls.verdicts(model, stored_root)
    mine = {v.claim: v for v in verdicts if v.model == model and v.kind == "controls"}
    answer = decide({c: v.verdict for c, v in mine.items()})
    numbers = [
        (c, mine[c].verdict, _numbers(mine[c]))
        for c in DECIDING
        if c in mine and mine[c].verdict in ("supported", "contradicted", "inconclusive")
    ]
    supporting = [s for c in DECIDING if c in mine for s in _supporting(mine[c])]
    return Headline(model, answer, model_facts(model, stored_root), numbers, supporting)


def headlines(stored_root, models=MODELS, verdicts: list | None = None) -> list[Headline]:
    verdicts = verdicts if verdicts is not None else all_verdicts(stored_root, models)
    return [headline(m, stored_root, verdicts) for m in models]


def answer_html(stored_root, models=MODELS, link: str = "", verdicts: list | None = None) -> tables.Html:
    """The answer as the pages show it: per model, what the runs are, the question, the answer and
    its numbers; ``link``: the page (or anchor) of the verdict table."""
    return tables.answer_html(headlines(stored_root, models, verdicts), QUESTION, link, claims.CLAIMS_SHORT)


def model_labels(stored_root, models=MODELS) -> dict:
    """Model -> the name a verdict table heads its column with; a low-accuracy subset says so, with
    its dense accuracy beside the paper's."""
    out = {}
    for m in models:
        f = model_facts(m, stored_root)
        name = labels.MODEL_NAMES.get(m, m)
        if f.get("low_accuracy"):
            name += f" (low-accuracy subset: {f['dense']:.0f} % dense, paper {f['paper_dense']:.0f} %)"
        out[m] = name
    return out


def claim_lines(model: str, path_verdicts: list, stored_root, link: str = "06_verdict.html") -> list[str]:
    """Markdown lines for a chapter that shows path verdicts (computed on its own runs): each with
    the same claim's verdict against the stored controls beside it, so that neither reads alone."""
    controls = {v.claim: v for v in against_controls.verdicts(model, stored_root)} if stored_root else {}
    name = labels.MODEL_NAMES.get(model, model)
    out = []
    for v in path_verdicts:
        c = controls.get(v.claim)
        beside = f"; against controls: **{c.verdict}** ([chapter 6]({link}))" if c is not None else ""
        out.append(
            f"* **{name} — {claims.CLAIMS[v.claim]}**: along the pruning path **{v.verdict}**{beside}. "
            f"{claims.sentence(v)}"
        )
    return out
