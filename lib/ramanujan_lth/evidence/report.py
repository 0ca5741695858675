"""The paper's numbers beside the reproduced ones, from the stored full runs.

Every function reads stored results only (``book/results``): a number the
book has not reproduced with the paper's hyper-parameters is reported as missing, with
what it would take, never filled in from a quick run. Each row carries the
runs it came from, the data they saw, the run-to-run spread, and why the
numbers differ when they do: reason codes (``reason``), the numbers behind
each (``reasons``) and their text (``explanation``), written in one place
(:data:`REASONS`). Each kind of row has its own function.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ramanujan_lth import labels
from ramanujan_lth.catalog import DATASETS, is_subset_run
from ramanujan_lth.evidence import plans, results
from ramanujan_lth.evidence.paper import ICLR_FIELDS, PAPER_ICLR_TABLE4, PAPER_LOSS, PAPER_TABLE3
from ramanujan_lth.maths import stats
from ramanujan_lth.storage import stored_runs
from ramanujan_lth.storage.params import RunParams

__all__ = [
    "REASONS",
    "coverage_line",
    "missing_counts",
    "explain",
    "loss_rows",
    "table3_rows",
    "table3_grid",
    "iclr_table4_rows",
    "iclr_table4_grid",
    "seed_crossings",
]

#: every explanation a row can give, by code. A row's ``reason`` lists its
#: codes (joined by ``+``) and its ``explanation`` renders them, here only.
REASONS = {
    # not reproduced yet
    "not_run": "not run with the paper's hyper-parameters yet",
    "not_run_regime": "not run with the paper's hyper-parameters yet ({iterations:,} iterations per round; "
    "see the reproduce command)",
    "not_run_cost": "not run with the paper's hyper-parameters yet (see the reproduce command below: {cost})",
    "not_run_subset": "not run in the subset profile yet (see the reproduce command below: hours of CPU per run)",
    "not_run_star_needs_bound": "not run with the paper's hyper-parameters yet: it is pruned to the density the "
    "{label}-Bound run reaches",
    "not_run_star_fork": "not run with the paper's hyper-parameters yet (a fork of the plain run, 2 trainings)",
    "not_run_output_rate": "not run with the paper's hyper-parameters yet; chapter 4 runs it in its quick profile",
    "not_run_pair": "not run with the paper's hyper-parameters yet: needs both the {label}-Bound and the {label}* run",
    # where the property is lost (Tables 4/5)
    "beyond_last_round": "beyond our last round: the runs stop at {reached:.2g} % overall density",
    "too_few_runs": "H0 never rejected: with fewer than two runs no test rejects",
    "never_rejected": "H0 never rejected at 95 % up to the last round",
    "seed_crossings": "Δ stops being positive at {where} % network density in {k} of {n} runs",
    "paper_among_crossings": "the paper's density is among them",
    "within_crossing_spread": "within the run-to-run spread of the crossing",
    "near_zero": "the paper's own confidence interval at this layer contains 0: the crossing is not sharp",
    "subset": "possibly the data: trained on {n_train:,} of {full:,} training images (the offline subset), "
    "so the trained weights, and IMP's masks, differ",
    "seeds": "{n} of the paper's {paper_n} runs: the crossing moves by one pruning round (a factor 0.8 in density) "
    "between runs",
    "rounds": "IMP prunes in steps of 20 %: a crossing can only be placed to within one round",
    "mean_inside": "paper's mean inside our 95 % interval",
    "mean_overshoot": "a mean just below 0 at the first rejected round: its size depends on how far the last "
    "step overshoots",
    "no_round_rejected": "no round rejected",
    # Table 3 cells
    "data_or_length": "different data or training length",
    "no_collapse": "no collapse here: our {label} prunes the output layer at p_out = {p_out:g}; the next row has it "
    "at the other layers' rate (the paper gives no per-layer densities, so the cause cannot be pinned down)",
    "bound_elsewhere": "at {density:.3g} % density, where the paper's {label}-Bound stopped at {paper_density:g} % "
    "(next row)",
    "star_elsewhere": "pruned to our {label}-Bound's {density:.3g} % density, not the paper's {paper_density:g} %: "
    "compare the next row",
    "seed_noise_unmeasured": "one run per cell in the paper and here: differences of a few points can be seed noise "
    "at 1–3 % density",
    "beyond_noise_unmeasured": "more than seed noise (a few points at 1–3 % density); the paper gives too little "
    "detail of this run to say why",
    "within_seed_noise": "within seed noise: our {n} IMP seeds spread by {spread:.1f} points at {at:.2g} % density",
    "beyond_seed_noise": "{gap:.1f} points: more than seed noise (our {n} IMP seeds spread by {spread:.1f} points "
    "at {at:.2g} % density); the paper gives too little detail of this run to say why",
    "subset_profile": "subset profile (fewer training images, fewer iterations: see the data): absolute accuracy "
    "is not comparable with the paper's, and neither is the size of the gap; compare orders and differences",
    # -Bound's density, and why it stopped there
    "round_cap": "ended by the round cap after round {round}",
    "layer_held": "{layer} held{where} from round {round}: {why}",
    "t1_below_one": "the score-weighted test never passed: t1^θ stayed below 1 (at most {t1:.2g}, the scale of "
    "the score), so only the unweighted bounds could accept a candidate",
    "k_not_given": "K (the number of halvings) is not given in the paper; ours is {K}",
    # -Bound against *
    "bound_ahead": "-Bound ahead of * by more than seed noise ({noise:.1f} points), as in the paper",
    "star_ahead": "* ahead of -Bound by more than seed noise ({noise:.1f} points), unlike the paper",
    "no_gain": "within seed noise ({noise:.1f} points): no measurable gain from the bound at {density:.3g} % density",
    "imp_seed_spread": "our {n} IMP seeds spread by {spread:.1f} points at {at:.2g} % density",
    "one_run_each": "one run each: differences of a point or so can be seed noise",
    "star_seeds": "{label}* at this density over {n} seeds: {accs} (spread {spread:.2f} points)",
    "paper_pair_elsewhere": "the paper's pair is at {paper_density:g} %",
    "layer_split": "per layer (-Bound / *): {split}",
    "thinned": "-Bound keeps {factor:.2g}x fewer of {layer}'s weights",
    "seeds_behind": "-Bound behind * by more than a point in {k} of {n} seeds",
    "seeds_ahead": "-Bound ahead of * by more than a point in {k} of {n} seeds",
    "seeds_within": "-Bound within a point of * in each of the {n} seeds",
    "paper_one_run": "the paper: {gain:+.2f} in its one run",
    "per_seed": "{each}",
    # the output layer's rate
    "output_rate_close": "close to the paper's {label} α=2.0: consistent with the paper pruning its output layer "
    "as hard as the others",
    "output_rate_part": "part of the gap: {plain:.1f} % (same seed) with the output layer at p_out = 0.1, "
    "{ours:.1f} % at {p_out:g}, {paper:.1f} % in the paper; pruning the output layer as hard as the others would "
    "explain part of the paper's collapse, not all of it",
    "output_rate_far": "far from the paper's {label} α=2.0 as well: the output layer's rate does not explain it",
}


def _why(code: str, **values) -> tuple:
    """One reason of a row: its code and the numbers its text shows."""
    if code not in REASONS:
        raise KeyError(f"unknown reason code {code!r}")
    return code, values


def explain(reasons) -> str:
    """The text of a row's reasons (``(code, values)`` pairs), joined by '; '."""
    return "; ".join(REASONS[code].format(**values) for code, values in reasons)


