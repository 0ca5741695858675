"""The paper's claims, decided from the stored runs by rules fixed in advance.

Each claim has a rule (:data:`RULES`, printed with the verdict), a function
that applies it to stored runs and returns a :class:`Verdict` — one of
:data:`VERDICTS`, the numbers behind it and a reason code — and one place
that turns the numbers into a sentence (:func:`sentence`). Nothing here is
typed in by hand: a verdict changes when the stored runs change.

Regimes are decided per round over the seeds, as in appendix A.5: a layer
has lost the Ramanujan property at a round when the one-sided t-test of
``H0: max(ΔS, ΔR) >= 0`` is rejected (the *t-test rule*), or when the mean of
``max(ΔS, ΔR)`` is no longer positive (the *mean rule*, chapter 3's shading).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ramanujan_lth import labels
from ramanujan_lth.catalog import DATASETS, DEFAULTS, is_subset_run
from ramanujan_lth.evidence import plans, predict, results
from ramanujan_lth.labels import QUANTITY_NAMES, regime_of
from ramanujan_lth.maths import stats
from ramanujan_lth.storage.params import load_run

__all__ = [
    "VERDICTS",
    "CONTROL_VERDICTS",
    "VERDICT_KINDS",
    "CLAIMS",
    "CLAIMS_SHORT",
    "RULES",
    "CONTROL_RULES",
    "TOLERANCES",
    "Verdict",
    "regimes",
    "regime_rules",
    "stored_controls",
    "lth_tables",
    "claim_coupling",
    "claim_falls",
    "claim_bound",
    "claim_tolerance",
    "claim_predictive",
    "verdicts",
    "sentence",
    "evidence_table",
    "scope",
]

#: verdicts along the pruning path (what the paper measured)
VERDICTS = ("reproduced", "partly", "not reproduced", "not tested yet")
#: verdicts against controls at matched density (claim 3 has none: "n/a")
CONTROL_VERDICTS = ("supported", "contradicted", "inconclusive", "not tested yet", "n/a")
#: the two kinds of verdict, as the pages name them
VERDICT_KINDS = {
    "path": "along the pruning path",
    "controls": "against controls",
    "methods": "across pruning methods",
}

#: A.5's tolerances of the relative accuracy drop (k in H0: drop <= k):
#: (fully Ramanujan rounds, partially Ramanujan rounds) per model
TOLERANCES = {"lenet_300_100": (0.001, 0.01), "conv4": (0.01, 0.05)}
#: the collapse the paper's non-Ramanujan regime stands for
COLLAPSE = 0.05

CLAIMS = {
    "1": "Tickets keep the Ramanujan property while their accuracy holds",
    "2": "Accuracy falls when layers lose the property (partially), most when all do (non-Ramanujan)",
    "3": "Pruning that keeps the bound (IMP-, SNIP-, SynFlow-Bound) beats the plain pruner taken to the same "
    "density (Table 3)",
    "4": "A.5: accuracy drops by at most 0.1 % (Conv4: 1 %) while every layer is Ramanujan, and by at most 1 % "
    "(Conv4: 5 %) while some are",
    "5": "Beyond the paper: a spectral quantity predicts accuracy better than the layers' densities alone",
    "6": "Later literature (Hoang et al. 2023): IMDB and NaRC rank pruning methods by accuracy; not part of the answer",
}

#: the claims in a few words (table rows, the answer's lines)
CLAIMS_SHORT = {
    "1": "tickets keep the property while accuracy holds",
    "2": "accuracy falls when layers lose it",
    "3": "-Bound beats * (Table 3)",
    "4": "A.5's tolerances",
    "5": "a spectral quantity predicts accuracy beyond density",
    "6": "IMDB / NaRC rank pruning methods (later papers)",
}

RULES = {
    "1": "On each test set, accuracy holds while A.5's test does not reject H0: drop <= k_fully (0.1 % LeNet, "
    "1 % Conv4). The claim holds on a test set when the last round where accuracy holds is within one "
    "pruning round of the last fully Ramanujan round (t-test rule). Reproduced: on every test set; partly: "
    "on some; not reproduced: on none.",
    "2": "On each test set, the mean relative drop over the fully, partially and non-Ramanujan rounds (t-test "
    "rule) must grow in that order, and accuracy must already fall in the partially Ramanujan stretch: the "
    "test rejects H0: drop <= k_fully in at least half of its rounds. Reproduced: both on every test set; "
    "partly: both on some, or the order alone; not reproduced: the order fails on every test set.",
    "3": "X-Bound minus X* (X = IMP, SNIP, SynFlow) at the X-Bound density, for each score and stored seed; "
    "ahead when the difference exceeds "
    "the noise (the larger of 1 point and the spread of the stored IMP seeds at that density). Reproduced: "
    "ahead for every score; partly: for some; not reproduced: for none.",
    "4": "A.5's test (one-sided t over seeds, 95 %) on the clean test set, as in the paper: H0: drop <= k_fully "
    "rejected in no fully Ramanujan round, H0: drop <= k_partially in no partially Ramanujan round (t-test "
    "rule). Reproduced: both; partly: one; not reproduced: neither. Noisy test sets are reported beside.",
    "5": "Held-out error (one fold per seed) of a ridge regression of clean accuracy on the layers' log densities "
    f"(polynomial degree: the smallest within {predict.DEGREE_TOLERANCE:.0%} of the best over degrees "
    f"{min(predict.DEGREES)}–{max(predict.DEGREES)}, chosen once over every network of the model), on the ticket "
    "rounds of every stored seed, with and without each quantity. A quantity supports the paper when it lowers the "
    f"error in at least {predict.MIN_FOLD_SHARE:.0%} of folds, its mean gain exceeds "
    f"{predict.MIN_STANDARD_ERRORS:g} standard errors, and its coefficients' sign is positive (more of it, higher "
    f"accuracy) in at least {predict.MIN_FOLD_SHARE:.0%} of folds. Reproduced: a quantity of the paper (Δ, share of "
    "Ramanujan layers) supports; partly: only a later one does; not reproduced: none does.",
}

#: the rule across pruning methods (the later literature's claim; :mod:`ramanujan_lth.evidence.methods` states it)
METHOD_RULES: dict = {}

#: the rules against controls (SPEC §11), on the seeds that have controls, paired by seed, α = 0.05.
#: An eligible density for a control kind: a matched density where it is fully Ramanujan in every seed.
CONTROL_RULES = {
    "1": "At each eligible density where the ticket is not fully Ramanujan (t-test rule), a paired one-sided "
    "t-test of ticket − control (clean). Per control kind: contradicted when the ticket is significantly better "
    "at more than half of those densities, supported when the control is, inconclusive otherwise or with fewer "
    "than two such densities. Both kinds: contradicted when either contradicts and neither supports; supported "
    "when both support (or one does and the other has no eligible density).",
    "2": "Over every matched (seed, density) and every pair of ticket, random and biregular masks whose shares "
    "of Ramanujan layers differ, a two-sided sign test of 'the mask with the larger share has the higher "
    "accuracy' (clean, ties dropped): supported when significantly more pairs agree, contradicted when "
    "significantly more disagree, inconclusive otherwise.",
    "3": "Not a question for controls: Table 3 compares pruners with each other.",
    "4": "At each eligible density, A.5's one-sided test of H0: drop <= k_fully (0.1 % LeNet, 1 % Conv4) on the "
    "control's clean accuracy against its seed's dense network, Holm-corrected across densities. Per kind: "
    "contradicted when it rejects at any density, supported when at none, inconclusive with fewer than two "
    "eligible densities; kinds combined as in claim 1.",
    "5": "The fit of claim 5 (same degree) among controls only (beyond density) and over all networks of those "
    "seeds with the kind of mask in the baseline. Supported when a quantity of the paper (Δ, share) supports in "
    "both populations and none contradicts (adds information with a negative sign in at least "
    f"{predict.MIN_FOLD_SHARE:.0%} of folds); contradicted when one contradicts in either and none supports; "
    "inconclusive otherwise.",
}


@dataclass
class Verdict:
    claim: str
    model: str
    verdict: str
    reason: str  # a code: what decided it (see sentence())
    numbers: dict = field(default_factory=dict)
    kind: str = "path"  # "path" (along the pruning path) or "controls" (against controls)

    def row(self) -> dict:
        return {
            "claim": self.claim,
            "statement": CLAIMS[self.claim],
            "short": CLAIMS_SHORT[self.claim],
            "model": self.model,
            "kind": self.kind,
            "verdict": self.verdict,
            "evidence": sentence(self),
            "rule": {"path": RULES, "controls": CONTROL_RULES, "methods": METHOD_RULES}[self.kind][self.claim],
            "evidence_table": evidence_table(self),
            "scope": scope(self),
        }


# ------------------------------------------------------------------ stored runs
def stored_controls(tickets: list, stored_root) -> list:
    """The stored control runs of the ``tickets`` (any round, any kind)."""
    names = {t.folder.name for t in tickets}
    out = []
    for meta in sorted(Path(stored_root).glob("*-control-*/params.json")):
        res = load_run(meta.parent)
        if res.complete and res.params.control_ticket in names:
            out.append(res)
    return out


def regimes(spec: pd.DataFrame, layers, rule: str = "t-test") -> pd.DataFrame:
    """Per round: overall density and regime (``fully``, ``partially``, ``non``)
    by the t-test rule (A.5) or the mean rule (chapter 3)."""
    if rule == "mean":
        reg = results.regime_table(spec, layers)
        return reg[["round", "density", "regime"]]
    tests = stats.delta_tests(spec, layers)
    rows = []
    for rnd, g in tests.groupby("round"):
        lost = int(g["rejected"].sum())
        rows.append(
            {
                "round": rnd,
                "density": g["overall_density"].mean(),
                "regime": regime_of(len(g) - lost, len(g)),
            }
        )
    return pd.DataFrame(rows).sort_values("round").reset_index(drop=True)


def regime_rules(spec: pd.DataFrame, layers) -> pd.DataFrame:
    """:func:`regimes` by both rules, one frame: the t-test's rows (``rule`` ``"t-test (A.5)"``),
    then the mean rule's (``rule`` ``"mean Δ > 0 (chapter 3)"``)."""
    return pd.concat(
        [
            regimes(spec, layers, "t-test").assign(rule="t-test (A.5)"),
            regimes(spec, layers, "mean").assign(rule="mean Δ > 0 (chapter 3)"),
        ],
        ignore_index=True,
    )


