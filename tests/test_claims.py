"""The claim-by-claim verdicts on fabricated stored runs whose right verdict is known."""

import json

import numpy as np
import pandas as pd
import pytest
from ramanujan_lth import answer, claims, plans, predict
from ramanujan_lth.storage.runs import RunParams

LAYERS = ["fc1", "fc2", "fc3"]
SIGMAS = ("0.1", "0.3")


def write_run(root, name, params, records, subset=True):
    folder = root / name
    folder.mkdir(parents=True)
    data = {"n_train": 17_435, "n_test": 10_000, "subset": subset, "note": ""}
    (folder / "params.json").write_text(json.dumps({"params": params.resolved().as_dict(), "data": data}))
    (folder / "records.json").write_text(json.dumps({"complete": True, "records": records, "data": data}))
    return folder


def spectral_rows(delta: float, density: float):
    rows = []
    for layer in LAYERS:
        common = {
            "layer": layer,
            "density": density,
            "edges": 1000,
            "n_left": 100,
            "n_right": 50,
            "t1": 10.0,
            "d_avg_left": 10.0,
            "d_avg_right": 20.0,
        }
        rows.append({**common, "graph": "unweighted", "t2": 5.0, "delta_s": delta, "delta_r": delta - 0.1})
        rows.append({**common, "graph": "weighted", "t2": 4.0, "delta_s": 1.0, "delta_r": 1.0})
    return rows


def fake_lth(root, cross: int, accuracy, n_rounds: int = 12, seeds=range(5), model="lenet_300_100"):
    """Regime runs: every layer has Δ = +0.5 before round ``cross`` and -0.5 from it on (the
    network turns non-Ramanujan at ``cross``; ``cross`` may be a dict per layer);
    ``accuracy(t, sigma, seed)`` gives the test accuracy (fraction) of round t."""
    for seed in seeds:
        rng = np.random.default_rng(seed)
        records = []
        for t in range(n_rounds):
            spec = []
            for layer in LAYERS:
                c = cross[layer] if isinstance(cross, dict) else cross
                d = (-0.5 if t >= c else 0.5) + 0.01 * rng.standard_normal()
                spec += [r for r in spectral_rows(d, 0.8**t) if r["layer"] == layer]
            records.append(
                {
                    "round": t,
                    "density": 0.8**t,
                    "layers": {layer: 0.8**t for layer in LAYERS},
                    "remaining": {layer: round(1000 * 0.8**t) for layer in LAYERS},
                    "accuracy": accuracy(t, 0.0, seed),
                    "noisy_accuracy": {s: accuracy(t, float(s), seed) for s in SIGMAS},
                    "spectral": spec,
                }
            )
        write_run(root, f"lth-s{seed}", plans.lth_params(model, "paper", [seed])[0], records)


def wobble(seed):
    return 0.0002 * ((seed * 7) % 5 - 2)  # small run-to-run spread so t-tests have a variance


def step_accuracy(hold_until: dict):
    """Accuracy 0.97 through round hold_until[sigma], then 3 points lower per round."""

    def acc(t, sigma, seed):
        return 0.97 - 0.03 * max(0, t - hold_until[sigma]) + wobble(seed)

    return acc


def verdict_of(fn, root):
    return fn("lenet_300_100", root)


def test_nothing_stored_is_not_tested_yet(tmp_path):
    table = answer.verdict_table(tmp_path)
    assert len(table) == 21  # 5 claims x 2 models x 2 kinds, and the later papers' claim
    assert set(table.loc[table["kind"] == "path", "verdict"]) == {"not tested yet"}
    assert set(table.loc[table["kind"] == "controls", "verdict"]) == {"not tested yet", "n/a"}
    assert table.loc[table["kind"] == "methods", "verdict"].tolist() == ["not tested yet"]
    assert set(table["claim"]) == {"1", "2", "3", "4", "5", "6"}
    assert [h.answer for h in answer.headlines(tmp_path)] == ["not tested yet", "not tested yet"]


def test_one_stored_run_is_named_not_called_missing(tmp_path):
    """Seed 0 of a study stored alone: the claims over seeds are not tested,
    and the reason says one run is there (not "no stored runs")."""
    fake_lth(tmp_path, cross=4, accuracy=step_accuracy({0.0: 3, 0.1: 3, 0.3: 4}), seeds=[0])
    got = {v.claim: v for v in claims.verdicts(tmp_path, models=("lenet_300_100",))}
    for c in ("1", "2", "4"):
        assert (got[c].verdict, got[c].reason, got[c].numbers["runs"]) == ("not tested yet", "one_run", 1)
        assert claims.sentence(got[c]).startswith("one run (the paper's hyper-parameters on 17,435 of 60,000")
    assert got["5"].reason == "few_seeds"
    fake_lth(tmp_path, cross=4, accuracy=step_accuracy({0.0: 3, 0.1: 3, 0.3: 4}), seeds=[1])  # a second seed: tested
    assert claims.claim_coupling("lenet_300_100", tmp_path).verdict == "reproduced"