def _frame(rows) -> pd.DataFrame:
    """Rows as a table: each row's reasons (``reasons``: ``(code, values)``
    pairs) also as codes joined by ``+`` (``reason``) and as text (``explanation``)."""
    out = []
    for row in rows:
        row = dict(row)
        reasons = row.pop("why", [])
        code = "+".join(c for c, _ in reasons)
        out.append({**row, "reason": code, "reasons": reasons, "explanation": explain(reasons)})
    return pd.DataFrame(out)


def _describe_data(res_list) -> str:
    """The data a set of runs saw, as the book names it: N of M training images."""
    d, params = res_list[0].data, getattr(res_list[0], "params", None)
    if params is None:
        return f"{d.get('n_train', 0):,} training / {d.get('n_test', 0):,} test images"
    p = params.resolved()
    spec = DATASETS[p.dataset]
    text = (
        f"{d.get('n_train', 0):,} of {spec.n_train:,} {p.dataset.upper()} training images, "
        f"{d.get('n_test', 0):,} of {spec.n_test:,} test images"
    )
    if is_subset_run(p):
        text += f"; subset profile: {p.iterations:,} iterations a round, bfloat16"
    return text


def _stored_lth(model: str, stored_root, n_seeds: int = 10) -> list:
    """The stored regime runs (IMP to 1 %) of ``model``: the paper profile's, else the subset profile's."""
    return plans.stored_lth(model, stored_root, n_seeds)[0]


def seed_crossings(spec: pd.DataFrame, layer: str) -> list[float]:
    """Per seed, the network's overall density (%) at the first round where
    the layer's unweighted max(ΔS, ΔR) is no longer positive (NaN if never)."""
    out = []
    g = spec[(spec["graph"] == "unweighted") & (spec["layer"] == layer)]
    for _, s in g.groupby("seed"):
        s = s.sort_values("round")
        lost = s[~(s["max_delta"] > 0)]
        out.append(100 * float(lost.iloc[0]["overall_density"]) if len(lost) else np.nan)
    return out


