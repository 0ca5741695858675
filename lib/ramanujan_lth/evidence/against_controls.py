"""The paper's claims decided against controls at matched density (SPEC §11).

Along one pruning path a regime is a band of densities, so the path's
verdicts (:mod:`ramanujan_lth.evidence.claims`) cannot tell the Ramanujan property
from the layers' densities. Controls can: a random and a biregular mask keep
exactly a ticket's number of weights in every layer, start from the same
initialisation and train once. Each claim is asked of them:

1. at the matched densities where a control kind is fully Ramanujan in every
   seed and the ticket is not, is the ticket worse (paired, one-sided t)?
2. of two masks at the same (seed, density) whose shares of Ramanujan layers
   differ, does the one with the larger share have the higher accuracy
   (two-sided sign test)?
4. at the densities where a control kind is fully Ramanujan in every seed,
   does its accuracy stay within A.5's tolerance of the dense network (one-
   sided t, Holm-corrected over densities)?
5. does a spectral quantity predict accuracy beyond density, with the
   paper's sign, among controls and over all networks with the kind of mask
   in the baseline?

Every rule reads the seeds that have controls, paired by seed; the numbers
behind each verdict are kept in :class:`~ramanujan_lth.evidence.claims.Verdict`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from ramanujan_lth.evidence import claims, plans, predict
from ramanujan_lth.labels import regime_of
from ramanujan_lth.maths import stats
from ramanujan_lth.storage import stored_runs

__all__ = [
    "ALPHA",
    "ControlsData",
    "controls_data",
    "eligible_rounds",
    "combine_kinds",
    "claim_coupling",
    "claim_falls",
    "claim_tolerance",
    "claim_predictive",
    "verdicts",
    "coverage",
    "difference_table",
    "population_table",
]

#: the level of every test here
ALPHA = 0.05
#: the control kinds, judged separately
KINDS = ("random", "biregular")
#: the populations of claim 5 and the baseline each is fitted with
POPULATIONS = {"controls": "density", "all networks": "density and kind"}


@dataclass
class ControlsData:
    """What the controls rules read: one row per trained network of the seeds
    that have controls (their tickets' every round and the controls), the
    studied layers, the ticket's regime per round (t-test rule over those
    seeds), the density-model degree, and every network of the model
    (tickets of every stored seed too) for claim 5's path population."""

    model: str
    networks: pd.DataFrame
    layers: list
    regimes: pd.DataFrame
    degree: int
    every_network: pd.DataFrame

    @property
    def seeds(self) -> list[int]:
        return sorted(self.networks.loc[self.networks["kind"] != "ticket", "seed"].unique())

    @property
    def rounds(self) -> list[int]:
        """The ticket rounds that have controls (the matched densities)."""
        return sorted(self.networks.loc[self.networks["kind"] != "ticket", "round"].unique())

    def density(self, rnd: int) -> float:
        n = self.networks
        return float(n.loc[(n["round"] == rnd) & (n["kind"] == "ticket"), "density"].mean())

    def kind_at(self, kind: str, rnd: int) -> pd.DataFrame:
        n = self.networks
        return n[(n["kind"] == kind) & (n["round"] == rnd)].set_index("seed").sort_index()


def from_networks(model: str, every_network: pd.DataFrame, layers, degree: int | None = None) -> ControlsData:
    """:class:`ControlsData` from a network table (:func:`ramanujan_lth.evidence.predict.network_table`) of tickets
    and controls; ``degree`` chosen by :func:`ramanujan_lth.evidence.predict.choose_degree` over all of it when None."""
    layers = list(layers)
    if degree is None:
        degree = predict.degree_for(every_network, layers)
    with_controls = every_network.loc[every_network["kind"] != "ticket", "seed"].unique()
    networks = every_network[every_network["seed"].isin(with_controls)].reset_index(drop=True)
    return ControlsData(model, networks, layers, _ticket_regimes(networks, layers), degree, every_network)


