"""Chapter 4's frames of Table 3's runs: the table beside the paper's, the
-Bound runs' gain over ``*``, where each kept its weights, their paths, and
one round of Algorithm 1's decisions.

``runs`` is score -> variant -> run, as :func:`ramanujan_lth.evidence.studies.table3`
loads them (variants: each α, ``"bound"``, ``"star"``); ``names`` maps a
score to its reader-facing name. Reading imports no torch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ramanujan_lth.evidence import plans, results
from ramanujan_lth.labels import SCORE_PAPER_KEYS
from ramanujan_lth.storage import stored_runs

__all__ = [
    "table3_frame",
    "table3_caption",
    "bound_gain_frame",
    "layer_split_frame",
    "layer_ratio_frame",
    "trajectory_frame",
    "candidate_table",
    "decision_frame",
    "score_t1_summary",
    "acceptance_lines",
    "capped_acceptances",
    "plain_end_lines",
    "paper_points",
    "output_rate_ends",
    "output_rate_lines",
    "last_round_spectra",
]

#: the two networks compared at the same overall density
SPLIT_NETWORKS = ("X-Bound (Algorithm 1)", "X* (plain, same density)")


def _last(res) -> dict:
    return res.records[-1]


def table3_frame(runs: dict, names: dict, paper: dict) -> pd.DataFrame:
    """Table 3 as the paper prints it, ours beside the paper's (percent): the
    dense network, each plain α, -Bound (with its rounds and what stopped it)
    and ``*``. ``paper``: :data:`ramanujan_lth.evidence.paper.PAPER_TABLE3` of the model."""
    rows = []
    for score, r in runs.items():
        pp = paper.get(SCORE_PAPER_KEYS[score], {})
        for a in plans.ALPHAS:
            rows.append(_row(f"{names[score]} α={a:g}", r[a], 100 * 10**-a, pp.get(a)))
        b, bound = pp.get("bound", (None, None)), r["bound"]
        stop = "no layer changed" if "bound_decisions" in _last(bound) else "round cap"
        rows.append(
            _row(f"{names[score]}-Bound", bound, b[0], b[1]) | {"rounds": len(bound.records) - 1, "stopped by": stop}
        )
        rows.append(_row(f"{names[score]}*", r["star"], b[0], pp.get("star")))
    dense = next(iter(runs.values()))[plans.ALPHAS[0]].records[0]
    first = {"algorithm": "no pruning", "density %": 100.0, "accuracy %": 100 * dense["accuracy"]}
    first |= {"paper density %": 100.0, "paper accuracy %": paper.get("no pruning", (None, None))[1]}
    return pd.DataFrame([first, *rows])


def table3_caption(shows: dict, names: dict) -> str:
    """Where Table 3's runs come from, as its caption: ``"ours: <source>"`` when every score's
    runs come from the same place, else each score's name and source (``shows``: score -> where
    its runs come from)."""
    sources = sorted(set(shows.values()))
    return "ours: " + (sources[0] if len(sources) == 1 else "; ".join(f"{names[k]} {v}" for k, v in shows.items()))


def _row(name: str, res, paper_density, paper_accuracy) -> dict:
    last = _last(res)
    return {
        "algorithm": name,
        "density %": 100 * last["density"],
        "accuracy %": 100 * last["accuracy"],
        "paper density %": paper_density,
        "paper accuracy %": paper_accuracy,
    }


def bound_gain_frame(runs: dict, names: dict, paper: dict, shows: dict, model: str, stored_root) -> pd.DataFrame:
    """-Bound's accuracy minus ``*``'s (points) per score: ours (and, when the
    runs shown are stored or paper-profile ones, the other stored seeds' pairs)
    and the paper's. ``shows``: score -> where its runs come from."""
    rows = []
    for score, r in runs.items():
        pp, name = paper.get(SCORE_PAPER_KEYS[score], {}), names[score]
        rows.append(_gain(name, f"ours ({shows[score]})", r["bound"], r["star"]))
        if shows[score] in ("stored full runs", "paper profile"):  # the same pair for the other seeds stored
            for seed, bnd, st in plans.bound_star_pairs(score, plans.comparison_base(model, "paper"), stored_root):
                if seed != 0:
                    rows.append(_gain(name, f"ours, seed {seed} (stored full runs)", bnd, st))
        if pp.get("star") is not None:
            gain = pp["bound"][1] - pp["star"]
            rows.append({"score": name, "source": "paper", "density %": pp["bound"][0], "difference": gain})
    return pd.DataFrame(rows)


def _gain(name: str, source: str, bound, star) -> dict:
    diff = 100 * (_last(bound)["accuracy"] - _last(star)["accuracy"])
    return {"score": name, "source": source, "density %": 100 * _last(bound)["density"], "difference": diff}


def layer_split_frame(runs: dict, names: dict) -> pd.DataFrame:
    """Each layer's density (percent) in -Bound's and ``*``'s last round, per score."""
    return pd.DataFrame(
        [
            {"score": names[score], "network": net, "layer": layer, "density %": 100 * dens}
            for score, r in runs.items()
            for net, res in zip(SPLIT_NETWORKS, (r["bound"], r["star"]))
            for layer, dens in _last(res)["layers"].items()
        ]
    )


def layer_ratio_frame(split: pd.DataFrame, gain: pd.DataFrame) -> pd.DataFrame:
    """Per score, each layer's density under -Bound over its density under
    ``*`` (from :func:`layer_split_frame`), and -Bound's accuracy minus ``*``'s
    in points (our row of :func:`bound_gain_frame`)."""
    wide = split.pivot_table(index="score", columns=["network", "layer"], values="density %", sort=False)
    ratio = (wide[SPLIT_NETWORKS[0]] / wide[SPLIT_NETWORKS[1]]).add_prefix("Bound / * ")
    ours = gain[gain["source"].str.startswith("ours (")].set_index("score")["difference"]
    return ratio.assign(**{"accuracy difference (points)": ours})


def trajectory_frame(runs: dict, names: dict) -> pd.DataFrame:
    """Accuracy by density round after round, the plain pruner at α = 2 and -Bound, per score."""
    return pd.DataFrame(
        [
            {"score": names[score], "variant": variant, "density": rec["density"], "accuracy": rec["accuracy"]}
            | {"round": rec["round"]}
            for score, r in runs.items()
            for variant, res in (("plain", r[2.0]), ("-Bound", r["bound"]))
            for rec in res.records
        ]
    )


def candidate_table(record: dict) -> pd.DataFrame:
    """Algorithm 1's candidates in one round of a -Bound run: per layer and
    level k, the rate tried, weights pruned, average degrees, the unweighted
    and score-weighted bounds, and the decision with its reason."""
    return pd.DataFrame(
        [
            {"layer": d["layer"], "k": c["k"], "rate": c["fraction"], "pruned": c["n_pruned"]}
            | {"d_avgL": c["d_avg_left"], "d_avgR": c["d_avg_right"], "ΔS": c["delta_s"], "ΔR": c["delta_r"]}
            | {"t1^θ": c["score_t1"], "ΔS^θ": c["score_delta_s"], "decision": c["decision"], "reason": c["reason"]}
            for d in record["bound_decisions"]
            for c in d["candidates"]
        ]
    )


# ------------------------------------------------------------------ Algorithm 1's decisions
def _decisions(runs: dict):
    """(score, record, layer decision) of every round of each score's -Bound run."""
    return [(s, rec, d) for s, r in runs.items() for rec in r["bound"].records for d in rec.get("bound_decisions", [])]


def decision_frame(runs: dict, names: dict) -> pd.DataFrame:
    """How Algorithm 1 decided each layer in each round of every score's -Bound run: one row per
    layer decision with the ``score``'s name, the ``layer``, the ``round`` and the ``outcome`` (the
    reason the decision gives)."""
    return pd.DataFrame(
        [
            {"score": names[s], "layer": d["layer"], "round": rec["round"], "outcome": d["reason"]}
            for s, rec, d in _decisions(runs)
        ]
    )


def _score_t1(runs: dict, names: dict) -> pd.DataFrame:
    """The finite ``t1^θ`` of every candidate the -Bound runs scored, per score's name."""
    return pd.DataFrame(
        [
            {"score": names[s], "t1^θ": c["score_t1"]}
            for s, _, d in _decisions(runs)
            for c in d["candidates"]
            if np.isfinite(c["score_t1"])
        ],
        columns=["score", "t1^θ"],
    )


def score_t1_summary(runs: dict, names: dict) -> pd.DataFrame:
    """The ``t1^θ`` of the score-weighted graph of every candidate each -Bound run scored (finite
    values only): per score's name (rows, sorted), their ``count``, ``min``, median (``50%``) and
    ``max``."""
    return _score_t1(runs, names).groupby("score")["t1^θ"].describe()[["count", "min", "50%", "max"]]


def acceptance_lines(runs: dict, names: dict) -> str:
    """Which test accepted the candidates each -Bound run took, as Markdown bullets (one per
    score's name, sorted): how many of its accepted candidates passed on the score-weighted test and
    how many on the unweighted bounds, and the largest ``t1^θ`` it met (or that it never reached
    the score-weighted check)."""
    accepted = pd.DataFrame(
        [
            {"score": names[s], "test": "score-weighted" if "score-weighted" in c["reason"] else "unweighted"}
            for s, _, d in _decisions(runs)
            for c in d["candidates"]
            if c["decision"] == "accept"
        ],
        columns=["score", "test"],
    )
    counts = accepted.groupby(["score", "test"]).size().unstack(fill_value=0)
    t1_theta = _score_t1(runs, names)
    lines = []
    for score, row in counts.iterrows():
        total, weighted = int(row.sum()), int(row.get("score-weighted", 0))
        t1 = t1_theta.loc[t1_theta["score"] == score, "t1^θ"]
        scale = (
            f"t₁ of the score-weighted graph at most {t1.max():.2g}" if len(t1) else "no score-weighted check reached"
        )
        lines.append(
            f"* **{score}-Bound**: {weighted} of {total} accepted candidates passed on the score-weighted "
            f"test, the other {total - weighted} on the unweighted bounds ({scale})."
        )
    return "\n".join(lines)


def capped_acceptances(runs: dict, names: dict) -> pd.DataFrame | None:
    """For the -Bound runs that the round cap stopped (their last record decides nothing), what
    Algorithm 1 still accepted in their last decided round: the rows of
    :func:`ramanujan_lth.evidence.results.last_acceptances` with the run (``"<name>-Bound"``) in a
    first column ``run``. None when no -Bound run reached its cap."""
    capped = {
        names[s]: results.last_acceptances(r["bound"])
        for s, r in runs.items()
        if "bound_decisions" not in r["bound"].records[-1]
    }
    if not capped:
        return None
    return pd.concat(capped, names=["run"]).reset_index(level=0).assign(run=lambda d: d["run"] + "-Bound")


def plain_end_lines(runs: dict, names: dict) -> str:
    """Where each plain pruner's α = 2 run ended, as Markdown bullets: its test accuracy and
    density (percent) at the last round, and what runs it is
    (:func:`ramanujan_lth.storage.stored_runs.describe`)."""
    return "\n".join(
        f"* **{names[s]} α = 2**: {100 * r[2.0].records[-1]['accuracy']:.2f} % at "
        f"{100 * r[2.0].records[-1]['density']:.3g} % density — {stored_runs.describe([r[2.0]])}"
        for s, r in runs.items()
    )


# ------------------------------------------------------------------ the output layer's rate
def paper_points(paper: dict, names: dict, scores) -> pd.DataFrame | None:
    """The paper's plain pruners at each α of Table 3: one row per (score in ``scores``, α) with
    the score's name, the ``density`` ``10^-α`` and the paper's ``accuracy`` (a fraction). None
    when the paper gives no Table 3 for the model (``paper`` empty)."""
    if not paper:
        return None
    return pd.DataFrame(
        [
            {"score": names[s], "density": 10**-a, "accuracy": paper[SCORE_PAPER_KEYS[s]][a] / 100}
            for s in scores
            for a in plans.ALPHAS
        ]
    )


def output_rate_ends(rates: pd.DataFrame, paper: dict, names: dict, scores) -> pd.DataFrame:
    """The last round of each (score, output rate) run of
    :func:`ramanujan_lth.evidence.results.output_rate_frame`: ``score``, ``output rate``,
    ``density``, ``accuracy``, ``output weights``, and the paper's accuracy at α = 2 for the score
    (a fraction; NaN without the paper's number), ``paper accuracy (α=2)``."""
    ends = rates.loc[
        rates.groupby(["score", "output rate"])["round"].idxmax(),
        ["score", "output rate", "density", "accuracy", "output weights"],
    ]
    paper_a2 = {names[s]: paper[SCORE_PAPER_KEYS[s]][2.0] / 100 for s in scores} if paper else {}
    return ends.assign(**{"paper accuracy (α=2)": ends["score"].map(paper_a2)})


def output_rate_lines(ends: pd.DataFrame, n_classes: int = 10) -> str:
    """What pruning the output layer at 0.2 instead of 0.1 costs each score, as Markdown bullets
    (from :func:`output_rate_ends`): both accuracies, their difference in points, the output
    weights left for ``n_classes`` classes and, where the p_out = 0.1 run is above the paper's α = 2
    accuracy, how much of the way down to it the 0.2 run goes."""
    lines = []
    for score in ends["score"].unique():
        e = ends[ends["score"] == score].set_index("output rate")
        if not {"p_out = 0.1", "p_out = 0.2"} <= set(e.index):
            lines.append(f"* **{score}**: runs at both output rates are not available")
            continue
        a1, a2 = e.loc["p_out = 0.1", "accuracy"], e.loc["p_out = 0.2", "accuracy"]
        w, theirs = e.loc["p_out = 0.2", "output weights"], e.loc["p_out = 0.1", "paper accuracy (α=2)"]
        line = (
            f"* **{score}**: {100 * a1:.1f} % with p_out = 0.1, {100 * a2:.1f} % with 0.2 "
            f"({100 * (a2 - a1):+.1f} points; {w:.0f} output weights for {n_classes} classes)"
        )
        if pd.notna(theirs) and a1 > theirs:
            line += f"; {100 * (a1 - a2) / (a1 - theirs):.0f} % of the way to the paper's {100 * theirs:.1f} %"
        lines.append(line)
    return "\n".join(lines)


# ------------------------------------------------------------------ ICLR Table 4
#: the short names of the spectral fields in the last round's tables
_SHORT = {"d_avg_left": "dL", "d_avg_right": "dR", "delta_s": "ΔS", "delta_r": "ΔR"}


def last_round_spectra(res) -> tuple:
    """The last round of a -Bound run, as ICLR Table 4 dumps it: the round, a frame of each
    layer's kept ``edges`` of its ``total`` and its ``density``, and per graph (``"unweighted"``,
    ``"weighted"``, ``"score"``) a frame of each layer's ``t1``, ``t2``, average degrees ``dL``,
    ``dR``, bounds ``eb``, ``db`` and margins ``ΔS``, ``ΔR``."""
    spec = res.spectral()
    last_round = spec["round"].max()
    last = spec[spec["round"] == last_round].rename(columns=_SHORT)
    sizes = last[last["graph"] == "unweighted"][["layer", "edges", "total", "density"]]
    columns = ["layer", "t1", "t2", "dL", "dR", "eb", "db", "ΔS", "ΔR"]
    return last_round, sizes, {g: last[last["graph"] == g][columns] for g in ("unweighted", "weighted", "score")}