def _last_of_first_stretch(flags: pd.Series):
    """The last index of the leading run of True values (None if the first is False)."""
    last = None
    for idx, ok in flags.items():
        if not ok:
            break
        last = idx
    return last


def _test_sets(acc: pd.DataFrame) -> list[float]:
    return sorted(acc["sigma"].unique())


def _set_name(sigma: float) -> str:
    return "clean" if sigma == 0 else f"σ={sigma:g}"


def _drop_tests(acc, k, sigma):
    return stats.accuracy_drop_tests(acc, ks=[k], sigma=sigma).set_index("round")


def _lth_tables(model: str, stored_root):
    lth, profile = plans.stored_lth(model, stored_root)
    return lth_tables(model, lth, profile)


def lth_tables(model: str, lth: list, profile: str = "", layers=None) -> dict | None:
    """What claims 1, 2 and 4 read from regime runs (``lth``): accuracies,
    spectra and the regimes of each round; with one run only the run (a test
    over seeds needs two), with none None."""
    if not lth:
        return None
    data = data_words(lth, profile)
    if len(lth) < 2:
        return {"runs": lth, "data": data}
    layers = list(layers or plans.STUDIED_LAYERS[model])
    spec = results.spectral_table(lth)
    return {
        "runs": lth,
        "data": data,
        "acc": results.accuracy_table(lth),
        "spec": spec,
        "layers": layers,
        "regimes": regimes(spec, layers),
        "mean_regimes": regimes(spec, layers, "mean"),
    }


