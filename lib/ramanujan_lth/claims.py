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

from . import plans, predict, results, stats
from .params import load_run
from .report import bound_star_pairs

__all__ = [
    "VERDICTS",
    "RULES",
    "TOLERANCES",
    "Verdict",
    "regimes",
    "stored_controls",
    "lth_tables",
    "claim_coupling",
    "claim_falls",
    "claim_bound",
    "claim_tolerance",
    "claim_predictive",
    "verdicts",
    "verdict_table",
    "sentence",
]

VERDICTS = ("reproduced", "partly", "not reproduced", "not tested yet")

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
    f"(powers up to {predict.DENSITY_DEGREE}), over every stored ticket round and control, with and without "
    f"each quantity; it adds information when it lowers the error in at least {predict.MIN_FOLD_SHARE:.0%} "
    f"of folds and its mean gain exceeds {predict.MIN_STANDARD_ERRORS:g} standard errors. Reproduced: a "
    "quantity of the paper (Δ, share of Ramanujan layers) adds information; partly: only a later one does; "
    "not reproduced: none does.",
}


@dataclass
class Verdict:
    claim: str
    model: str
    verdict: str
    reason: str  # a code: what decided it (see sentence())
    numbers: dict = field(default_factory=dict)

    def row(self) -> dict:
        return {
            "claim": self.claim,
            "statement": CLAIMS[self.claim],
            "model": self.model,
            "verdict": self.verdict,
            "evidence": sentence(self),
            "rule": RULES[self.claim],
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
                "regime": "non" if lost == len(g) else "partially" if lost else "fully",
            }
        )
    return pd.DataFrame(rows).sort_values("round").reset_index(drop=True)


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
    if len(lth) < 2:
        return {"runs": lth, "profile": profile}
    layers = list(layers or plans.STUDIED_LAYERS[model])
    spec = results.spectral_table(lth)
    return {
        "runs": lth,
        "profile": profile,
        "acc": results.accuracy_table(lth),
        "spec": spec,
        "layers": layers,
        "regimes": regimes(spec, layers),
        "mean_regimes": regimes(spec, layers, "mean"),
    }


def _untested(claim: str, model: str, why: str) -> Verdict:
    return Verdict(claim, model, "not tested yet", why)


def _too_few(claim: str, model: str, t) -> Verdict | None:
    """The verdict of a claim over regime runs ``t`` (:func:`lth_tables`) that
    has too few runs to test, else None."""
    if t is None:
        return _untested(claim, model, "no_runs")
    if len(t["runs"]) < 2:
        return Verdict(claim, model, "not tested yet", "one_run", {"runs": 1, "profile": t["profile"]})
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
            "sets": per_set,
            "runs": len(t["runs"]),
            "profile": t["profile"],
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
        per_set[_set_name(sigma)] = {
            "drops": drops,
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
            "runs": len(t["runs"]),
            "profile": t["profile"],
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
        "4", model, _overall(n_ok, 2), "tolerance", {"sets": per_set, "runs": len(t["runs"]), "profile": t["profile"]}
    )


# ------------------------------------------------------------------ claim 3
def claim_bound(model: str, stored_root) -> Verdict:
    """Claim 3: -Bound ahead of ``*`` at the -Bound density, per score."""
    lth, _ = plans.stored_lth(model, stored_root)
    base = plans.comparison_base(model, plans.stored_profile(model, stored_root))
    per_score = {}
    for score, key in plans.SCORE_NAMES.items():
        pairs = bound_star_pairs(score, base, stored_root)
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
    """The network table of claim 5 (stored tickets and their controls) and the studied layers."""
    lth, _ = plans.stored_lth(model, stored_root)
    layers = plans.STUDIED_LAYERS[model]
    if not lth:
        return pd.DataFrame(), layers
    return predict.network_table(lth, stored_controls(lth, stored_root), layers), layers