def _over_seeds(span: str, n: int) -> str:
    """A spread column: the span of ``n`` seeds, or "one seed" (no span)."""
    return "one seed" if n == 1 else f"{span} over {n} seeds"


def _row(quantity: str, paper, why=(), reproduced=np.nan, spread: str = "", runs: str = "none stored", data: str = ""):
    """A report row: the quantity, the paper's value beside ours, and why they differ."""
    return {
        "quantity": quantity,
        "paper": paper,
        "reproduced": reproduced,
        "spread": spread,
        "runs": runs,
        "data": data,
        "why": list(why),
    }


# ------------------------------------------------------------------ Tables 4/5: where the property is lost
def loss_rows(model: str, stored_root, n_seeds: int = 10) -> pd.DataFrame:
    """Tables 4/5 (the regime boundaries of Figures 3/4): per layer, the
    network density (overall, as the paper's tables give it: see
    :data:`PAPER_LOSS`) and the mean at the loss of the property, paper's beside ours."""
    stored = _stored_lth(model, stored_root, n_seeds)
    if not stored:
        iterations = plans.lth_params(model, "paper", [0])[0].resolved().iterations
        return _frame(
            _row(
                f"{model} {layer}: network density where lost (%)",
                dens,
                [_why("not_run_regime", iterations=iterations)],
            )
            for layer, (dens, *_) in PAPER_LOSS[model].items()
        )
    spec = results.spectral_table(stored)
    points = stats.loss_points(stats.delta_tests(spec, list(PAPER_LOSS[model]))).set_index("layer")
    rows = []
    for layer, paper in PAPER_LOSS[model].items():
        point = points.loc[layer] if layer in points.index else None
        rows.append(_crossing_row(model, layer, paper, point, seed_crossings(spec, layer), stored))
        rows.append(_mean_row(model, layer, paper[1], point, stored))
    return _frame(rows)


#: how many runs each of the paper's Tables 4/5 averages
PAPER_RUNS = 10


def _crossing_row(model: str, layer: str, paper: tuple, point, crossings: list, stored: list) -> dict:
    """Where ``layer`` loses the property: the paper's network density beside
    the first density where our t-test rejects Δ > 0 (``point``, a row of
    :func:`ramanujan_lth.maths.stats.loss_points`, None when none rejects), judged
    against where each seed's Δ stops being positive (``crossings``)."""
    dens, _, upper, lower = paper
    ours = float(point["overall density %"]) if point is not None else np.nan
    per_seed = [c for c in crossings if np.isfinite(c)]
    lo, hi = (min(per_seed), max(per_seed)) if per_seed else (np.nan, np.nan)
    reached = 100 * min(r.records[-1]["density"] for r in stored)
    near_zero = lower < 0 < upper
    if not np.isfinite(ours) and dens < reached:  # no crossing seen, and the paper's lies past our runs
        why = [_why("beyond_last_round", reached=reached)]
    elif not np.isfinite(ours) and len(stored) < 2:
        why = [_why("too_few_runs")]
    elif not np.isfinite(ours):
        why = [_why("never_rejected")]
        if per_seed:
            where = f"{hi:.2g}" if f"{hi:.2g}" == f"{lo:.2g}" else f"{hi:.2g} to {lo:.2g}"
            why.append(_why("seed_crossings", where=where, k=len(per_seed), n=len(stored)))
            if lo <= dens <= hi:
                why.append(_why("paper_among_crossings"))
        if near_zero:
            why.append(_why("near_zero"))
    elif lo <= dens <= hi or abs(ours - dens) <= 0.25 * dens:
        why = [_why("within_crossing_spread")]
    else:
        why = []
        if stored[0].data.get("subset"):
            full = DATASETS[stored[0].params.resolved().dataset].n_train
            why.append(_why("subset", n_train=stored[0].data["n_train"], full=full))
        if near_zero:
            why.append(_why("near_zero"))
        if len(stored) < PAPER_RUNS:
            why.append(_why("seeds", n=len(stored), paper_n=PAPER_RUNS))
        why = why[:2] or [_why("rounds")]
    return _row(
        f"{model} {layer}: network density where lost (%)",
        dens,
        why,
        reproduced=ours,
        spread=f"{lo:.1f}–{hi:.1f} over seeds" if per_seed else "",
        runs=f"{len(stored)} stored runs",
        data=_describe_data(stored),
    )


def _mean_row(model: str, layer: str, paper_mean: float, point, stored: list) -> dict:
    """The mean max(ΔS, ΔR) at the first rejected round, the paper's beside
    ours with our 95 % interval (``point`` as in :func:`_crossing_row`)."""
    ours = float(point["sample mean"]) if point is not None else np.nan
    if not np.isfinite(ours):
        why = [_why("no_round_rejected")]
    elif point["lower mean"] <= paper_mean <= point["upper mean"]:
        why = [_why("mean_inside")]
    else:
        why = [_why("mean_overshoot")]
    return _row(
        f"{model} {layer}: mean max(ΔS, ΔR) there",
        paper_mean,
        why,
        reproduced=ours,
        spread=f"95 % CI {point['lower mean']:.3f} to {point['upper mean']:.3f}" if np.isfinite(ours) else "",
        runs=f"{len(stored)} stored runs",
        data=_describe_data(stored),
    )