def data_words(lth: list, profile: str = "") -> str:
    """What regime runs are, as SPEC §12 names them: the paper's hyper-parameters on N of M
    training images, the subset profile, or a quick pipeline check."""
    if not lth:
        return ""
    p, d = lth[0].params.resolved(), lth[0].data
    spec = DATASETS[p.dataset]
    n = d.get("n_train", 0)
    images = f"{n:,} of {spec.n_train:,} training images" if n else "the training images present"
    if profile == "subset" or is_subset_run(p):
        return f"subset profile: {p.iterations:,} iterations a round on {images}, bfloat16"
    if profile == "quick" or p.iterations < DEFAULTS[p.model]["iterations"]:
        return f"quick profile ({p.iterations:,} iterations a round): a pipeline check"
    return f"the paper's hyper-parameters on {images}" if n and n < spec.n_train else "the paper's hyper-parameters"


def _untested(claim: str, model: str, why: str) -> Verdict:
    return Verdict(claim, model, "not tested yet", why)


def _too_few(claim: str, model: str, t) -> Verdict | None:
    """The verdict of a claim over regime runs ``t`` (:func:`lth_tables`) that
    has too few runs to test, else None."""
    if t is None:
        return _untested(claim, model, "no_runs")
    if len(t["runs"]) < 2:
        return Verdict(claim, model, "not tested yet", "one_run", {"runs": 1, "data": t["data"]})
    return None


def _overall(n_ok: int, n: int) -> str:
    return "reproduced" if n_ok == n else "partly" if n_ok else "not reproduced"


# ------------------------------------------------------------------ claims 1, 2, 4
def claim_coupling(model: str, stored_root, t=None) -> Verdict:
    """Claim 1: accuracy holds exactly as long as the network is fully Ramanujan."""
    t = _lth_tables(model, stored_root) if t is None and stored_root is not None else t
    if (few := _too_few("1", model, t)) is not None:
        return few
    k_full = TOLERANCES[model][0]
    reg = t["regimes"].set_index("round")
    full_end = _last_of_first_stretch(reg["regime"] == "fully")
    per_set = {}
    for sigma in _test_sets(t["acc"]):
        holds = ~_drop_tests(t["acc"], k_full, sigma)["rejected"]
        hold_end = _last_of_first_stretch(holds)
        ok = full_end is not None and hold_end is not None and abs(hold_end - full_end) <= 1
        per_set[_set_name(sigma)] = {"hold_end": hold_end, "hold_density": _density(reg, hold_end), "ok": ok}
    n_ok = sum(v["ok"] for v in per_set.values())
    return Verdict(
        "1",
        model,
        _overall(n_ok, len(per_set)),
        "coupling",
        {
            "k": k_full,
            "full_end": full_end,
            "full_density": _density(reg, full_end),
            "full_rounds": int((reg["regime"] == "fully").sum()),
            "sets": per_set,
            "runs": len(t["runs"]),
            "data": t["data"],
        },
    )


