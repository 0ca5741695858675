"""The claims against controls (SPEC §11) and the book's answer, on fabricated networks whose right
verdict is known: each rule on both sides of its threshold."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ramanujan_lth import against_controls as AC
from ramanujan_lth import answer, claims, plans
from ramanujan_lth.networks.controls import control_params
from ramanujan_lth.storage.params import load_run
from test_claims import write_run

LAYERS = ["fc1", "fc2", "fc3"]
SEEDS = range(5)
ROUNDS = range(12)


def _row(seed, kind, rnd, accuracy, ramanujan: int, rng, noisy=None):
    """One network: density 0.8^rnd, ``ramanujan`` of its three layers with Δ > 0."""
    d = 0.8**rnd
    row = {"seed": seed, "kind": kind, "round": rnd, "density": d, "imdb_recorded": False}
    for i, layer in enumerate(LAYERS):
        row[f"density_{layer}"] = d
        row[f"delta_{layer}"] = (0.3 if i < ramanujan else -0.3) + 0.01 * rng.standard_normal()
        for q in ("r", "imdb", "narc", "gap"):
            row[f"{q}_{layer}"] = rng.uniform(-1, 1)
    row["share"] = ramanujan / len(LAYERS)
    row["accuracy"] = accuracy
    row["accuracy_0.3"] = accuracy - 10 if noisy is None else noisy
    return row


def networks(ticket_lead: float, control_ramanujan: int = 3, matched=(3, 6, 9), ticket_ramanujan=None, seeds=SEEDS):
    """Tickets (fully Ramanujan through round 2, then one layer fewer every third round) and random
    and biregular controls at the ``matched`` rounds with ``control_ramanujan`` Ramanujan layers; the
    ticket is ``ticket_lead`` points ahead of its controls (plus seed noise)."""
    rng = np.random.default_rng(0)
    ticket_ramanujan = ticket_ramanujan or (lambda t: 3 if t < 3 else 2 if t < 9 else 1)
    rows = []
    for seed in seeds:
        for t in ROUNDS:
            acc = 97 - 0.2 * t + 0.05 * rng.standard_normal()
            rows.append(_row(seed, "ticket", t, acc, ticket_ramanujan(t), rng))
            if t in matched:
                for kind in ("random", "biregular"):
                    c = acc - ticket_lead + 0.1 * rng.standard_normal()
                    rows.append(_row(seed, kind, t, c, control_ramanujan, rng))
    return pd.DataFrame(rows)


def data_of(df, degree=2):
    return AC.from_networks("lenet_300_100", df, LAYERS, degree=degree)


# ------------------------------------------------------------------ claim 1
def test_claim_1_contradicted_when_the_non_ramanujan_ticket_beats_fully_ramanujan_controls():
    v = AC.claim_coupling(data_of(networks(ticket_lead=1.0)))
    assert v.verdict == "contradicted" and v.kind == "controls"
    for kind in ("random", "biregular"):
        k = v.numbers["kinds"][kind]
        assert (k["eligible"], k["tested"], k["ticket"], k["control"]) == (3, 3, 3, 0)
    clean = v.numbers["table"].query("`test set` == 'clean'")
    assert clean["ticket − control"].mean() == pytest.approx(1.0, abs=0.1)


def test_claim_1_supported_when_the_fully_ramanujan_controls_are_better():
    v = AC.claim_coupling(data_of(networks(ticket_lead=-1.0)))
    assert v.verdict == "supported"
    assert v.numbers["kinds"]["random"]["control"] == 3


def test_claim_1_inconclusive_on_a_difference_within_the_noise_or_too_few_densities():
    assert AC.claim_coupling(data_of(networks(ticket_lead=0.0))).verdict == "inconclusive"
    # controls that lose the property at every matched density: no eligible density at all
    v = AC.claim_coupling(data_of(networks(ticket_lead=1.0, control_ramanujan=2)))
    assert v.verdict == "inconclusive" and v.numbers["kinds"]["random"]["eligible"] == 0
    # one density where the ticket is not fully Ramanujan: fewer than two, inconclusive
    v = AC.claim_coupling(data_of(networks(ticket_lead=1.0, matched=(1, 3))))
    assert v.numbers["kinds"]["random"]["tested"] == 1 and v.verdict == "inconclusive"


def test_combining_the_two_kinds():
    def k(verdict, eligible=3):
        return {"verdict": verdict, "eligible": eligible}

    assert AC.combine_kinds({"random": k("supported"), "biregular": k("supported")}) == "supported"
    assert AC.combine_kinds({"random": k("inconclusive", 0), "biregular": k("supported")}) == "supported"
    assert AC.combine_kinds({"random": k("inconclusive"), "biregular": k("supported")}) == "inconclusive"
    assert AC.combine_kinds({"random": k("contradicted"), "biregular": k("inconclusive")}) == "contradicted"
    assert AC.combine_kinds({"random": k("contradicted"), "biregular": k("supported")}) == "inconclusive"


# ------------------------------------------------------------------ claim 2
def test_claim_2_sign_test_on_masks_whose_shares_differ():
    # controls fully Ramanujan (share 1), tickets 2/3 or 1/3 at the matched rounds: 5 seeds x 3 rounds x 2
    # ticket/control pairs, and random/biregular never differ in share
    worse = AC.claim_falls(data_of(networks(ticket_lead=1.0)))
    assert worse.verdict == "contradicted"
    assert (worse.numbers["sets"]["clean"]["pairs"], worse.numbers["sets"]["clean"]["agree"]) == (30, 0)
    assert set(worse.numbers["pairs"]) == {"ticket / random", "ticket / biregular"}
    better = AC.claim_falls(data_of(networks(ticket_lead=-1.0)))
    assert better.verdict == "supported" and better.numbers["sets"]["clean"]["agree"] == 30
    df = networks(ticket_lead=1.0)
    ahead = (df["kind"] != "ticket") & (df["seed"] % 2 == 0)
    df.loc[ahead, "accuracy"] += 2.0  # seeds 0, 2, 4: the controls lead by a point; 1, 3: the tickets do
    mixed = AC.claim_falls(data_of(df))
    assert mixed.verdict == "inconclusive" and mixed.numbers["sets"]["clean"]["agree"] == 18


def test_sign_test_drops_ties():
    pairs = pd.DataFrame({"agrees": [True] * 9 + [None] * 5 + [False]})
    got = AC.sign_test(pairs)
    assert (got["pairs"], got["agree"], got["disagree"]) == (10, 9, 1)
    assert got["p"] == pytest.approx(22 / 1024)  # two-sided binomial: 2 * (1 + 10) / 2^10
    assert got["call"] == "agree"


# ------------------------------------------------------------------ claim 4
def test_holm_adjustment_by_hand():
    assert AC.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    got = AC.holm([0.02, float("nan")])
    assert got[0] == pytest.approx(0.02) and np.isnan(got[1])


def test_claim_4_on_the_fully_ramanujan_controls_against_the_tolerance():
    # dense ticket at 97 %; controls 2 points (about 2 %) below their ticket: beyond k = 0.1 %
    far = AC.claim_tolerance(data_of(networks(ticket_lead=2.0)))
    assert far.verdict == "contradicted"
    assert far.numbers["kinds"]["random"]["rejected"] == 3
    # controls a hair above their ticket, which stays within 0.1 % of dense only at round 0: keep the
    # ticket flat so the controls' drop is about 0
    df = networks(ticket_lead=-0.02)
    df["accuracy"] = np.where(df["kind"] == "ticket", 97.0 + 0.001 * df["seed"], df["accuracy"] - df["round"] * -0.2)
    near = AC.claim_tolerance(data_of(df))
    assert near.verdict == "supported" and near.numbers["kinds"]["biregular"]["rejected"] == 0
    one = AC.claim_tolerance(data_of(networks(ticket_lead=2.0, matched=(3,))))
    assert one.verdict == "inconclusive"


# ------------------------------------------------------------------ claim 5
def predictive_networks(effect: float, seeds=range(6)):
    """Tickets and controls whose accuracy follows density plus ``effect`` x fc1's Δ (which varies
    independently of density): a positive effect is the paper's sign, a negative one the opposite."""
    rng = np.random.default_rng(1)
    rows = []
    for seed in seeds:
        for t in ROUNDS:
            for kind in ("ticket", "random", "biregular"):
                if kind != "ticket" and t % 2:
                    continue
                row = _row(seed, kind, t, 0.0, 3, rng)
                row["delta_fc1"] = rng.uniform(-1, 1)
                row["accuracy"] = (
                    97 - 3 * np.log(1 / row["density"]) ** 2 / 10 + effect * row["delta_fc1"] + 0.05 * rng.normal()
                )
                rows.append(row)
    return pd.DataFrame(rows)