# ------------------------------------------------------------------ Table 3
def table3_rows(model: str, stored_root) -> pd.DataFrame:
    """Table 3: the paper's test accuracy (and -Bound density) beside the stored
    comparison runs (seed 0; the paper gives one number per cell). A plain
    pruner's α cell is the mean over the Table 3 seeds stored
    (:data:`ramanujan_lth.evidence.plans.BOUND_SEEDS`), IMP at α = 2 the mean
    over the regime runs."""
    paper = PAPER_TABLE3[model]
    profile = plans.stored_profile(model, stored_root)
    base = plans.comparison_base(model, profile)
    lth = _stored_lth(model, stored_root)
    rows = [_dense_row(model, paper["no pruning"][1], lth)]
    for score, key in labels.SCORE_PAPER_KEYS.items():
        rows += _score_rows(model, score, paper[key], base, lth, stored_root)
    if profile == "subset":  # fewer training images: the paper's absolute accuracies are out of reach
        for row in rows:
            if row["quantity"].endswith("accuracy %") and np.isfinite(row["reproduced"]):
                row["why"] = [_why("subset_profile"), *(w for w in row["why"] if w[0] not in GAP_SIZE)]
    return _frame(rows)


#: explanations that judge the size of a gap in absolute accuracy: they mean
#: nothing beside a run on fewer training images (the subset profile)
GAP_SIZE = frozenset(
    {
        "data_or_length",
        "seed_noise_unmeasured",
        "beyond_noise_unmeasured",
        "within_seed_noise",
        "beyond_seed_noise",
        "output_rate_close",
        "output_rate_part",
        "output_rate_far",
    }
)


def _dense_row(model: str, paper_acc: float, lth: list) -> dict:
    """The dense network's accuracy: round 0 of the regime runs."""
    name = f"{model} no pruning: accuracy %"
    if not lth:
        return _row(name, paper_acc, [_why("not_run")])
    accs = [100 * r.records[0]["accuracy"] for r in lth]
    ours = float(np.mean(accs))
    return _row(
        name,
        paper_acc,
        [] if abs(ours - paper_acc) < 1 else [_why("data_or_length")],
        reproduced=ours,
        spread=_over_seeds(f"{min(accs):.2f}–{max(accs):.2f}", len(accs)),
        runs=f"{len(lth)} regime runs (chapter 3)",
        data=_describe_data(lth),
    )


def _score_rows(model: str, score: str, paper: dict, base: dict, lth: list, stored_root) -> list:
    """Table 3's rows of one score: the plain pruner at each α, the output
    layer at the other layers' rate, -Bound (accuracy and density), ``*``
    and -Bound against ``*``."""
    label = labels.SCORE_LABELS[score]
    runs = {a: stored_runs.find_stored(plans.table3_params(score, base, a), stored_root) for a in plans.ALPHAS}
    bound = stored_runs.find_stored(plans.table3_params(score, base, "bound"), stored_root)
    star = bound and stored_runs.find_stored(
        plans.table3_params(score, base, ("star", bound.records[-1]["density"])), stored_root
    )
    rows = []
    for a in plans.ALPHAS:
        if score == "magnitude" and a == 2.0 and lth:
            rows.append(_regime_row(model, label, paper[a], lth, base))
        else:
            others = [plans.table3_params(score, {**base, "seed": s}, a) for s in plans.BOUND_SEEDS[1:]]
            more = (stored_runs.stored_some(others, stored_root) or []) if runs[a] is not None else []
            rows.append(_cell_row(model, label, f" α={a}", paper[a], runs[a], paper, lth, base, more))
    plain = 100 * runs[2.0].records[-1]["accuracy"] if runs[2.0] else rows[-1]["reproduced"]
    rows.append(_output_rate_row(model, score, label, stored_root, paper[2.0], None if np.isnan(plain) else plain))
    rows.append(_cell_row(model, label, "-Bound", paper["bound"][1], bound, paper, lth, base))
    if bound is not None:
        rows.append(_bound_density_row(model, label, paper["bound"][0], bound))
    if star is None:
        fork = "not_run_star_fork" if bound is not None else "not_run_star_needs_bound"
        rows.append(_row(f"{model} {label}*: accuracy %", paper["star"], [_why(fork, label=label)]))
        rows.append(_bound_gain_row(model, label, paper, bound, None, lth))
        return rows
    rows.append(_cell_row(model, label, "*", paper["star"], star, paper, lth, base))
    rows.append(_bound_gain_row(model, label, paper, bound, star, lth, _other_stars(score, base, star, stored_root)))
    pairs = plans.bound_star_pairs(score, base, stored_root)
    if len(pairs) > 1:
        rows.append(_bound_gain_seeds_row(model, label, paper, pairs))
    return rows


