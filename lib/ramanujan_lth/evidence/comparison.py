"""Chapter 4's frames of Table 3's runs: the table beside the paper's, the
-Bound runs' gain over ``*``, where each kept its weights, their paths, and
one round of Algorithm 1's decisions.

``runs`` is score -> variant -> run, as :func:`ramanujan_lth.evidence.studies.table3`
loads them (variants: each α, ``"bound"``, ``"star"``); ``names`` maps a
score to its reader-facing name. Reading imports no torch.
"""

from __future__ import annotations

import pandas as pd

from ramanujan_lth.evidence import plans
from ramanujan_lth.labels import SCORE_PAPER_KEYS

__all__ = [
    "table3_frame",
    "bound_gain_frame",
    "layer_split_frame",
    "layer_ratio_frame",
    "trajectory_frame",
    "candidate_table",
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
