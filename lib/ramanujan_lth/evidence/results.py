"""The tables the experiment chapters plot, from runs' records (finding the
stored runs: :mod:`ramanujan_lth.stored`). Reading imports no torch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ramanujan_lth.catalog import CRITERIA
from ramanujan_lth.evidence.paper import PAPER_LOSS
from ramanujan_lth.labels import regime_of
from ramanujan_lth.maths import stats
from ramanujan_lth.storage.params import RunResult

__all__ = [
    "regime_frames",
    "accuracy_table",
    "spectral_table",
    "regime_table",
    "regime_bands",
    "loss_table",
    "held_layers",
    "output_rate_frame",
    "criterion_frame",
    "criterion_stops",
    "criterion_against_plain",
    "candidate_frame",
    "PAPER_LOSS_ROUNDS",
    "paper_density_frame",
    "alignment_frame",
    "schedule_ends",
    "study_losses",
]


# ------------------------------------------------------------------ tables
def accuracy_table(results: list[RunResult]) -> pd.DataFrame:
    """Long table: seed, round, density, sigma (0 = clean), accuracy."""
    rows = []
    for res in results:
        for r in res.records:
            base = {"seed": res.params.seed, "round": r["round"], "density": r["density"]}
            rows.append({**base, "sigma": 0.0, "accuracy": r["accuracy"]})
            rows += [{**base, "sigma": float(s), "accuracy": a} for s, a in r["noisy_accuracy"].items()]
    return pd.DataFrame(rows)


def spectral_table(results: list[RunResult]) -> pd.DataFrame:
    """Long table: one row per (seed, round, graph, layer) with the spectral fields."""
    frames = []
    for res in results:
        df = res.spectral()
        df.insert(0, "seed", res.params.seed)
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    df["max_delta"] = df[["delta_s", "delta_r"]].max(axis=1)
    return df


def regime_table(spec: pd.DataFrame, layers, graph: str = "unweighted") -> pd.DataFrame:
    """Per round: the mean over seeds of ``max(ΔS, ΔR)`` per studied layer, which
    layers have the property (mean > 0), and the regime.

    Infinite Δ (a complete bipartite layer) counts as having the property.
    """
    df = spec[(spec["graph"] == graph) & spec["layer"].isin(layers)].copy()
    df["max_delta"] = df["max_delta"].replace([np.inf], 1e9)
    per = df.groupby(["round", "layer"]).agg(max_delta=("max_delta", "mean"), density=("overall_density", "mean"))
    per = per.reset_index()
    rows = []
    for rnd, g in per.groupby("round"):
        has = {row.layer: bool(row.max_delta > 0) for row in g.itertuples()}
        n = sum(has.values())
        rows.append(
            {
                "round": rnd,
                "density": g["density"].mean(),
                "n_ramanujan": n,
                "n_layers": len(has),
                "regime": regime_of(n, len(has)),
                **{f"has_{k}": v for k, v in has.items()},
            }
        )
    return pd.DataFrame(rows)


def loss_table(spec: pd.DataFrame, layers) -> pd.DataFrame:
    """Per studied layer and graph: the highest overall density at which the
    mean over seeds of ``max(ΔS, ΔR)`` (unweighted) or ``ΔS`` (weighted) is no
    longer positive, scanning from dense to sparse (NaN if never), and the
    lowest density at which it was positive before that."""
    rows = []
    for graph, col in (("unweighted", "max_delta"), ("weighted", "delta_s")):
        df = spec[(spec["graph"] == graph) & spec["layer"].isin(layers)]
        for layer, g in df.groupby("layer", sort=False):
            m = g.groupby("round").agg(density=("overall_density", "mean"), delta=(col, "mean")).sort_index()
            lost = m[~(m["delta"] > 0)]
            first = lost.index[0] if len(lost) else None
            before = m.loc[: first - 1] if first is not None else m
            rows.append(
                {
                    "layer": layer,
                    "graph": graph,
                    "last density with the property": before["density"].min() if len(before) else np.nan,
                    "first density without": m.loc[first, "density"] if first is not None else np.nan,
                }
            )
    return pd.DataFrame(rows)


def regime_frames(results: list[RunResult], layers) -> tuple:
    """What chapter 3's figures of one network draw: its accuracy table, spectral
    table, regime per round over ``layers`` and the regime bands that shade them."""
    spec = spectral_table(results)
    reg = regime_table(spec, layers)
    return accuracy_table(results), spec, reg, regime_bands(reg)


def property_events(regimes: pd.DataFrame) -> dict:
    """What :func:`regime_table`'s rounds say, from dense to sparse:

    ``fully_down_to``: the lowest density of the fully Ramanujan stretch that
    starts at round 0 (NaN if round 0 is not fully Ramanujan); ``lost``: per
    layer, the density of the first round without the property (NaN: never);
    ``regained``: per layer that lost it, the densities of later rounds where it
    has it again (the boundary effect of a layer falling apart);
    ``non_at``: the density of the first non-Ramanujan round (NaN: never)."""
    r = regimes.sort_values("round").reset_index(drop=True)
    layers = [c.removeprefix("has_") for c in r.columns if c.startswith("has_")]
    fully = (r["regime"] == "fully").to_numpy()
    stretch = int(np.argmin(fully)) if not fully.all() else len(r)  # rounds of the first fully stretch
    lost, regained = {}, {}
    for layer in layers:
        has = r[f"has_{layer}"].to_numpy(dtype=bool)
        first = int(np.argmin(has)) if not has.all() else None
        lost[layer] = float(r["density"][first]) if first is not None else np.nan
        regained[layer] = [float(d) for d in r["density"][first:][has[first:]]] if first is not None else []
    non = r[r["regime"] == "non"]
    return {
        "fully_down_to": float(r["density"][stretch - 1]) if stretch else np.nan,
        "lost": lost,
        "regained": regained,
        "non_at": float(non["density"].iloc[0]) if len(non) else np.nan,
    }


def regime_bands(regimes: pd.DataFrame) -> pd.DataFrame:
    """Density intervals of constant regime, for shading: one row per stretch
    of rounds, its edges half-way (geometrically) between neighbouring rounds."""
    r = regimes.sort_values("round").reset_index(drop=True)
    d = r["density"].to_numpy()
    edges = np.sqrt(d[:-1] * d[1:]) if len(d) > 1 else np.array([])
    hi = np.concatenate([[1.0], edges])
    lo = np.concatenate([edges, [d[-1] * 0.8]])
    rows = []
    for i, reg in enumerate(r["regime"]):
        if rows and rows[-1]["regime"] == reg:
            rows[-1]["lo"] = lo[i]
        else:
            rows.append({"regime": reg, "hi": hi[i], "lo": lo[i]})
    return pd.DataFrame(rows)


def held_layers(records) -> dict:
    """Per layer of a -Bound run that Algorithm 1 left unchanged through its
    last rounds: ``(round from which, reason given there, layer density then)``."""
    held = {}
    for rec in records:  # a round that changes a layer clears its entry
        for d in rec.get("bound_decisions") or []:
            if d["changed"]:
                held.pop(d["layer"], None)
            elif d["layer"] not in held:
                held[d["layer"]] = (rec["round"], d["reason"], rec["layers"].get(d["layer"]))
    return held


def output_rate_frame(runs: dict):
    """One row per (score, output-layer rate, round) of runs keyed by
    ``(score label, rate)``: overall density, test accuracy and the output
    layer's surviving weights."""
    rows = []
    for (score, rate), res in runs.items():
        for rec in res.records:
            out = [s for s in rec["spectral"] if s["graph"] == "unweighted" and s["output"]]
            if len(out) != 1:
                raise ValueError(
                    f"run {res.folder.name}: round {rec['round']} has {len(out)} output layers in its records"
                )
            rows.append(
                {
                    "score": score,
                    "output rate": f"p_out = {rate:g}",
                    "round": rec["round"],
                    "density": rec["density"],
                    "accuracy": rec["accuracy"],
                    "output weights": out[0]["edges"],
                    "output layer": out[0]["layer"],
                    "classes": out[0]["n_right"],
                }
            )
    return pd.DataFrame(rows)