def _no_collapse(label: str, base: dict):
    return _why("no_collapse", label=label, p_out=RunParams(**base).p_out)


def _regime_row(model: str, label: str, paper_acc: float, lth: list, base: dict) -> dict:
    """IMP at α = 2 from chapter 3's regime runs (the same run plus noisy
    evaluations, which do not touch training): more seeds than Table 3's one."""
    accs = [100 * r.records[-1]["accuracy"] for r in lth]
    ours = float(np.mean(accs))
    return _row(
        f"{model} {label} α=2.0: accuracy %",
        paper_acc,
        [] if abs(ours - paper_acc) < 1 else [_no_collapse(label, base)],
        reproduced=ours,
        spread=_over_seeds(f"{min(accs):.2f}–{max(accs):.2f}", len(accs)),
        runs=f"{len(lth)} regime runs (chapter 3)",
        data=_describe_data(lth),
    )


def _cell_row(
    model: str, label: str, variant: str, paper_acc, res, paper: dict, lth: list, base: dict, more=()
) -> dict:
    """One Table 3 cell from one stored run (``variant``: `` α=…``,
    ``-Bound`` or ``*``), judged against seed noise at its density; with
    ``more`` (the same cell's runs of other seeds), from their mean."""
    name = f"{model} {label}{variant}: accuracy %"
    if res is None:
        if is_subset_run(base):  # the subset profile's runs: a CPU does them
            return _row(name, paper_acc, [_why("not_run_subset")])
        cost = "hours of CPU per run for LeNet" if model == "lenet_300_100" else "a GPU"
        return _row(name, paper_acc, [_why("not_run_cost", cost=cost)])
    accs = [100 * r.records[-1]["accuracy"] for r in (res, *more)]
    ours = float(np.mean(accs))
    density = res.records[-1]["density"]
    gap = None if paper_acc is None else abs(ours - paper_acc)
    paper_density = paper["bound"][0]
    if gap is None or gap < 1:
        why = []
    elif variant == " α=2.0" and ours - paper_acc > 10:
        why = [_no_collapse(label, base)]
    elif variant in ("-Bound", "*") and not _same_density(density, paper_density):
        code = "bound_elsewhere" if variant == "-Bound" else "star_elsewhere"
        why = [_why(code, label=label, density=100 * density, paper_density=paper_density)]
    else:
        why = [_seed_noise(gap, density, lth)]
    return _row(
        name,
        paper_acc,
        why,
        reproduced=ours,
        spread=_over_seeds(f"{min(accs):.2f}–{max(accs):.2f}", len(accs))
        if more
        else "one run (the paper gives one number)",
        runs=f"{len(accs)} stored runs (seeds {', '.join(str(r.params.seed) for r in (res, *more))})"
        if more
        else res.folder.name,
        data=_describe_data([res, *more]),
    )


def _bound_density_row(model: str, label: str, paper_density: float, res) -> dict:
    """The density a -Bound run reached, and why it stopped there."""
    return _row(
        f"{model} {label}-Bound: density reached %",
        paper_density,
        [*_bound_stops(res), _why("k_not_given", K=res.params.bound_K)],
        reproduced=100 * res.records[-1]["density"],
        spread="one run",
        runs=res.folder.name,
        data=_describe_data([res]),
    )


def _bound_stops(res) -> list:
    """Why a -Bound run stopped where it did: whether the round cap ended it;
    for each layer Algorithm 1 held, its density, the round from which it
    stayed unchanged and the reason given there; and whether the
    score-weighted test ever passed (nothing for a run without decision records)."""
    recs = [r for r in res.records if r.get("bound_decisions")]
    if not recs:
        return []
    why = []
    if "bound_decisions" not in res.records[-1]:
        why.append(_why("round_cap", round=res.records[-1]["round"]))
    held = sorted(results.held_layers(res.records).items(), key=lambda kv: kv[1][0])
    for i, (layer, (r, reason, dens)) in enumerate(held):
        where = "" if dens is None else f" at {100 * dens:.3g} %" + (" of its weights" if i == 0 else "")
        why.append(_why("layer_held", layer=layer, where=where, round=r, why=reason))
    t1 = [c.get("score_t1") for rec in recs for d in rec["bound_decisions"] for c in d.get("candidates", [])]
    t1 = [v for v in t1 if v is not None and np.isfinite(v)]
    if t1 and max(t1) < 1:
        why.append(_why("t1_below_one", t1=max(t1)))
    return why