def _density(reg: pd.DataFrame, rnd) -> float:
    return float(reg.loc[rnd, "density"]) if rnd is not None and rnd in reg.index else math.nan


def _regime_drops(acc: pd.DataFrame, reg: pd.DataFrame, sigma: float) -> dict:
    a = acc[acc["sigma"] == sigma]
    base = a[a["round"] == 0].set_index("seed")["accuracy"]
    a = a.assign(drop=(a["seed"].map(base) - a["accuracy"]) / a["seed"].map(base))
    a = a.merge(reg[["round", "regime"]], on="round")
    return {
        g: float(a.loc[a["regime"] == g, "drop"].mean())
        for g in ("fully", "partially", "non")
        if (a["regime"] == g).any()
    }


def claim_falls(model: str, stored_root, t=None) -> Verdict:
    """Claim 2: the accuracy drop grows fully < partially < non, and accuracy
    already falls in the partially Ramanujan stretch."""
    t = _lth_tables(model, stored_root) if t is None and stored_root is not None else t
    if (few := _too_few("2", model, t)) is not None:
        return few
    k_full = TOLERANCES[model][0]
    reg = t["regimes"]
    partial = reg.loc[reg["regime"] == "partially", "round"]
    per_set, scores = {}, []
    for sigma in _test_sets(t["acc"]):
        drops = _regime_drops(t["acc"], reg, sigma)
        mean_drops = _regime_drops(t["acc"], t["mean_regimes"], sigma)
        order = [drops[g] for g in ("fully", "partially", "non") if g in drops]
        ordered = len(order) >= 2 and all(a < b for a, b in zip(order, order[1:]))
        rej = _drop_tests(t["acc"], k_full, sigma)["rejected"]
        falling = float(rej.reindex(partial).mean()) if len(partial) else math.nan
        falls = bool(falling >= 0.5)
        curve = t["acc"][t["acc"]["sigma"] == sigma].groupby("round")["accuracy"].mean()
        per_set[_set_name(sigma)] = {
            "drops": drops,
            "first": float(curve.iloc[0]),
            "last": float(curve.iloc[-1]),
            "rises": bool(curve.iloc[-1] > curve.iloc[0]),
            "mean_rule_drops": mean_drops,
            "ordered": ordered,
            "falling_share": falling,
            "falls": falls,
        }
        scores.append(2 if ordered and falls else 1 if ordered else 0)
    verdict = (
        "reproduced" if all(s == 2 for s in scores) else "not reproduced" if all(s == 0 for s in scores) else "partly"
    )
    return Verdict(
        "2",
        model,
        verdict,
        "regime_drops",
        {
            "k": k_full,
            "sets": per_set,
            "non_reached": bool((reg["regime"] == "non").any()),
            "partial_rounds": len(partial),
            "regime_rounds": {g: int((reg["regime"] == g).sum()) for g in ("fully", "partially", "non")},
            "runs": len(t["runs"]),
            "data": t["data"],
        },
    )


def claim_tolerance(model: str, stored_root, t=None) -> Verdict:
    """Claim 4 (A.5): drop <= k_fully in fully and <= k_partially in partially Ramanujan rounds."""
    t = _lth_tables(model, stored_root) if t is None and stored_root is not None else t
    if (few := _too_few("4", model, t)) is not None:
        return few
    k_full, k_part = TOLERANCES[model]
    reg = t["regimes"].set_index("round")
    per_set = {}
    for sigma in _test_sets(t["acc"]):
        out = {}
        for regime, k in (("fully", k_full), ("partially", k_part)):
            rounds = reg.index[reg["regime"] == regime]
            rej = _drop_tests(t["acc"], k, sigma)["rejected"].reindex(rounds)
            out[regime] = {
                "k": k,
                "rounds": len(rounds),
                "rejected": int(rej.sum()),
                "first_rejected_density": _density(reg, rej[rej].index[0]) if rej.any() else math.nan,
            }
        per_set[_set_name(sigma)] = out
    clean = per_set["clean"]
    n_ok = sum(clean[g]["rejected"] == 0 for g in ("fully", "partially"))
    return Verdict(
        "4", model, _overall(n_ok, 2), "tolerance", {"sets": per_set, "runs": len(t["runs"]), "data": t["data"]}
    )