def criterion_frame(runs: dict, layers) -> pd.DataFrame:
    """One row per (criterion, round, layer): the network's density, the
    layer's density, the Δ its criterion reads, the unweighted
    max(ΔS, ΔR), and the test accuracies (clean and noisy)."""
    rows = []
    for crit, res in runs.items():
        graph, bound = CRITERIA[crit]
        col = "delta_s" if bound == "eigenvalue" else "delta_r"
        for rec in res.records:
            spec = pd.DataFrame(rec["spectral"])
            for layer in layers:
                row = spec[(spec["graph"] == graph) & (spec["layer"] == layer)].iloc[0]
                unw = spec[(spec["graph"] == "unweighted") & (spec["layer"] == layer)].iloc[0]
                rows.append(
                    {
                        "criterion": crit,
                        "round": rec["round"],
                        "density": rec["density"],
                        "layer": layer,
                        "layer density": rec["layers"][layer],
                        "delta": float(row[col]),
                        "max_delta": float(max(unw["delta_s"], unw["delta_r"])),
                        "accuracy": rec["accuracy"],
                        **{f"σ = {s}": a for s, a in rec["noisy_accuracy"].items()},
                    }
                )
    return pd.DataFrame(rows)


def _noisiest(rec) -> str | None:
    """The record's noisiest test set (its σ as recorded), None without any."""
    return max(rec["noisy_accuracy"], key=float) if rec["noisy_accuracy"] else None