def _ticket_regimes(networks: pd.DataFrame, layers) -> pd.DataFrame:
    """Per ticket round: the regime by the t-test rule over the seeds in ``networks``."""
    t = networks[networks["kind"] == "ticket"]
    if t.empty:
        return pd.DataFrame(columns=["round", "density", "regime"])
    rows = []
    for rnd, g in t.groupby("round"):
        lost = sum(stats.one_sided_t(g[f"delta_{layer}"], 0.0, "less", ALPHA)["rejected"] for layer in layers)
        rows.append(
            {"round": rnd, "density": g["density"].mean(), "regime": regime_of(len(layers) - lost, len(layers))}
        )
    return pd.DataFrame(rows)


def controls_data(model: str, stored_root) -> ControlsData | None:
    """The stored tickets and controls of ``model`` (None when no control is stored)."""
    every, layers = claims.predictive_data(model, stored_root)
    if every.empty or not (every["kind"] != "ticket").any():
        return None
    return from_networks(model, every, layers)


# ------------------------------------------------------------------ shared pieces
def _test_sets(networks: pd.DataFrame) -> list[str]:
    return [c for c in networks.columns if c == "accuracy" or c.startswith("accuracy_")]


def _set_name(col: str) -> str:
    return "clean" if col == "accuracy" else f"σ={col.split('_', 1)[1]}"


def eligible_rounds(data: ControlsData, kind: str) -> list[int]:
    """The matched rounds where the ``kind`` control is fully Ramanujan (every studied layer
    ``max(ΔS, ΔR) > 0``) in every seed that has it there (two seeds at least)."""
    out = []
    for rnd in data.rounds:
        c = data.kind_at(kind, rnd)
        if len(c) >= 2 and bool((c["share"] == 1.0).all()):
            out.append(int(rnd))
    return out


def _paired(data: ControlsData, kind: str, rnd: int, col: str) -> np.ndarray:
    """Ticket minus ``kind`` control at round ``rnd`` (points), per seed with both."""
    t = data.kind_at("ticket", rnd)[col]
    c = data.kind_at(kind, rnd)[col]
    both = t.index.intersection(c.index)
    return (t.loc[both] - c.loc[both]).to_numpy(float)


def _one_sided_p(x: np.ndarray, alternative: str) -> float:
    if len(x) < 2 or np.std(x, ddof=1) == 0:
        return math.nan
    return float(sps.ttest_1samp(x, 0.0, alternative=alternative).pvalue)


def combine_kinds(per_kind: dict) -> str:
    """A claim's controls verdict from each kind's (``verdict``, ``eligible``: how many
    eligible densities it had): contradicted when either kind contradicts and neither
    supports; supported when both support, or one does and the other had no eligible
    density; inconclusive otherwise."""
    calls = {k: v["verdict"] for k, v in per_kind.items()}
    supported = [k for k, c in calls.items() if c == "supported"]
    contradicted = [k for k, c in calls.items() if c == "contradicted"]
    if supported and all(calls[k] == "supported" or per_kind[k]["eligible"] == 0 for k in calls):
        return "supported"
    if contradicted and not supported:
        return "contradicted"
    return "inconclusive"


def _untested(claim: str, model: str) -> claims.Verdict:
    return claims.Verdict(claim, model, "not tested yet", "no_controls", kind="controls")