# ------------------------------------------------------------------ claim 3
def claim_bound(model: str, stored_root) -> Verdict:
    """Claim 3: -Bound ahead of ``*`` at the -Bound density, per score."""
    lth, _ = plans.stored_lth(model, stored_root)
    base = plans.comparison_base(model, plans.stored_profile(model, stored_root))
    per_score = {}
    for score, key in labels.SCORE_PAPER_KEYS.items():
        pairs = plans.bound_star_pairs(score, base, stored_root)
        if not pairs:
            continue
        diffs = []
        for seed, bound, star in pairs:
            density = bound.records[-1]["density"]
            diffs.append(
                {
                    "seed": seed,
                    "density": density,
                    "diff": 100 * (bound.records[-1]["accuracy"] - star.records[-1]["accuracy"]),
                    "noise": _noise(density, lth),
                }
            )
        mean = float(np.mean([d["diff"] for d in diffs]))
        noise = max(d["noise"] for d in diffs)
        per_score[key] = {
            "pairs": diffs,
            "mean": mean,
            "noise": noise,
            "call": "ahead" if mean > noise else "behind" if mean < -noise else "within noise",
        }
    if not per_score:
        return _untested("3", model, "no_pairs")
    n_ok = sum(v["call"] == "ahead" for v in per_score.values())
    return Verdict("3", model, _overall(n_ok, len(per_score)), "bound_gain", {"scores": per_score})


def _noise(density: float, lth: list) -> float:
    """The larger of 1 point and the spread (points) of the regime runs' accuracy at their round nearest ``density``."""
    if len(lth) < 2:
        return 1.0
    near = [min(r.records, key=lambda rec: abs(math.log(rec["density"] / density))) for r in lth]
    accs = [100 * rec["accuracy"] for rec in near]
    return max(1.0, max(accs) - min(accs))


# ------------------------------------------------------------------ claim 5
def predictive_data(model: str, stored_root) -> tuple[pd.DataFrame, list]:
    """Every stored network of ``model`` (each round of every stored ticket seed, and the controls)
    and the studied layers: the table of claim 5."""
    lth, _ = plans.stored_lth(model, stored_root)
    layers = plans.STUDIED_LAYERS[model]
    if not lth:
        return pd.DataFrame(), layers
    return predict.network_table(lth, stored_controls(lth, stored_root), layers), layers


def claim_predictive(model: str, stored_root, table=None, degree: int | None = None) -> Verdict:
    """Claim 5 along the pruning path: does a spectral quantity predict the tickets' accuracy beyond
    density, with the paper's sign? ``table``: (network table, layers), else the stored runs; the
    fit reads its ticket rounds; ``degree`` of the density model: else chosen over the whole table."""
    df, layers = table if table is not None else predictive_data(model, stored_root)
    if df.empty:
        return _untested("5", model, "no_runs")
    tickets = df[df["kind"] == "ticket"]
    if tickets["seed"].nunique() < 3:
        return _untested("5", model, "few_seeds")
    if degree is None:
        degree = predict.degree_for(df, layers)
    res = predict.predictive_test(predict.fold_gains(tickets, layers, degree=degree))
    supports = res[res["supports"]]
    verdict = "reproduced" if (supports["source"] == "paper").any() else "partly" if len(supports) else "not reproduced"
    return Verdict(
        "5",
        model,
        verdict,
        "predictive",
        {
            "networks": int(len(tickets)),
            "seeds": int(tickets["seed"].nunique()),
            "degree": degree,
            "rmse_density": float(res["rmse_density"].dropna().iloc[0])
            if res["rmse_density"].notna().any()
            else math.nan,
            "quantities": res.set_index("quantity")[
                [
                    "gain",
                    "gain_se",
                    "folds_improved",
                    "positive_share",
                    "adds_information",
                    "supports",
                    "contradicts",
                    "networks",
                ]
            ].to_dict("index"),
        },
    )


# ------------------------------------------------------------------ all of them
def verdicts(stored_root, models=("lenet_300_100", "conv4")) -> list[Verdict]:
    """The verdicts along the pruning path of claims 1 to 5, per model (the controls verdicts:
    :mod:`ramanujan_lth.evidence.against_controls`; both, and the answer: :mod:`ramanujan_lth.evidence.answer`)."""
    out = []
    for model in models:
        t = _lth_tables(model, stored_root)
        out += [
            claim_coupling(model, stored_root, t),
            claim_falls(model, stored_root, t),
            claim_bound(model, stored_root),
            claim_tolerance(model, stored_root, t),
            claim_predictive(model, stored_root),
        ]
    return sorted(out, key=lambda v: (v.claim, models.index(v.model)))


# ------------------------------------------------------------------ words
def _pct(x: float) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{100 * x:.3g} %"


def _sets_where(sets: dict, key: str, want=True) -> str:
    names = [n for n, v in sets.items() if bool(v[key]) == want]
    return ", ".join(names) if names else "none"