def claim_predictive(model: str, stored_root, table=None) -> Verdict:
    """Claim 5: does any spectral quantity add information beyond density?"""
    df, layers = table if table is not None else predictive_data(model, stored_root)
    if df.empty:
        return _untested("5", model, "no_runs")
    if df["seed"].nunique() < 3:
        return _untested("5", model, "few_seeds")
    res = predict.predictive_test(predict.fold_gains(df, layers))
    adds = res[res["adds_information"]]
    verdict = "reproduced" if (adds["source"] == "paper").any() else "partly" if len(adds) else "not reproduced"
    return Verdict(
        "5",
        model,
        verdict,
        "predictive",
        {
            "networks": int(len(df)),
            "controls": int((df["kind"] != "ticket").sum()),
            "seeds": int(df["seed"].nunique()),
            "rmse_density": float(res["rmse_density"].dropna().iloc[0])
            if res["rmse_density"].notna().any()
            else math.nan,
            "quantities": res.set_index("quantity")[
                ["gain", "gain_se", "folds_improved", "adds_information", "networks"]
            ].to_dict("index"),
        },
    )


# ------------------------------------------------------------------ all of them
def verdicts(stored_root, models=("lenet_300_100", "conv4")) -> list[Verdict]:
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


def verdict_table(stored_root, models=("lenet_300_100", "conv4")) -> pd.DataFrame:
    """One row per claim and model: the statement, the verdict, the numbers behind it (a sentence) and the rule."""
    return pd.DataFrame([v.row() for v in verdicts(stored_root, models)])


# ------------------------------------------------------------------ words
def _pct(x: float) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{100 * x:.3g} %"


def _sets_where(sets: dict, key: str, want=True) -> str:
    names = [n for n, v in sets.items() if bool(v[key]) == want]
    return ", ".join(names) if names else "none"


def sentence(v: Verdict) -> str:
    """The numbers behind a verdict, in words (the only place they are worded)."""
    n = v.numbers
    if v.reason == "no_runs":
        return "no stored runs of this model yet"
    if v.reason == "one_run":
        profile = f" ({n['profile']} profile)" if n.get("profile") else ""
        return f"one run{profile}: the tests over seeds need two or more"
    if v.reason == "few_seeds":
        return "fewer than three seeds stored: no seed can be held out against two others"
    if v.reason == "no_pairs":
        return "no stored -Bound and * pair yet"
    runs = f"{n.get('runs', 0)} runs" + (f", {n['profile']} profile" if n.get("profile") else "")
    if v.reason == "coupling":
        holds = "; ".join(f"{name} to {_pct(s['hold_density'])}" for name, s in n["sets"].items())
        return (
            f"fully Ramanujan down to {_pct(n['full_density'])} density; accuracy within "
            f"{100 * n['k']:g} % of dense down to: {holds}; the two agree (within a round) on: "
            f"{_sets_where(n['sets'], 'ok')} — {runs}"
        )
    if v.reason == "regime_drops":
        parts = []
        for name, s in n["sets"].items():
            d = ", ".join(f"{g} {100 * x:.2f} %" for g, x in s["drops"].items())
            share = "—" if not np.isfinite(s["falling_share"]) else f"{s['falling_share']:.0%}"
            parts.append(f"{name}: mean drop {d}; beyond {100 * n['k']:g} % in {share} of partial rounds")
        tail = "" if n["non_reached"] else "; the non-Ramanujan regime is never reached"
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
            label = {v: plans.SCORE_LABELS[k] for k, v in plans.SCORE_NAMES.items()}[key]
            each = ", ".join(f"seed {p['seed']} {p['diff']:+.2f} at {_pct(p['density'])}" for p in s["pairs"])
            parts.append(f"{label}: {s['mean']:+.2f} points ({s['call']}, noise ±{s['noise']:.1f}; {each})")
        return "; ".join(parts)
    if v.reason == "predictive":
        q = n["quantities"]
        parts = [
            f"{name} {d['gain']:+.3f} ± {d['gain_se']:.3f} points ({d['folds_improved']:.0%} of folds)"
            for name, d in q.items()
            if np.isfinite(d["gain"])
        ]
        untested = [name for name, d in q.items() if not np.isfinite(d["gain"])]
        adds = [name for name, d in q.items() if d["adds_information"]]
        return (
            f"held-out error from densities alone {n['rmse_density']:.3f} points over {n['networks']} networks "
            f"({n['controls']} controls, {n['seeds']} seeds); gain per quantity: "
            + "; ".join(parts)
            + (f"; not measured on enough seeds: {', '.join(untested)}" if untested else "")
            + f"; adds information: {', '.join(adds) if adds else 'none'}"
        )
    raise ValueError(f"unknown verdict reason {v.reason!r}")