def _same_density(ours: float, paper_percent: float) -> bool:
    """Whether a density (fraction) is the paper's (percent) to within a quarter."""
    return abs(np.log(100 * ours / paper_percent)) <= np.log(1.25)


# ------------------------------------------------------------------ -Bound against *
def _bound_gain_row(model: str, label: str, paper: dict, bound, star, lth: list, others: list = ()) -> dict:
    """The paper's claim behind Table 3: at the density where -Bound stops,
    -Bound is more accurate than the plain pruner taken to that same density
    (``*``). Paper's difference (points) beside ours, ours judged against
    the spread of our IMP seeds at that density, or of ``*`` over seeds
    (``star`` and ``others``, other seeds' ``*`` at that density from
    :func:`_other_stars`) when that is wider."""
    name = f"{model} {label}-Bound minus {label}*: accuracy difference (points)"
    paper_gain = _paper_gain(paper)
    paper_value = np.nan if paper_gain is None else round(paper_gain, 2)
    if bound is None or star is None:
        return _row(name, paper_value, [_why("not_run_pair", label=label)])
    ours = 100 * (bound.records[-1]["accuracy"] - star.records[-1]["accuracy"])
    density = bound.records[-1]["density"]
    got = _seed_spread(density, lth)
    noise = max(got[0], 1.0) if got else 1.0
    evidence = [_why("imp_seed_spread", n=len(lth), spread=got[0], at=100 * got[1]) if got else _why("one_run_each")]
    if others:
        accs = [100 * r.records[-1]["accuracy"] for r in [star, *others]]
        listed = ", ".join(f"{a:.2f}" for a in accs)
        evidence.append(_why("star_seeds", label=label, n=len(accs), accs=listed, spread=max(accs) - min(accs)))
        noise = max(noise, max(accs) - min(accs))
    if ours > noise:
        why = [_why("bound_ahead", noise=noise)]
    elif ours < -noise:
        why = [_why("star_ahead", noise=noise)]
    else:
        why = [_why("no_gain", noise=noise, density=100 * density)]
    why += evidence
    if paper_gain is not None and not _same_density(density, paper["bound"][0]):
        why.append(_why("paper_pair_elsewhere", paper_density=paper["bound"][0]))
    why += _layer_split(bound, star)
    return _row(
        name,
        paper_value,
        why,
        reproduced=ours,
        spread=f"seed spread {got[0]:.1f} points" if got else "one run each",
        runs=", ".join(r.folder.name for r in [bound, star, *others]),
        data=_describe_data([bound]),
    )


def _paper_gain(paper: dict) -> float | None:
    """The paper's -Bound minus ``*`` (points), None where it gives no ``*``."""
    return None if paper.get("star") is None else paper["bound"][1] - paper["star"]


def _other_stars(score: str, base: dict, star, stored_root) -> list:
    """The stored ``*`` runs of the other seeds pruned to ``star``'s density
    (with ``star``, a direct measure of seed noise there)."""
    found = [
        stored_runs.find_stored(
            RunParams(score=score, density=star.params.density, **dict(base, seed=seed)), stored_root
        )
        for seed in plans.STORED_SEEDS
        if seed != base["seed"]
    ]
    return [r for r in found if r]


def _bound_gain_seeds_row(model: str, label: str, paper: dict, pairs: list) -> dict:
    """-Bound minus ``*`` over every seed with both runs stored (from
    :func:`bound_star_pairs`): the mean difference and each seed's."""
    diffs = [100 * (b.records[-1]["accuracy"] - s.records[-1]["accuracy"]) for _, b, s in pairs]
    paper_gain = _paper_gain(paper)
    behind, ahead = sum(d < -1 for d in diffs), sum(d > 1 for d in diffs)
    why = [_why(code, k=k, n=len(diffs)) for code, k in (("seeds_behind", behind), ("seeds_ahead", ahead)) if k]
    if not why:
        why = [_why("seeds_within", n=len(diffs))]
    if paper_gain is not None:
        why.append(_why("paper_one_run", gain=paper_gain))
    each = []
    for (seed, b, s), d in zip(pairs, diffs):
        thin = _thinnest(b, s)
        each.append(
            f"seed {seed}: {d:+.2f} at {100 * b.records[-1]['density']:.3g} %"
            + (f" (-Bound keeps {thin[1]:.2g}x fewer of {thin[0]}'s weights)" if thin else "")
        )
    why.append(_why("per_seed", each=", ".join(each)))
    return _row(
        f"{model} {label}-Bound minus {label}*, every stored seed: accuracy difference (points)",
        np.nan if paper_gain is None else round(paper_gain, 2),
        why,
        reproduced=float(np.mean(diffs)),
        spread=_over_seeds(f"{min(diffs):+.2f} to {max(diffs):+.2f}", len(diffs)),
        runs=", ".join(f"{b.folder.name}, {s.folder.name}" for _, b, s in pairs),
        data=_describe_data([b for _, b, _ in pairs]),
    )