def test_a_quantity_that_lowers_the_error_with_the_wrong_sign_is_never_support():
    df = predictive_networks(effect=-1.0)
    path = claims.claim_predictive("lenet_300_100", None, table=(df, LAYERS), degree=2)
    q = path.numbers["quantities"]["delta"]
    assert q["adds_information"] and q["contradicts"] and not q["supports"] and q["positive_share"] == 0
    assert path.verdict == "not reproduced"
    controls = AC.claim_predictive(data_of(df))
    assert controls.verdict == "contradicted"
    for name in AC.POPULATIONS:
        t = controls.numbers["populations"][name].set_index("quantity")
        assert t.loc["delta", "contradicts"] and not t["supports"].any()


def test_a_quantity_with_the_papers_sign_supports_in_every_population():
    df = predictive_networks(effect=1.0)
    path = claims.claim_predictive("lenet_300_100", None, table=(df, LAYERS), degree=2)
    assert path.verdict == "reproduced" and path.numbers["quantities"]["delta"]["supports"]
    assert AC.claim_predictive(data_of(df)).verdict == "supported"
    assert AC.claim_predictive(data_of(predictive_networks(effect=0.0))).verdict == "inconclusive"


# ------------------------------------------------------------------ the answer
@pytest.mark.parametrize(
    "calls, want",
    [
        ({"1": "supported", "2": "supported", "4": "supported", "5": "supported"}, "yes"),
        ({"1": "contradicted", "2": "contradicted", "4": "supported", "5": "supported"}, "no"),
        ({"1": "contradicted", "2": "inconclusive", "4": "supported", "5": "supported"}, "not settled"),
        ({"1": "supported", "2": "supported", "4": "supported", "5": "inconclusive"}, "not settled"),
        ({c: "not tested yet" for c in "1245"}, "not tested yet"),
    ],
)
def test_every_outcome_of_the_answer(calls, want):
    assert answer.decide(calls) == want
    assert want in answer.ANSWERS