# ------------------------------------------------------------------ claim 1
def claim_coupling(data: ControlsData | None, model: str = "") -> claims.Verdict:
    """Claim 1 against controls: where a control kind is fully Ramanujan in every seed and the ticket
    is not (t-test rule), is the ticket worse? Contradicted when it is significantly better at more
    than half of those densities, supported when the control is, per kind (:func:`combine_kinds`)."""
    if data is None:
        return _untested("1", model)
    reg = data.regimes.set_index("round")["regime"]
    per_kind, rows = {}, []
    for kind in KINDS:
        eligible = eligible_rounds(data, kind)
        tested = [r for r in eligible if reg.get(r, "fully") != "fully"]
        better = {"ticket": 0, "control": 0}
        for rnd in tested:
            for col in _test_sets(data.networks):
                d = _paired(data, kind, rnd, col)
                p_ticket, p_control = _one_sided_p(d, "greater"), _one_sided_p(d, "less")
                call = "ticket" if p_ticket < ALPHA else "control" if p_control < ALPHA else "neither"
                if col == "accuracy" and call != "neither":
                    better[call] += 1
                rows.append(
                    {
                        "kind": kind,
                        "round": rnd,
                        "density": data.density(rnd),
                        "test set": _set_name(col),
                        "ticket − control": float(d.mean()),
                        "seeds": len(d),
                        "ticket better in": int((d > 0).sum()),
                        "significantly better": call,
                    }
                )
        if len(tested) < 2:
            verdict = "inconclusive"
        elif better["ticket"] > len(tested) / 2:
            verdict = "contradicted"
        elif better["control"] > len(tested) / 2:
            verdict = "supported"
        else:
            verdict = "inconclusive"
        per_kind[kind] = {"verdict": verdict, "eligible": len(eligible), "tested": len(tested), **better}
    return claims.Verdict(
        "1",
        data.model,
        combine_kinds(per_kind),
        "controls_coupling",
        {"kinds": per_kind, "table": pd.DataFrame(rows), "seeds": data.seeds},
        kind="controls",
    )


# ------------------------------------------------------------------ claim 2
def share_pairs(data: ControlsData, col: str = "accuracy") -> pd.DataFrame:
    """Every matched (seed, round) and pair of mask kinds whose shares of Ramanujan layers
    differ: which has the larger share, and whether it has the higher accuracy (None: a tie)."""
    kinds = ("ticket", *KINDS)
    rows = []
    for rnd in data.rounds:
        at = {k: data.kind_at(k, rnd) for k in kinds}
        for seed in data.seeds:
            for i, a in enumerate(kinds):
                for b in kinds[i + 1 :]:
                    if seed not in at[a].index or seed not in at[b].index:
                        continue
                    xa, xb = at[a].loc[seed], at[b].loc[seed]
                    if xa["share"] == xb["share"]:
                        continue
                    hi, lo = (xa, xb) if xa["share"] > xb["share"] else (xb, xa)
                    agree = None if hi[col] == lo[col] else bool(hi[col] > lo[col])
                    rows.append(
                        {
                            "seed": seed,
                            "round": rnd,
                            "pair": f"{a} / {b}",
                            "larger share": a if xa["share"] > xb["share"] else b,
                            "agrees": agree,
                        }
                    )
    return pd.DataFrame(rows, columns=["seed", "round", "pair", "larger share", "agrees"])


def sign_test(pairs: pd.DataFrame) -> dict:
    """Two-sided sign test of the pairs' ``agrees`` (ties dropped)."""
    a = pairs["agrees"].dropna().astype(bool)
    n, k = int(len(a)), int(a.sum())
    p = float(sps.binomtest(k, n, 0.5).pvalue) if n else math.nan
    call = "neither"
    if n and p < ALPHA:
        call = "agree" if k > n - k else "disagree"
    return {"pairs": n, "agree": k, "disagree": n - k, "p": p, "call": call}


def claim_falls(data: ControlsData | None, model: str = "") -> claims.Verdict:
    """Claim 2 against controls: does the mask with more Ramanujan layers have the higher accuracy?
    Supported / contradicted when significantly more pairs agree / disagree (clean; noisy beside)."""
    if data is None:
        return _untested("2", model)
    per_set, by_pair = {}, {}
    for col in _test_sets(data.networks):
        pairs = share_pairs(data, col)
        per_set[_set_name(col)] = sign_test(pairs)
        if col == "accuracy":
            by_pair = {pair: sign_test(g) for pair, g in pairs.groupby("pair", sort=False)}
    clean = per_set["clean"]
    verdict = {"agree": "supported", "disagree": "contradicted"}.get(clean["call"], "inconclusive")
    return claims.Verdict(
        "2",
        data.model,
        verdict,
        "controls_share_order",
        {"sets": per_set, "pairs": by_pair, "seeds": data.seeds},
        kind="controls",
    )