def _thinnest(bound, star) -> tuple[str, float] | None:
    """The layer a -Bound network thins most relative to its ``*`` and by
    what factor, when that is more than 2x (None otherwise or without
    per-layer records)."""
    b, s = bound.records[-1].get("layers") or {}, star.records[-1].get("layers") or {}
    common = [layer for layer in b if layer in s and b[layer] > 0 and s[layer] > 0]
    if not common:
        return None
    thin = max(common, key=lambda layer: s[layer] / b[layer])
    return (thin, s[thin] / b[thin]) if s[thin] / b[thin] > 2 else None


def _layer_split(bound, star) -> list:
    """Where the weights of a -Bound network and of its ``*`` sit: each
    layer's density (%) in both, and the layer -Bound thinned most relative to
    ``*`` when that is by more than 2x (nothing without per-layer records)."""
    b, s = bound.records[-1].get("layers") or {}, star.records[-1].get("layers") or {}
    common = [layer for layer in b if layer in s and b[layer] > 0 and s[layer] > 0]
    if not common:
        return []
    split = ", ".join(f"{layer} {100 * b[layer]:.3g} / {100 * s[layer]:.3g} %" for layer in common)
    thin = _thinnest(bound, star)
    return [_why("layer_split", split=split)] + ([_why("thinned", factor=thin[1], layer=thin[0])] if thin else [])


def _seed_spread(density: float, lth: list) -> tuple[float, float] | None:
    """Range (max - min, in points) of the stored regime runs' test accuracy
    at their round nearest ``density`` (log scale), and that round's density;
    None with fewer than 2 runs."""
    if len(lth) < 2:
        return None
    near = [min(r.records, key=lambda rec: abs(np.log(rec["density"] / density))) for r in lth]
    accs = [rec["accuracy"] for rec in near]
    return 100 * (max(accs) - min(accs)), near[0]["density"]


def _seed_noise(gap: float, density: float, lth: list):
    """Why a one-run Table 3 cell is ``gap`` points from the paper's, judged
    by how much our IMP seeds differ at that density."""
    got = _seed_spread(density, lth)
    if got is None:  # no seeds to measure it: the usual few points at 1-3 % density
        return _why("seed_noise_unmeasured" if gap <= 5 else "beyond_noise_unmeasured")
    spread, at = got[0], 100 * got[1]
    if gap <= max(spread, 1.0):
        return _why("within_seed_noise", n=len(lth), spread=spread, at=at)
    return _why("beyond_seed_noise", gap=gap, n=len(lth), spread=spread, at=at)


# ------------------------------------------------------------------ the output layer's rate
def _output_rate_row(model: str, score: str, label: str, stored_root, paper_acc: float, plain: float | None) -> dict:
    """The plain ``score`` at α = 2 with the output layer pruned at the other
    layers' rate (chapter 4's test of why the paper's plain pruners collapse
    at 1 %); ``plain``: our accuracy (%) of the same pruner at p_out = 0.1."""
    params = plans.output_rate_params(model, "paper", score)[-1]
    name = f"{model} {label} α=2.0, output layer at p_out = {params.p_out:g}: accuracy %"
    res = stored_runs.find_stored(params, stored_root)
    if res is None:
        return _row(name, paper_acc, [_why("not_run_output_rate")])
    ours = 100 * res.records[-1]["accuracy"]
    if abs(ours - paper_acc) < 10:
        why = _why("output_rate_close", label=label)
    elif plain is not None and paper_acc < ours < plain - 5:
        why = _why("output_rate_part", plain=plain, ours=ours, p_out=params.p_out, paper=paper_acc)
    else:
        why = _why("output_rate_far", label=label)
    return _row(
        name, paper_acc, [why], reproduced=ours, spread="one run", runs=res.folder.name, data=_describe_data([res])
    )


# ------------------------------------------------------------------ ICLR Table 4
def iclr_table4_rows(stored_root) -> pd.DataFrame:
    """ICLR Table 4: the last round of SynFlow-Bound on LeNet, per layer and
    graph, paper against ours (empty 'reproduced' when not stored), and each
    layer's density (share of its weights kept)."""
    base = plans.comparison_base("lenet_300_100", "paper")
    res = stored_runs.find_stored(plans.table3_params("synflow", base, "bound"), stored_root)
    last = pd.DataFrame(res.records[-1]["spectral"]) if res else None
    rows = []
    for layer, graphs in PAPER_ICLR_TABLE4.items():
        for graph in ("unweighted", "weighted", "score"):
            ours = last[(last["layer"] == layer) & (last["graph"] == graph)].iloc[0] if last is not None else None
            for field, value in zip(ICLR_FIELDS[graph], graphs[graph]):
                rows.append(
                    {
                        "layer": layer,
                        "graph": graph,
                        "field": field,
                        "paper": value,
                        "reproduced": float(ours[field]) if ours is not None else np.nan,
                    }
                )
        kept = res.records[-1].get("layers", {}).get(layer, np.nan) if res else np.nan
        rows.append(
            {
                "layer": layer,
                "graph": "unweighted",
                "field": "density",
                "paper": graphs["density"],
                "reproduced": float(kept),
            }
        )
    return pd.DataFrame(rows)