# ------------------------------------------------------------------ stored runs, both models
def _spectral(layers, ramanujan: int, density: float, seed: int = 0):
    rows = []
    for i, layer in enumerate(layers):
        delta = (0.3 if i < ramanujan else -0.3) + 0.01 * ((seed * 7 + i) % 5 - 2)  # a spread over seeds
        common = {"layer": layer, "density": density, "edges": 1000, "n_left": 100, "n_right": 50, "t1": 10.0}
        common.update(d_avg_left=10.0, d_avg_right=20.0)
        rows.append({**common, "graph": "unweighted", "t2": 5.0, "delta_s": delta, "delta_r": delta - 0.01})
        rows.append({**common, "graph": "weighted", "t2": 4.0, "delta_s": 1.0, "delta_r": 1.0})
    return rows


def _record(t, layers, ramanujan, accuracy, seed):
    d = 0.8**t
    return {
        "round": t,
        "density": d,
        "layers": {layer: d for layer in layers},
        "remaining": {layer: int(1000 * d) + 1 for layer in layers},
        "accuracy": accuracy + 0.0003 * seed,
        "noisy_accuracy": {"0.3": accuracy - 0.1 + 0.0003 * seed},
        "spectral": _spectral(layers, ramanujan, d, seed),
    }


def stored_study(root: Path, model: str, control_lead: float, with_controls=True):
    """Regime runs of ``model`` (seeds 0-4, 12 rounds: fully Ramanujan through round 3, one
    studied layer fewer every two rounds after, accuracy holding through round 3 then falling)
    and, optionally, fully Ramanujan random and biregular controls at rounds 5, 7 and 9 that are
    ``control_lead`` points ahead of the ticket."""
    layers = plans.STUDIED_LAYERS[model]
    for seed in SEEDS:
        records = []
        for t in ROUNDS:
            ram = len(layers) if t < 4 else max(0, len(layers) - (t - 2) // 2)
            records.append(_record(t, layers, ram, 0.97 - 0.02 * max(0, t - 3), seed))
        folder = write_run(root, f"{model}-lth-s{seed}", plans.lth_params(model, "paper", [seed])[0], records)
        if not with_controls:
            continue
        ticket = load_run(folder)
        for t in (5, 7, 9):
            for kind in ("random", "biregular"):
                acc = records[t]["accuracy"] + control_lead / 100 + 0.0005 * ((seed * 3 + t) % 4)
                rec = _record(t, layers, len(layers), acc, 0) | {"round": 0}
                write_run(root, f"{model}-{kind}-control-t{t}-s{seed}", control_params(ticket, t, kind), [rec])


def test_path_reproduced_while_the_controls_contradict(tmp_path):
    stored_study(tmp_path, "lenet_300_100", control_lead=-2.0)
    got = {(v.claim, v.kind): v for v in answer.all_verdicts(tmp_path, models=("lenet_300_100",))}
    assert got[("1", "path")].verdict == "reproduced"
    assert got[("1", "controls")].verdict == "contradicted"
    assert got[("4", "controls")].verdict == "contradicted"
    h = answer.headline("lenet_300_100", tmp_path, list(got.values()))
    assert h.answer == "no" and h.facts["control_seeds"] == [0, 1, 2, 3, 4] and h.facts["controls"] == 30
    assert [c for c, _, _ in h.numbers] == ["1", "2", "4", "5"]
    (line,) = answer.claim_lines("lenet_300_100", [got[("1", "path")]], tmp_path)
    assert "along the pruning path **reproduced**" in line and "against controls: **contradicted**" in line


def test_conv4_is_picked_up_when_its_controls_land(tmp_path):
    stored_study(tmp_path, "conv4", control_lead=-2.0, with_controls=False)
    before = {(v.claim, v.kind): v.verdict for v in answer.all_verdicts(tmp_path, models=("conv4",))}
    assert {before[(c, "controls")] for c in "1245"} == {"not tested yet"}
    assert before[("1", "path")] == "reproduced"
    assert answer.headline("conv4", tmp_path).answer == "not tested yet"
    assert AC.coverage("conv4", tmp_path)["stored"] == 0
    later = tmp_path / "later"
    stored_study(later, "conv4", control_lead=-2.0)
    after = {(v.claim, v.kind): v.verdict for v in answer.all_verdicts(later, models=("conv4",))}
    assert after[("1", "controls")] == "contradicted"
    assert answer.headline("conv4", later).answer == "no"
    table = answer.verdict_table(later, models=("conv4",))
    assert len(table) == 10 and set(table["kind"]) == {"path", "controls"}
    assert "Conv4 / CIFAR-10" in answer.answer_html(later, models=("conv4",))


# ------------------------------------------------------------------ the pages' words
VERDICT_WORDS = [w for w in dict.fromkeys([*claims.VERDICTS, *claims.CONTROL_VERDICTS, *answer.ANSWERS]) if len(w) > 3]
NOT_VERDICTS = ["supported on"]  # a measure's support (chapter 1), not a verdict


def test_every_verdict_word_in_the_prose_comes_from_the_code():
    """Verdict words are only printed by code (claims, answer); prose may name one only in quotes,
    as the vocabulary it defines."""
    root = Path(__file__).resolve().parents[1]
    pages = sorted((root / "chapters").glob("*.md")) + [root / "book" / "intro.md", root / "book" / "methods.md"]
    words = sorted(VERDICT_WORDS, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.I)
    found = []
    for page in pages:
        prose = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
        prose = re.sub(r'"[^"]{0,60}"', "", prose)  # quoted: the word named, not asserted
        for phrase in NOT_VERDICTS:
            prose = prose.replace(phrase, "")
        found += [f"{page.name}: {m.group(0)}" for m in pattern.finditer(prose)]
    assert found == []