def points(x: float) -> str:
    """A difference in points, signed, two decimals (never "-0.00")."""
    return "—" if x is None or not np.isfinite(x) else f"{x:+.2f}".replace("-0.00", "+0.00")


def _rounds(n: int) -> str:
    return f"{n} round" if n == 1 else f"{n} rounds"


def _seeds(seeds) -> str:
    seeds = list(seeds)
    if not seeds:
        return "no seeds"
    if len(seeds) == 1:
        return f"seed {seeds[0]}"
    run = seeds == list(range(seeds[0], seeds[0] + len(seeds)))
    return f"seeds {seeds[0]}–{seeds[-1]}" if run and len(seeds) > 2 else "seeds " + ", ".join(map(str, seeds))


_PLAIN = {
    "no_runs": "no stored runs of this model yet",
    "few_seeds": "fewer than three seeds stored: no seed can be held out against two others",
    "no_pairs": "no stored -Bound and * pair yet",
    "no_controls": "no controls of this model stored yet",
    "few_control_seeds": "controls of fewer than three seeds stored: no seed can be held out against two others",
    "not_a_controls_claim": "Table 3 compares pruners with each other; controls do not enter",
    "few_densities": "IMDB and NaRC not both ranked at two matched densities or more yet (a density needs "
    "two seeds, five kinds of mask with the measure, and accuracies that do not all tie)",
    "no_oneshot": "no one-shot runs of this model stored yet",
}


def sentence(v: Verdict) -> str:
    """The numbers behind a verdict, in words (the only place they are worded)."""
    n = v.numbers
    if v.reason in _PLAIN:
        return _PLAIN[v.reason]
    if v.reason == "one_run":
        data = f" ({n['data']})" if n.get("data") else ""
        return f"one run{data}: the tests over seeds need two or more"
    if v.reason.startswith("controls_"):
        return _controls_sentence(v)
    if v.reason == "ranking":
        return _ranking_sentence(v)
    runs = f"{n.get('runs', 0)} runs" + (f", {n['data']}" if n.get("data") else "")
    if v.reason == "coupling":
        holds = "; ".join(f"{name} to {_pct(s['hold_density'])}" for name, s in n["sets"].items())
        return (
            f"fully Ramanujan down to {_pct(n['full_density'])} density ({_rounds(n.get('full_rounds', 0))}); "
            f"accuracy within {100 * n['k']:g} % of dense down to: {holds}; the two agree (within a round) on: "
            f"{_sets_where(n['sets'], 'ok')} — {runs}"
        )
    if v.reason == "regime_drops":
        parts = []
        for name, s in n["sets"].items():
            d = ", ".join(f"{g} {100 * x:.2f} %" for g, x in s["drops"].items())
            share = "—" if not np.isfinite(s["falling_share"]) else f"{s['falling_share']:.0%}"
            rises = f"; accuracy rises with pruning ({_pct(s['first'])} → {_pct(s['last'])})" if s.get("rises") else ""
            parts.append(f"{name}: mean drop {d}; beyond {100 * n['k']:g} % in {share} of partial rounds{rises}")
        counts = n.get("regime_rounds", {})
        single = [g for g, c in counts.items() if c == 1]
        tail = "" if n["non_reached"] else "; the non-Ramanujan regime is never reached"
        tail += "; regimes span " + ", ".join(f"{g} {_rounds(c)}" for g, c in counts.items() if c) if counts else ""
        tail += f" ({' and '.join(single)}: a single round)" if single else ""
        return "; ".join(parts) + tail + f" — {runs}"
    if v.reason == "tolerance":
        parts = []
        for name, s in n["sets"].items():
            parts.append(
                f"{name}: "
                + ", ".join(
                    f"{g} rounds beyond k = {s[g]['k']:g} in {s[g]['rejected']} of {s[g]['rounds']}"
                    + (f" (from {_pct(s[g]['first_rejected_density'])})" if s[g]["rejected"] else "")
                    for g in ("fully", "partially")
                )
            )
        return "; ".join(parts) + f" — {runs}"
    if v.reason == "bound_gain":
        parts = []
        for key, s in n["scores"].items():
            label = {v: labels.SCORE_LABELS[k] for k, v in labels.SCORE_PAPER_KEYS.items()}[key]
            each = ", ".join(f"seed {p['seed']} {p['diff']:+.2f} at {_pct(p['density'])}" for p in s["pairs"])
            seeds = len(s["pairs"])
            parts.append(
                f"{label}: {s['mean']:+.2f} points ({s['call']}, noise ±{s['noise']:.1f}; "
                f"{seeds} seed{'s' if seeds > 1 else ''}: {each})"
            )
        return "; ".join(parts)
    if v.reason == "predictive":
        return (
            f"ticket rounds only: held-out error from densities alone (degree {n['degree']}) "
            f"{n['rmse_density']:.3f} points over {n['networks']} networks ({n['seeds']} seeds); "
            + _quantities_words(n["quantities"])
        )
    raise ValueError(f"unknown verdict reason {v.reason!r}")