def last_acceptances(res: RunResult) -> pd.DataFrame:
    """The candidates Algorithm 1 accepted in the last round of ``res`` that
    it decided (a -Bound run's final record trains the last network and
    decides nothing): one row per layer it pruned, with the halving ``k``,
    the fraction taken, ``t2``, ``max(ΔS, ΔR)`` of the unweighted candidate,
    the test that accepted it and whether the candidate had fallen apart into
    identical pieces (``t2 == 0``, Δ infinite)."""
    decided = [rec for rec in res.records if "bound_decisions" in rec]
    if not decided:
        return pd.DataFrame(columns=["round", "layer", "k", "fraction", "t2", "max Δ", "accepted by", "fallen apart"])
    rec = decided[-1]
    rows = []
    for d in rec["bound_decisions"]:
        for c in d["candidates"]:
            if c["decision"] == "accept":
                rows.append(
                    {
                        "round": rec["round"],
                        "layer": d["layer"],
                        "k": c["k"],
                        "fraction": c["fraction"],
                        "t2": c["t2"],
                        "max Δ": max(c["delta_s"], c["delta_r"]),
                        "accepted by": c["accepted_by"],
                        "fallen apart": c["t2"] == 0,
                    }
                )
    return pd.DataFrame(rows)


def criterion_stops(runs: dict) -> pd.DataFrame:
    """One row per criterion: the rounds it ran, where it stopped (density,
    clean and noisiest accuracy), whether the round cap ended it, and for
    each layer Algorithm 1 held, from which round, at what density and why."""
    rows = []
    for crit, res in runs.items():
        last = res.records[-1]
        noisy = _noisiest(last)
        held = held_layers(res.records)
        rows.append(
            {
                "criterion": crit,
                "rounds": len(res.records),
                "density %": 100 * last["density"],
                "clean accuracy %": 100 * last["accuracy"],
                f"σ = {noisy} accuracy %": 100 * last["noisy_accuracy"][noisy] if noisy else None,
                "ended by": "the round cap" if "bound_decisions" not in last else "no layer changed",
                "layers held": "; ".join(
                    f"{layer} from round {r} at {100 * d:.3g} %: {why}"
                    for layer, (r, why, d) in sorted(held.items(), key=lambda kv: kv[1][0])
                ),
            }
        )
    return pd.DataFrame(rows)


def criterion_against_plain(runs: dict, plain: RunResult) -> pd.DataFrame:
    """One row per criterion: where its -Bound run stopped (density, clean
    and noisiest accuracy) beside the plain run's round nearest that density
    (on a log scale), and the differences in points (-Bound minus plain)."""
    plain_density = np.array([rec["density"] for rec in plain.records])
    rows = []
    for crit, res in runs.items():
        last = res.records[-1]
        near = plain.records[int(np.argmin(np.abs(np.log(plain_density / last["density"]))))]
        noisy = _noisiest(last)
        row = {
            "criterion": crit,
            "density %": 100 * last["density"],
            "plain round": near["round"],
            "plain density %": 100 * near["density"],
            "clean: -Bound minus plain": 100 * (last["accuracy"] - near["accuracy"]),
        }
        if noisy is not None:
            row[f"σ = {noisy}: -Bound minus plain"] = 100 * (
                last["noisy_accuracy"][noisy] - near["noisy_accuracy"][noisy]
            )
        rows.append(row)
    return pd.DataFrame(rows)