def test_claim_1_reproduced_when_accuracy_holds_exactly_while_fully_ramanujan(tmp_path):
    fake_lth(tmp_path, cross={"fc1": 4, "fc2": 6, "fc3": 8}, accuracy=step_accuracy({0.0: 3, 0.1: 3, 0.3: 4}))
    v = verdict_of(claims.claim_coupling, tmp_path)
    assert v.verdict == "reproduced" and v.numbers["full_end"] == 3
    assert v.numbers["sets"]["σ=0.3"]["hold_end"] == 4


def test_claim_1_not_reproduced_when_accuracy_outlives_the_property(tmp_path):
    fake_lth(tmp_path, cross={"fc1": 2, "fc2": 6, "fc3": 8}, accuracy=step_accuracy({0.0: 9, 0.1: 9, 0.3: 8}))
    v = verdict_of(claims.claim_coupling, tmp_path)
    assert v.verdict == "not reproduced" and v.numbers["full_end"] == 1
    assert v.numbers["sets"]["clean"]["hold_end"] == 9


def test_claim_1_partly_when_only_the_noisy_set_follows(tmp_path):
    fake_lth(tmp_path, cross={"fc1": 2, "fc2": 6, "fc3": 8}, accuracy=step_accuracy({0.0: 9, 0.1: 9, 0.3: 2}))
    v = verdict_of(claims.claim_coupling, tmp_path)
    assert v.verdict == "partly"
    assert [n for n, s in v.numbers["sets"].items() if s["ok"]] == ["σ=0.3"]


def test_claim_2_reproduced_when_accuracy_falls_through_the_partial_stretch(tmp_path):
    # partially Ramanujan from round 3 (fc1 lost), non from round 8; accuracy falls from round 3
    fake_lth(tmp_path, cross={"fc1": 3, "fc2": 5, "fc3": 8}, accuracy=step_accuracy({0.0: 2, 0.1: 2, 0.3: 2}))
    v = verdict_of(claims.claim_falls, tmp_path)
    assert v.verdict == "reproduced" and v.numbers["non_reached"]
    clean = v.numbers["sets"]["clean"]
    assert clean["drops"]["fully"] == pytest.approx(0, abs=1e-3)
    assert clean["drops"]["fully"] < clean["drops"]["partially"] < clean["drops"]["non"]
    assert clean["falling_share"] == 1.0


def test_claim_2_partly_when_the_order_holds_but_accuracy_holds_in_the_partial_stretch(tmp_path):
    # partially from round 2 to 9, accuracy only falls at round 9
    fake_lth(tmp_path, cross={"fc1": 2, "fc2": 5, "fc3": 10}, accuracy=step_accuracy({0.0: 8, 0.1: 8, 0.3: 8}))
    v = verdict_of(claims.claim_falls, tmp_path)
    assert v.verdict == "partly"
    assert all(s["ordered"] and not s["falls"] for s in v.numbers["sets"].values())


def test_claim_2_not_reproduced_when_accuracy_rises_as_layers_lose_the_property(tmp_path):
    def rising(t, sigma, seed):
        return 0.90 + 0.005 * t + wobble(seed)

    fake_lth(tmp_path, cross={"fc1": 2, "fc2": 5, "fc3": 8}, accuracy=rising)
    v = verdict_of(claims.claim_falls, tmp_path)
    assert v.verdict == "not reproduced"
    assert not any(s["ordered"] for s in v.numbers["sets"].values())


def test_claim_4_judges_the_clean_set_against_both_tolerances(tmp_path):
    # fully through round 3; clean drops 0.5 % (beyond k_fully = 0.1 %, within k_partially = 1 %) from round 6
    def acc(t, sigma, seed):
        base = 0.97 + wobble(seed)
        drop = 0.005 if sigma == 0 else 0.05
        return base * (1 - drop) + 0.0001 * seed if t >= 6 else base

    fake_lth(tmp_path, cross={"fc1": 4, "fc2": 20, "fc3": 20}, accuracy=acc)
    v = verdict_of(claims.claim_tolerance, tmp_path)
    assert v.verdict == "reproduced"
    assert v.numbers["sets"]["σ=0.3"]["partially"]["rejected"] == 6  # noisy sets fail, reported beside
    fake_dir = tmp_path / "second"
    fake_lth(fake_dir, cross={"fc1": 8, "fc2": 20, "fc3": 20}, accuracy=acc)  # now round 6 is fully Ramanujan
    v = verdict_of(claims.claim_tolerance, fake_dir)
    assert v.verdict == "partly"
    assert v.numbers["sets"]["clean"]["fully"]["rejected"] == 2


def bound_pair(root, score, seed, density, acc_bound, acc_star):
    base = dict(plans.comparison_base("lenet_300_100", "paper"), seed=seed)
    rec = {"round": 0, "density": density, "layers": {}, "noisy_accuracy": {}, "spectral": []}
    write_run(
        root,
        f"{score}-bound-s{seed}",
        RunParams(score=score, bound=True, rounds=60, **base),
        [dict(rec, accuracy=acc_bound)],
    )
    write_run(
        root, f"{score}-star-s{seed}", RunParams(score=score, density=density, **base), [dict(rec, accuracy=acc_star)]
    )