def _quantities_words(q: dict) -> str:
    """Gain, folds improved and sign of each quantity, and which support or contradict the paper."""
    parts = [
        f"{name} {d['gain']:+.3f} ± {d['gain_se']:.3f} points (better in {d['folds_improved']:.0%} of folds, "
        f"positive sign in {d['positive_share']:.0%})"
        for name, d in q.items()
        if np.isfinite(d["gain"])
    ]
    untested = [name for name, d in q.items() if not np.isfinite(d["gain"])]
    supports = [name for name, d in q.items() if d["supports"]]
    contradicts = [name for name, d in q.items() if d["contradicts"]]
    return (
        "gain per quantity: "
        + "; ".join(parts)
        + (f"; not measured on enough seeds: {', '.join(untested)}" if untested else "")
        + f"; with the paper's sign: {', '.join(supports) or 'none'}"
        + f"; with the opposite sign: {', '.join(contradicts) or 'none'}"
    )


def scope(v: Verdict) -> str:
    """Which runs a verdict reads, in a few words (its seeds, and for the path its data)."""
    n = v.numbers
    if v.kind == "controls":
        return f"{_seeds(n['seeds'])} (the seeds with controls)" if n.get("seeds") is not None else ""
    if v.reason == "bound_gain":
        seeds = sorted({p["seed"] for s in n["scores"].values() for p in s["pairs"]})
        return _seeds(seeds)
    if v.reason == "predictive":
        return f"ticket rounds of {n['seeds']} seeds"
    if v.reason == "ranking":
        return f"{_seeds(n['seeds'])}, {len(n['densities'])} matched densities, {len(n['kinds'])} kinds of mask"
    if "runs" in n:
        return f"{n['runs']} seeds, {n['data']}" if n.get("data") else f"{n['runs']} seeds"
    return ""


def _ranking_sentence(v: Verdict) -> str:
    parts = [
        f"{QUANTITY_NAMES.get(r['quantity'], r['quantity'])}: mean ρ {r['mean rho']:+.2f}, ρ > 0 in "
        f"{r['rho > 0']:.0%} of {r['cells']} cells ({r['call']}"
        + (f"; without {r['without']}" if r.get("without", "–") != "–" else "")
        + ")"
        for r in v.numbers["summary"]
    ]
    return "; ".join(parts)


def _controls_sentence(v: Verdict) -> str:
    n = v.numbers
    seeds = _seeds(n.get("seeds", []))
    if v.reason == "controls_coupling":
        t = n["table"]
        parts = []
        for kind, k in n["kinds"].items():
            clean = t[(t["kind"] == kind) & (t["test set"] == "clean")] if len(t) else t
            diffs = (
                f", ticket − control {points(clean['ticket − control'].min())} to "
                f"{points(clean['ticket − control'].max())} points"
                if len(clean)
                else ""
            )
            parts.append(
                f"{kind}: {k['verdict']} — fully Ramanujan in every seed at {k['eligible']} matched densities, "
                f"{k['tested']} of them where the ticket is not{diffs}; ticket significantly better at "
                f"{k['ticket']}, control at {k['control']}"
            )
        return "; ".join(parts) + f" — {seeds}"
    if v.reason == "controls_share_order":
        parts = [
            f"{name}: {s['agree']} of {s['pairs']} pairs agree (p = {s['p']:.2g})" for name, s in n["sets"].items()
        ]
        return "the mask with more Ramanujan layers is more accurate in: " + "; ".join(parts) + f" — {seeds}"
    if v.reason == "controls_tolerance":
        t = n["table"]
        parts = []
        for kind, k in n["kinds"].items():
            clean = t[(t["kind"] == kind) & (t["test set"] == "clean")] if len(t) else t
            drops = ", ".join(f"{100 * r['mean drop']:.2f} % at {_pct(r['density'])}" for _, r in clean.iterrows())
            parts.append(
                f"{kind}: {k['verdict']} — fully Ramanujan in every seed at {k['eligible']} matched densities, "
                f"drop beyond {100 * n['k']:g} % at {k['rejected']} (Holm)" + (f"; mean drop {drops}" if drops else "")
            )
        return "; ".join(parts) + f" — {seeds}"
    if v.reason == "controls_predictive":
        parts = []
        for name, t in n["populations"].items():
            paper = t[t["source"] == "paper"]
            each = ", ".join(
                f"{r.quantity} {r.gain:+.3f} ± {r.gain_se:.3f} (sign + in {r.positive_share:.0%})"
                for r in paper.itertuples()
                if np.isfinite(r.gain)
            )
            sup = ", ".join(t.loc[t["supports"], "quantity"]) or "none"
            con = ", ".join(t.loc[t["contradicts"], "quantity"]) or "none"
            parts.append(f"{name}: {each}; paper's sign: {sup}; opposite sign: {con}")
        return f"degree {n['degree']}, {n['networks']} networks; " + "; ".join(parts) + f" — {seeds}"
    raise ValueError(f"unknown verdict reason {v.reason!r}")