# ------------------------------------------------------------------ claim 4
def holm(p: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values (NaN stays NaN and is not counted)."""
    p = np.asarray(p, dtype=float)
    finite = np.flatnonzero(np.isfinite(p))
    out = np.full(p.shape, np.nan)
    order = finite[np.argsort(p[finite])]
    m, running = len(order), 0.0
    for i, idx in enumerate(order):
        running = max(running, min(1.0, (m - i) * p[idx]))
        out[idx] = running
    return out.tolist()


def claim_tolerance(data: ControlsData | None, model: str = "") -> claims.Verdict:
    """Claim 4 against controls: at each density where a control kind is fully Ramanujan in every
    seed, A.5's one-sided test of ``H0: drop <= k_fully`` (drop against the seed's dense network),
    Holm-corrected over densities. Contradicted when it rejects at any, supported when at none."""
    if data is None:
        return _untested("4", model)
    k = claims.TOLERANCES[data.model][0]
    dense = data.networks[(data.networks["kind"] == "ticket") & (data.networks["round"] == 0)].set_index("seed")
    per_kind, rows = {}, []
    for kind in KINDS:
        eligible = eligible_rounds(data, kind)
        for col in _test_sets(data.networks):
            tests = []
            for rnd in eligible:
                c = data.kind_at(kind, rnd)
                drop = ((dense.loc[c.index, col] - c[col]) / dense.loc[c.index, col]).to_numpy(float)
                tests.append((rnd, drop, stats.one_sided_t(drop, k, "greater", ALPHA)))
            adjusted = holm([t["p"] for _, _, t in tests])
            for (rnd, drop, t), p_holm in zip(tests, adjusted):
                rows.append(
                    {
                        "kind": kind,
                        "round": rnd,
                        "density": data.density(rnd),
                        "test set": _set_name(col),
                        "mean drop": t["mean"],
                        "seeds": len(drop),
                        "p": t["p"],
                        "p (Holm)": p_holm,
                        "beyond k": bool(np.isfinite(p_holm) and p_holm < ALPHA),
                    }
                )
        clean = [r for r in rows if r["kind"] == kind and r["test set"] == "clean"]
        rejected = sum(r["beyond k"] for r in clean)
        verdict = "inconclusive" if len(eligible) < 2 else "contradicted" if rejected else "supported"
        per_kind[kind] = {"verdict": verdict, "eligible": len(eligible), "rejected": rejected}
    return claims.Verdict(
        "4",
        data.model,
        combine_kinds(per_kind),
        "controls_tolerance",
        {"k": k, "kinds": per_kind, "table": pd.DataFrame(rows), "seeds": data.seeds},
        kind="controls",
    )


# ------------------------------------------------------------------ claim 5
def population_tests(data: ControlsData) -> dict:
    """Claim 5's fits on the seeds with controls: per population (controls only, beyond density;
    all networks, beyond density and the kind of mask), and the two fits printed beside them
    (controls with the kind of mask added; all networks without it), each :func:`~ramanujan_lth.
    predict.predictive_test`'s table."""
    n = data.networks
    frames = {
        "controls": (n[n["kind"] != "ticket"], "density"),
        "all networks": (n, "density and kind"),
        "controls, with the kind of mask": (n[n["kind"] != "ticket"], "density and kind"),
        "all networks, without the kind of mask": (n, "density"),
    }
    return {
        name: predict.predictive_test(predict.fold_gains(df, data.layers, baseline=base, degree=data.degree))
        for name, (df, base) in frames.items()
    }


def claim_predictive(data: ControlsData | None, model: str = "") -> claims.Verdict:
    """Claim 5 against controls: supported when a paper quantity (Δ, share) supports among controls
    and over all networks and none contradicts; contradicted when a paper quantity contradicts in
    either and none supports; inconclusive otherwise."""
    if data is None:
        return _untested("5", model)
    if len(data.seeds) < 3:
        return claims.Verdict(
            "5", data.model, "inconclusive", "few_control_seeds", {"seeds": data.seeds}, kind="controls"
        )
    tests = population_tests(data)
    paper = {name: t[t["source"] == "paper"] for name, t in tests.items() if name in POPULATIONS}
    supports_both = set.intersection(*(set(t.loc[t["supports"], "quantity"]) for t in paper.values()))
    supports_any = any(t["supports"].any() for t in paper.values())
    contradicts_any = any(t["contradicts"].any() for t in paper.values())
    if supports_both and not contradicts_any:
        verdict = "supported"
    elif contradicts_any and not supports_any:
        verdict = "contradicted"
    else:
        verdict = "inconclusive"
    return claims.Verdict(
        "5",
        data.model,
        verdict,
        "controls_predictive",
        {"populations": tests, "degree": data.degree, "seeds": data.seeds, "networks": len(data.networks)},
        kind="controls",
    )