def candidate_frame(bound_runs: dict) -> pd.DataFrame:
    """One row per (run, round, layer, candidate k, quantity) of Algorithm 1's
    decision records (``bound_runs``: label -> -Bound run): the unweighted
    ΔS and ΔR and the score-weighted ΔS of each candidate, its rate, the
    decision and its reason, and the network's density that round."""
    quantities = (("ΔS unweighted", "delta_s"), ("ΔR unweighted", "delta_r"), ("ΔS score-weighted", "score_delta_s"))
    rows = [
        {
            "score": label,
            "round": rec["round"],
            "layer": dec["layer"],
            "k": c["k"],
            "rate": c["fraction"],
            "quantity": name,
            "delta": c[key],
            "decision": c["decision"],
            "reason": c["reason"],
            "density": rec["density"],
        }
        for label, res in bound_runs.items()
        for rec in res.records
        for dec in rec.get("bound_decisions", [])
        for c in dec["candidates"]
        for name, key in quantities
    ]
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ chapter 5: the significance tests
#: the rounds of our LeNet-300-100 schedule (p_fc = 0.2, p_out = 0.1) whose overall density the
#: paper's Table 4 gives as each layer's "density" (:data:`ramanujan_lth.evidence.paper.PAPER_LOSS`)
PAPER_LOSS_ROUNDS = {"fc1": 6, "fc2": 10, "fc3": 18}


def paper_density_frame(tests: pd.DataFrame) -> pd.DataFrame:
    """The paper's LeNet-300-100 "density" column of Table 4 beside our network's and layer's
    density (percent) at the same rounds (:data:`PAPER_LOSS_ROUNDS`): one row per layer with
    ``layer``, ``round``, ``paper %``, ``ours: network %`` and ``ours: layer %`` (NaN where our
    runs did not reach that round). ``tests``: :func:`ramanujan_lth.maths.stats.delta_tests` of
    the LeNet runs."""
    t = tests.set_index(["layer", "round"])
    return pd.DataFrame(
        [
            {
                "layer": layer,
                "round": r,
                "paper %": PAPER_LOSS["lenet_300_100"][layer][0],
                "ours: network %": 100 * t["overall_density"].get((layer, r), float("nan")),
                "ours: layer %": 100 * t["layer_density"].get((layer, r), float("nan")),
            }
            for layer, r in PAPER_LOSS_ROUNDS.items()
        ]
    )


def alignment_frame(experiments: dict) -> pd.DataFrame:
    """The two tests of chapter 5 side by side, one row per model (``experiments``: model ->
    ``{"tests": delta tests, "drops": accuracy-drop tests}``, from
    :func:`ramanujan_lth.maths.stats.delta_tests` and
    :func:`ramanujan_lth.maths.stats.accuracy_drop_tests`): the overall density (percent) at which
    the first studied layer loses the property, the one at which all of them have (NaN when one
    never does), and per tolerance k the highest density at which the drop test rejects
    (``drop > k from %``; NaN: never)."""
    rows = []
    for model, ex in experiments.items():
        lost = stats.loss_points(ex["tests"])["overall density %"]
        # all layers have lost it only if every one of them has (NaN = one never does)
        row = {
            "model": model,
            "first layer lost at %": lost.max(),
            "all layers lost at %": lost.min() if lost.notna().all() else float("nan"),
        }
        for k, g in ex["drops"].groupby("k"):
            rej = g[g["rejected"]]
            row[f"drop > {k:g} from %"] = 100 * rej["density"].max() if len(rej) else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ chapter 7: the appendix's studies
def schedule_ends(studied: dict, labels) -> pd.DataFrame:
    """Where each layer ends in each study of ``labels`` (``"LeNet-300-100, global"``; ``studied``:
    label -> ``{"results": runs}``): one row per study, named by the part of its label after the
    first ", ", with the ``overall`` density and each layer's density at the last round (means over
    the runs), and ``fc3 weights kept`` (LeNet's output layer: 100 inputs x 10 outputs)."""
    ends = pd.DataFrame(
        {
            s.split(", ", 1)[1]: pd.DataFrame([r.records[-1]["layers"] for r in studied[s]["results"]]).mean()
            for s in labels
        }
    ).T
    overall = [pd.Series([r.records[-1]["density"] for r in studied[s]["results"]]).mean() for s in labels]
    ends.insert(0, "overall", overall)
    ends["fc3 weights kept"] = ends["fc3"] * 100 * 10  # fc3: 100 inputs x 10 outputs
    return ends


def study_losses(studied: dict, layers: dict | None = None, key: str = "study") -> pd.DataFrame:
    """:func:`loss_table` of every study (or model) in ``studied`` (label -> ``{"results": runs,
    "layers": studied layers}``), one frame with the label in a last column named ``key``.
    ``layers``: label -> studied layers, for studies whose entry has no ``"layers"``."""
    return pd.concat(
        [
            loss_table(spectral_table(s["results"]), (layers or {}).get(label, s.get("layers"))).assign(**{key: label})
            for label, s in studied.items()
        ],
        ignore_index=True,
    )