def test_claim_3_by_score_against_noise(tmp_path):
    bound_pair(tmp_path, "magnitude", 0, 0.03, 0.96, 0.90)  # ahead by 6 points
    bound_pair(tmp_path, "snip", 0, 0.08, 0.950, 0.955)  # within a point
    v = verdict_of(claims.claim_bound, tmp_path)
    assert v.verdict == "partly"
    assert v.numbers["scores"]["imp"]["call"] == "ahead" and v.numbers["scores"]["snip"]["call"] == "within noise"
    assert v.numbers["scores"]["imp"]["mean"] == pytest.approx(6.0)
    bound_pair(tmp_path / "b", "synflow", 0, 0.01, 0.90, 0.95)
    assert verdict_of(claims.claim_bound, tmp_path / "b").verdict == "not reproduced"


def table(effect: float, seeds=range(6), rounds=12):
    """A network table whose accuracy follows density, plus ``effect`` x fc1's Δ, which
    varies from network to network independently of density."""
    rng = np.random.default_rng(0)
    rows = []
    for seed in seeds:
        for t in range(rounds):
            d = 0.8**t
            row = {"seed": seed, "kind": "ticket", "round": t, "imdb_recorded": False, "share": 1.0}
            for layer in LAYERS:
                row[f"density_{layer}"] = d
                for q in ("delta", "r", "imdb", "narc", "gap"):
                    row[f"{q}_{layer}"] = rng.uniform(-1, 1)
            row["accuracy"] = (
                97 - 3 * np.log(1 / d) ** 2 / 10 + effect * row["delta_fc1"] + 0.05 * rng.standard_normal()
            )
            rows.append(row)
    return pd.DataFrame(rows)


def test_claim_5_finds_a_quantity_that_carries_information_and_none_otherwise():
    with_effect = claims.claim_predictive("lenet_300_100", None, table=(table(1.0), LAYERS))
    assert with_effect.verdict == "reproduced"
    assert with_effect.numbers["quantities"]["delta"]["adds_information"]
    assert not with_effect.numbers["quantities"]["narc"]["adds_information"]
    without = claims.claim_predictive("lenet_300_100", None, table=(table(0.0), LAYERS))
    assert without.verdict == "not reproduced"
    assert not any(q["adds_information"] for q in without.numbers["quantities"].values())


def test_claim_5_partly_when_only_a_later_quantity_helps():
    df = table(0.0)
    df["accuracy"] += 1.0 * df["narc_fc2"]
    v = claims.claim_predictive("lenet_300_100", None, table=(df, LAYERS))
    assert v.verdict == "partly" and v.numbers["quantities"]["narc"]["adds_information"]


def test_density_model_is_flexible_enough_for_a_curved_accuracy():
    # accuracy a smooth but strongly curved function of density: density alone predicts it
    df = table(0.0)
    df["accuracy"] = 97 - 40 * np.exp(-df["density_fc1"] * 8)
    err = predict.cross_validate(df, LAYERS, None)
    assert err.max() < 0.5


def test_every_verdict_has_a_sentence_with_its_numbers(tmp_path):
    fake_lth(tmp_path, cross={"fc1": 4, "fc2": 6, "fc3": 8}, accuracy=step_accuracy({0.0: 3, 0.1: 3, 0.3: 4}))
    t = answer.verdict_table(tmp_path, models=("lenet_300_100",))
    assert set(t.loc[t["kind"] == "path", "verdict"]) <= set(claims.VERDICTS)
    coupling = t[t["kind"] == "path"].set_index("claim").loc["1", "evidence"]
    assert "41 %" in coupling  # fully Ramanujan down to 0.8^4 = 41 % density


def test_a_quantity_that_only_tells_the_kind_of_mask_adds_nothing_beyond_density_and_kind():
    df = table(0.0)
    kinds = np.where(df.index % 3 == 0, "random", "ticket")
    df = df.assign(kind=kinds)
    df.loc[df["kind"] == "random", "accuracy"] -= 2.0  # random masks are worse at the same density
    df["delta_fc1"] = np.where(df["kind"] == "random", -0.5, 0.5) + 0.01 * np.random.default_rng(1).standard_normal(
        len(df)
    )  # Δ tells the kinds apart, nothing more
    by_density = predict.predictive_test(predict.fold_gains(df, LAYERS)).set_index("quantity")
    by_kind = predict.predictive_test(predict.fold_gains(df, LAYERS, baseline="density and kind")).set_index("quantity")
    assert by_density.loc["delta", "adds_information"] and by_density.loc["delta", "gain"] > 0.5
    assert not by_kind.loc["delta", "adds_information"] and abs(by_kind.loc["delta", "gain"]) < 0.05
    with pytest.raises(ValueError, match="baseline"):
        predict.cross_validate(df, LAYERS, None, baseline="everything")