def verdicts(model: str, stored_root=None, data: ControlsData | None = None) -> list[claims.Verdict]:
    """The controls verdicts of claims 1 to 5 (claim 3: "n/a") for ``model``."""
    if data is None and stored_root is not None:
        data = controls_data(model, stored_root)
    return [
        claim_coupling(data, model),
        claim_falls(data, model),
        claims.Verdict("3", model, "n/a", "not_a_controls_claim", kind="controls"),
        claim_tolerance(data, model),
        claim_predictive(data, model),
    ]


# ------------------------------------------------------------------ what the pages show
def coverage(model: str, stored_root) -> dict:
    """The controls planned for ``model``'s stored tickets (every stored seed, :func:`ramanujan_lth.evidence.plans.
    control_plan`) and how many of them are stored, with the seeds that have all of theirs."""
    lth, _ = plans.stored_lth(model, stored_root)
    plan = plans.control_plan(lth)
    stored = (stored_runs.stored_some(plan, stored_root) or []) if plan else []
    names = {r.folder.name for r in stored}
    per_seed = {}
    for p in plan:
        per_seed.setdefault(p.seed, []).append(stored_runs.find_stored(p, stored_root) is not None)
    return {
        "planned": len(plan),
        "stored": len(names),
        "complete_seeds": sorted(s for s, ok in per_seed.items() if all(ok)),
        "tickets": len(lth),
    }


def difference_table(v: claims.Verdict, test_sets=("clean", "σ=0.3")) -> pd.DataFrame:
    """Claim 1's evidence against controls: per density where the control is fully Ramanujan in
    every seed and the ticket is not, ticket − control (points, mean over seeds) and in how many
    seeds the ticket is ahead, per control kind and test set."""
    t = v.numbers.get("table", pd.DataFrame())
    if t.empty:
        return pd.DataFrame()
    t = t[t["test set"].isin(test_sets)].copy()
    mark = {"ticket": " ▲", "control": " ▼", "neither": ""}
    t["cell"] = [
        f"{claims.points(d)} ({k}/{n}){mark[c]}"
        for d, k, n, c in zip(t["ticket − control"], t["ticket better in"], t["seeds"], t["significantly better"])
    ]
    t["density"] = [f"{100 * d:.3g} %" for d in t["density"]]
    out = t.pivot_table(index="density", columns=["kind", "test set"], values="cell", aggfunc="first", sort=False)
    return out.fillna("—")


def population_table(path_verdict: claims.Verdict, controls_verdict: claims.Verdict) -> pd.DataFrame:
    """Claim 5 in every population: per quantity, the held-out gain beyond the baseline (points,
    ± s.e.) and the share of folds where its sign is the paper's; ✓ supports, ✗ contradicts."""
    cols = {}
    if path_verdict.reason == "predictive":
        q = pd.DataFrame(path_verdict.numbers["quantities"]).T
        cols[f"tickets ({path_verdict.numbers['seeds']} seeds)"] = q
    if controls_verdict.reason == "controls_predictive":
        for name, t in controls_verdict.numbers["populations"].items():
            cols[name] = t.set_index("quantity")
    rows = {}
    for name, q in cols.items():
        for quantity, r in q.iterrows():
            gain = float(r["gain"])
            if not np.isfinite(gain):
                cell = "—"
            else:
                flag = " ✓" if r["supports"] else " ✗" if r["contradicts"] else ""
                cell = f"{gain:+.3f} ± {float(r['gain_se']):.3f}, sign + {float(r['positive_share']):.0%}{flag}"
            rows.setdefault(predict.QUANTITIES[quantity][0], {})[name] = cell
    return pd.DataFrame(rows).T