def iclr_table4_grid(iclr: pd.DataFrame) -> pd.DataFrame:
    """:func:`iclr_table4_rows` side by side: one row per (layer, field), in the paper's order, and
    per graph (unweighted, weighted, score) two columns, the paper's number and ours; NaN where a
    graph has no such field or ours is not stored."""
    wide = iclr.pivot_table(
        index=["layer", "field"], columns="graph", values=["paper", "reproduced"], sort=False, dropna=False
    )
    wide.columns = pd.MultiIndex.from_tuples(
        [(graph, "paper" if src == "paper" else "ours") for src, graph in wide.columns]
    )
    order = [(g, s) for g in ("unweighted", "weighted", "score") for s in ("paper", "ours")]
    return wide[[c for c in order if c in wide.columns]]


# ------------------------------------------------------------------ Table 3 as the paper prints it
#: the grid's columns, in the paper's order
GRID_COLUMNS = ("α = 1", "α = 1.5", "α = 2", "-Bound", "-Bound density %", "*", "-Bound − *")
_GRID_ROW = re.compile(r"^(?P<model>\S+) (?P<what>.+): (?P<unit>[^:]+)$")


def _grid_place(what: str, unit: str) -> tuple[str, str] | None:
    """(row, column) of one :func:`table3_rows` quantity in the paper's grid, or None (ours alone)."""
    if what == "no pruning":
        return "no pruning", "α = 1"
    if ", " in what:  # the output-rate test and the every-seed comparison: ours alone
        return None
    if m := re.fullmatch(r"(\S+) α=([\d.]+)", what):
        return m.group(1), f"α = {float(m.group(2)):g}"
    if m := re.fullmatch(r"(\S+)-Bound minus \S+\*", what):
        return m.group(1), "-Bound − *"
    if m := re.fullmatch(r"(\S+)-Bound", what):
        return m.group(1), "-Bound density %" if unit.startswith("density") else "-Bound"
    if m := re.fullmatch(r"(\S+)\*", what):
        return m.group(1), "*"
    return None


def table3_grid(rows: pd.DataFrame, model: str) -> pd.DataFrame:
    """``model``'s rows of :func:`table3_rows` as the paper's Table 3: per pruner a row of the
    paper's numbers and one of ours beneath it, a column per setting (ours "—" where not stored;
    "(n)" after a mean over n seeds)."""
    cells: dict = {}
    for r in rows.itertuples():
        m = _GRID_ROW.match(r.quantity)
        if not m or m.group("model") != model or (place := _grid_place(m.group("what"), m.group("unit"))) is None:
            continue
        row, col = place
        paper = "—" if r.paper is None or not np.isfinite(r.paper) else f"{r.paper:.2f}"
        ours = "—" if not np.isfinite(r.reproduced) else f"{r.reproduced:.2f}"
        seeds = re.search(r"over (\d+) seeds", str(r.spread))
        if seeds and np.isfinite(r.reproduced) and col != "-Bound − *":
            ours += f" ({seeds.group(1)})"
        cells.setdefault((row, "paper"), {})[col] = paper
        cells.setdefault((row, "ours"), {})[col] = ours
    grid = pd.DataFrame(cells).T
    if grid.empty:
        return grid
    grid = grid[[c for c in GRID_COLUMNS if c in grid.columns]].fillna("")
    grid.index = pd.MultiIndex.from_tuples(grid.index, names=["pruner", ""])
    return grid


def coverage_line(rows: pd.DataFrame, iclr: pd.DataFrame) -> str:
    """How many of the paper's numbers have ours beside them: ``rows`` the
    ICML rows (:func:`loss_rows` and :func:`table3_rows` together), ``iclr``
    :func:`iclr_table4_rows`."""
    ours, theirs = rows["reproduced"].notna().sum(), iclr["reproduced"].notna().sum()
    return f"Ours beside {ours} of the paper's {len(rows)} numbers; ICLR Table 4: {theirs} of {len(iclr)}."


def missing_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """The numbers without ours, per network and the first code of their
    explanation (``not_run…``: runs not stored; others: :data:`REASONS`)."""
    missing = rows[rows["reproduced"].isna()]
    network = missing["quantity"].str.split().str[0].rename("network")
    first_code = missing["reason"].str.split("+").str[0].rename("why")
    return missing.groupby([network, first_code]).size().rename("missing numbers").to_frame()
