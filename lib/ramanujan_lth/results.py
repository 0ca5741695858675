"""Stored results of full runs, and the tables the experiment chapters plot.

Full-scale runs (papermill on a GPU, or long CPU runs) are exported as small
records — ``params.json`` and ``records.json``, never checkpoints — into a
folder of the book (``book/results/``), one sub-folder per run named as
:func:`ramanujan_lth.params.run_dir` names it. A chapter asks for runs by their
parameters: :func:`find_stored` matches the parameters whatever data size the
run used, and the result says which data it saw. Reading imports no torch:
:func:`ramanujan_lth.runs.get_runs` computes what is not stored, and
:func:`ramanujan_lth.export.export_run` stores a finished run.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths
from .catalog import CRITERIA, DATASETS, DEFAULTS
from .params import RunParams, RunResult, identity, load_run

__all__ = [
    "book_root",
    "interactive",
    "find_stored",
    "stored_all",
    "stored_some",
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
    "describe",
    "seed_count",
]


def book_root(start=None) -> Path:
    """The book's top folder (the first parent of ``start``, default the
    working directory, that holds ``_toc.yml``); chapters run from several
    places (Jupyter, the book build, nbval, papermill)."""
    here = Path(start or Path.cwd()).resolve()
    package_home = Path(__file__).resolve().parents[2]  # an editable install lives in the book
    for d in (here, *here.parents, package_home):
        if (d / "_toc.yml").is_file() and (d / "lib" / "ramanujan_lth").is_dir():
            return d
    raise FileNotFoundError(f"no book folder (with _toc.yml) above {here} or at {package_home}")


def interactive() -> bool:
    """Whether a person watches this process: a terminal, or a notebook open
    in a Jupyter server (not the book build, papermill or nbval)."""
    return bool(os.environ.get("JPY_SESSION_NAME")) or sys.stderr.isatty()


def _key(params: RunParams) -> str:
    return json.dumps(identity(params.resolved()), sort_keys=True)


def find_stored(params: RunParams, root, complete_only: bool = True) -> RunResult | None:
    """The stored run with these parameters under ``root`` (whatever data size
    it used), or None; unfinished runs count only without ``complete_only``."""
    root = Path(root)
    if not root.is_dir():
        return None
    want, unfinished = _key(params), None
    for meta in sorted(root.glob("*/params.json")):
        try:
            stored = json.loads(meta.read_text())
            p = RunParams.from_dict(stored["params"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a run folder
        if _key(p) != want:
            continue
        if (meta.parent / paths.RECORDS).exists():
            res = load_run(meta.parent)
        else:  # started, no round finished yet
            res = RunResult(p.resolved(), meta.parent, [], False, stored.get("data", {}))
        if res.complete:
            return res
        if not complete_only and unfinished is None:
            unfinished = res
    return unfinished


def stored_all(params_list, root) -> list | None:
    """The book's rule for a quick chapter: it shows an experiment's stored
    full runs instead of computing its own when every run of the experiment
    is stored under ``root``. Their results then, else None. (A CIFAR-10
    regime study stored seed by seed in the subset profile is the one
    exception: :func:`stored_some`.)"""
    if root is None:
        return None
    found = [find_stored(p, root) for p in params_list]
    return found if found and all(found) else None


def stored_some(params_list, root) -> list | None:
    """The finished runs of ``params_list`` stored under ``root``, in order,
    or None when there is none: for a group stored one seed at a time over
    several sessions (the subset profile's Conv4, hours a seed on a CPU),
    which a quick chapter shows with the seeds it has, saying how many."""
    if root is None:
        return None
    found = [r for r in (find_stored(p, root) for p in params_list) if r is not None]
    return found or None


def seed_count(results: list[RunResult]) -> str:
    """How many seeds a list of runs holds, as the pages say it ("1 seed",
    "5 seeds"); a group of studies run with the same seeds counts them once."""
    n = len({r.params.seed for r in results})
    return f"{n} seed{'s' if n != 1 else ''}"


def describe(results: list[RunResult]) -> str:
    """One line on what a set of runs is, named as the book names runs: the
    paper's hyper-parameters on N of M training images, the subset profile
    (iterations scaled to the images present, bfloat16), or a quick run."""
    if not results:
        return "no runs"
    p, d = results[0].params.resolved(), results[0].data
    spec = DATASETS[p.dataset]
    n_train, n_test = d.get("n_train", 0), d.get("n_test", 0)
    images = f"{n_train:,} of {spec.n_train:,} {p.dataset.upper()} training images"
    tail = seed_count(results) + (
        f"; tested on {n_test:,} of {spec.n_test:,} test images" if n_test < spec.n_test else ""
    )
    if is_pipeline_check(results):
        what = f"{p.model}, {p.iterations:,} iterations per round on {images} (a pipeline check, not a result)"
    elif p.iterations >= DEFAULTS[p.model]["iterations"]:
        what = f"{p.model}, the paper's hyper-parameters on {images}"
    else:
        what = (
            f"{p.model}, subset profile: the paper's hyper-parameters with {p.iterations:,} iterations per round "
            f"(its passes over {images}), bfloat16"
        )
    return f"{what}; {tail}"


def is_pipeline_check(results: list[RunResult]) -> bool:
    """Runs of the quick profile (fewer iterations than the paper's, or a cut training set, in
    float32): a check that the pipeline runs, never a finding."""
    p = results[0].params.resolved()
    full = p.iterations >= DEFAULTS[p.model]["iterations"] and p.n_train is None
    return not full and not (p.precision == "bf16" and p.n_train is None)


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
                "regime": "fully" if n == len(has) else "partially" if n else "non",
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