# ------------------------------------------------------------------ evidence as tables
def evidence_table(v: Verdict) -> pd.DataFrame:
    """The numbers behind a verdict as a small table (test sets, scores, densities or quantities as
    rows); empty when the verdict rests on no numbers."""
    n = v.numbers
    if v.reason == "coupling":
        rows = {
            name: {
                "accuracy holds down to": _pct(s["hold_density"]),
                f"within a round of the fully Ramanujan end ({_pct(n['full_density'])})": "yes" if s["ok"] else "no",
            }
            for name, s in n["sets"].items()
        }
        return pd.DataFrame(rows).T
    if v.reason == "regime_drops":
        rows = {}
        for name, s in n["sets"].items():
            row = {f"mean drop, {g}": f"{100 * x:.2f} %" for g, x in s["drops"].items()}
            share = s["falling_share"]
            row[f"partial rounds beyond {100 * n['k']:g} %"] = "—" if not np.isfinite(share) else f"{share:.0%}"
            row["dense → last round"] = f"{_pct(s['first'])} → {_pct(s['last'])}"
            rows[name] = row
        return pd.DataFrame(rows).T
    if v.reason == "tolerance":
        rows = {
            name: {
                f"{g} rounds beyond k = {s[g]['k']:g}": f"{s[g]['rejected']} of {s[g]['rounds']}"
                for g in ("fully", "partially")
            }
            for name, s in n["sets"].items()
        }
        return pd.DataFrame(rows).T
    if v.reason == "bound_gain":
        names = {key: labels.SCORE_LABELS[k] for k, key in labels.SCORE_PAPER_KEYS.items()}
        rows = {
            names[key]: {
                "-Bound − * (points)": f"{s['mean']:+.2f}",
                "noise (points)": f"±{s['noise']:.1f}",
                "seeds": len(s["pairs"]),
                "density": ", ".join(_pct(p["density"]) for p in s["pairs"]),
                "call": s["call"],
            }
            for key, s in n["scores"].items()
        }
        return pd.DataFrame(rows).T
    if v.reason == "predictive":
        return _quantity_rows(n["quantities"])
    if v.reason == "ranking":
        t = pd.DataFrame(n["summary"]).set_index("quantity")
        t.index = [QUANTITY_NAMES.get(q, q) for q in t.index]
        return t.assign(
            **{"mean rho": t["mean rho"].map("{:+.2f}".format), "rho > 0": t["rho > 0"].map("{:.0%}".format)}
        )[["mean rho", "rho > 0", "densities", "cells", "kinds", "without", "call"]]
    if v.reason == "controls_coupling":
        t = n["table"]
        if t.empty:
            return pd.DataFrame()
        t = t.assign(
            cell=[f"{points(d)} ({k}/{s})" for d, k, s in zip(t["ticket − control"], t["ticket better in"], t["seeds"])]
        )
        t = t.assign(density=[_pct(d) for d in t["density"]])
        out = t.pivot_table(index=["kind", "density"], columns="test set", values="cell", aggfunc="first", sort=False)
        return out.fillna("—")
    if v.reason == "controls_share_order":
        return pd.DataFrame(
            {
                name: {"pairs": s["pairs"], "larger share more accurate": s["agree"], "p": f"{s['p']:.2g}"}
                for name, s in n["sets"].items()
            }
        ).T
    if v.reason == "controls_tolerance":
        t = n["table"]
        if t.empty:
            return pd.DataFrame()
        t = t.assign(cell=[f"{100 * d:.2f} %" + (" ▲" if b else "") for d, b in zip(t["mean drop"], t["beyond k"])])
        t = t.assign(density=[_pct(d) for d in t["density"]])
        out = t.pivot_table(index=["kind", "density"], columns="test set", values="cell", aggfunc="first", sort=False)
        return out.fillna("—")
    if v.reason == "controls_predictive":
        frames = {
            name: _quantity_rows(t.set_index("quantity").to_dict("index"))["gain (points)"]
            for name, t in n["populations"].items()
        }
        return pd.DataFrame(frames)
    return pd.DataFrame()


def _quantity_rows(q: dict) -> pd.DataFrame:
    rows = {}
    for name, d in q.items():
        if not np.isfinite(d["gain"]):
            continue
        mark = " ✓" if d["supports"] else " ✗" if d["contradicts"] else ""
        rows[name] = {
            "gain (points)": f"{d['gain']:+.3f} ± {d['gain_se']:.3f}, sign + {d['positive_share']:.0%}{mark}",
            "folds better": f"{d['folds_improved']:.0%}",
        }
    return pd.DataFrame(rows).T
