"""Regime shading and loss tables from synthetic spectral tables."""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ramanujan_lth import plans, results, runs, studies
from ramanujan_lth.storage.params import RunParams, RunResult


def spec():
    # layer a loses the property at round 2, layer b at round 3; weighted graph never
    deltas = {"a": [np.inf, 0.5, -0.1, -0.2], "b": [np.inf, 0.4, 0.2, -0.3]}
    dens = [1.0, 0.5, 0.25, 0.125]
    rows = []
    for seed in (0, 1):
        for layer, ds in deltas.items():
            for rnd, d in enumerate(ds):
                for graph, value in (("unweighted", d), ("weighted", 1.0)):
                    rows.append(
                        {
                            "seed": seed,
                            "round": rnd,
                            "graph": graph,
                            "layer": layer,
                            "overall_density": dens[rnd],
                            "density": dens[rnd],
                            "delta_s": value,
                            "delta_r": value,
                            "max_delta": value,
                        }
                    )
    return pd.DataFrame(rows)


def test_regime_table_and_bands():
    reg = results.regime_table(spec(), ["a", "b"])
    assert list(reg["regime"]) == ["fully", "fully", "partially", "non"]
    assert list(reg["n_ramanujan"]) == [2, 2, 1, 0]
    assert results.regime_table(spec(), ["b"])["regime"].tolist() == ["fully", "fully", "fully", "non"]
    bands = results.regime_bands(reg)
    assert list(bands["regime"]) == ["fully", "partially", "non"]
    assert bands.loc[0, "hi"] == 1.0 and bands.loc[0, "lo"] == pytest.approx(np.sqrt(0.5 * 0.25))
    assert bands.loc[1, "hi"] == pytest.approx(np.sqrt(0.5 * 0.25))
    assert (bands["hi"] > bands["lo"]).all()


def test_property_events():
    # spec(): densities 1, 0.5, 0.25, 0.125; a loses it at 0.25, b at 0.125, both lacking it there
    ev = results.property_events(results.regime_table(spec(), ["a", "b"]))
    assert ev["fully_down_to"] == 0.5 and ev["non_at"] == 0.125
    assert ev["lost"] == {"a": 0.25, "b": 0.125} and ev["regained"] == {"a": [], "b": []}
    # a layer that falls apart: b has the property again after losing it; one that never loses it
    reg = pd.DataFrame(
        {
            "round": [0, 1, 2, 3, 4],
            "density": [1.0, 0.5, 0.25, 0.125, 0.0625],
            "regime": ["partially", "fully", "partially", "partially", "partially"],
            "has_a": [True, True, True, True, True],
            "has_b": [False, True, False, True, True],
        }
    )
    ev = results.property_events(reg)
    assert np.isnan(ev["fully_down_to"]) and np.isnan(ev["non_at"])  # round 0 is not fully Ramanujan
    assert np.isnan(ev["lost"]["a"]) and ev["regained"]["a"] == []
    assert ev["lost"]["b"] == 1.0 and ev["regained"]["b"] == [0.5, 0.125, 0.0625]


def test_regime_table_counts_an_infinite_delta_in_one_seed_as_having_the_property():
    """+inf (a complete layer) in one seed and a negative Δ in another: the mean over seeds is positive."""
    rows = []
    for seed, deltas in ((0, {"a": np.inf, "b": 0.2, "c": np.inf}), (1, {"a": -0.5, "b": -0.5, "c": np.inf})):
        for layer, d in deltas.items():
            rows.append(
                {
                    "seed": seed,
                    "round": 0,
                    "graph": "unweighted",
                    "layer": layer,
                    "overall_density": 0.5,
                    "density": 0.5,
                    "delta_s": d,
                    "delta_r": d,
                    "max_delta": d,
                }
            )
    reg = results.regime_table(pd.DataFrame(rows), ["a", "b", "c"]).iloc[0]
    assert reg["has_a"] and not reg["has_b"] and reg["has_c"]  # b: mean (0.2 - 0.5) / 2 < 0
    assert (reg["n_ramanujan"], reg["n_layers"], reg["regime"]) == (2, 3, "partially")
    reg = results.regime_table(pd.DataFrame(rows), ["a"]).iloc[0]
    assert reg["regime"] == "fully" and reg["n_ramanujan"] == 1


def test_loss_table():
    t = results.loss_table(spec(), ["a", "b"]).set_index(["layer", "graph"])
    assert t.loc[("a", "unweighted"), "first density without"] == 0.25
    assert t.loc[("a", "unweighted"), "last density with the property"] == 0.5
    assert t.loc[("b", "unweighted"), "first density without"] == 0.125
    assert np.isnan(t.loc[("a", "weighted"), "first density without"])


def test_experiment_profiles():
    quick = plans.lth_params("lenet_300_100", "quick", [0, 1])
    paper = plans.lth_params("lenet_300_100", "paper", [0])
    assert [p.seed for p in quick] == [0, 1] and quick[0].iterations < paper[0].resolved().iterations
    assert paper[0].resolved().iterations == 50_000 and paper[0].alpha == 2.0
    with pytest.raises(ValueError, match="profile"):
        plans.lth_params("lenet_300_100", "huge", [0])
    # the paper profile trains with the paper's LeNet settings on every image present
    p = paper[0].resolved()
    assert (p.dataset, p.lr, p.batch_size, p.score, p.schedule, p.rewind_iteration, p.n_train) == (
        "mnist",
        1.2e-3,
        60,
        "magnitude",
        "layerwise",
        0,
        None,
    )
    assert (p.p_fc, p.p_out) == (0.2, 0.1)
    # the subset profile scales a CIFAR network's iterations to the images present: 25,000 * 5,085 / 50,000
    assert plans.subset_iterations("conv4", 5_085) == 2_543
    assert plans.subset_iterations("conv4", 50_000) == 25_000 == plans.subset_iterations("conv4", 60_000)
    assert plans.profile_settings("conv4", "subset", n_train=5_085) == {"iterations": 2_543, "precision": "bf16"}
    assert plans.profile_settings("lenet_300_100", "subset", n_train=17_435) == {}  # MNIST runs keep the paper's


def test_run_all_computes_then_reuses(tmp_path, monkeypatch):
    from ramanujan_lth import runs

    params = [RunParams(rounds=0, iterations=5, n_train=300, n_test=500, noise_sigmas=(), seed=s) for s in (0, 1)]
    got = runs.run_all(params, tmp_path, progress=False)
    assert [r.params.seed for r in got] == [0, 1]
    assert all(r.data["n_train"] == 300 and r.data["n_test"] == 500 and r.data["subset"] for r in got)

    def boom(*a, **k):
        raise AssertionError("finished runs must be reused")

    monkeypatch.setattr(runs, "train", boom)
    again = runs.run_all(params, tmp_path, progress=False)
    # as JSON text: records hold NaN (measures undefined on a graph), which never equals itself
    assert [json.dumps(r.records, sort_keys=True) for r in again] == [
        json.dumps(r.records, sort_keys=True) for r in got
    ]


def test_appendix_profiles():
    paper = plans.appendix_params("VGG19, global", "paper", range(2))
    assert [p.seed for p in paper] == [0, 1]
    # Adam at the paper's 0.01 stays near chance on VGG19: it trains at Adam's 3e-4 (chapter 7)
    assert all(p.schedule == "global" and p.resolved().lr == 3e-4 and p.alpha == 2.0 for p in paper)
    assert plans.is_paper_scale(paper[0])
    quick = plans.appendix_params("Conv6, layer-wise", "quick", [0], noise_sigmas=(0.1, 0.3))
    assert quick[0].noise_sigmas == (0.3,) and not plans.is_paper_scale(quick[0])
    lenet = plans.appendix_params("LeNet-300-100, global", "quick", [0])[0]
    assert lenet.schedule == "global" and lenet.model == "lenet_300_100"
    with pytest.raises(ValueError, match="unknown appendix"):
        plans.appendix_params("ResNet", "quick", [0])
    with pytest.raises(ValueError, match="profile"):
        plans.appendix_params("Conv2, layer-wise", "full", [0])


def test_schedule_chart_draws_both_schedules():
    from ramanujan_lth import plots

    s = spec()
    chart = plots.schedule_chart({"layer-wise": s, "global": s.assign(density=s["density"] / 2)}, ["a", "b"])
    d = chart.to_dict()
    values = next(iter(d["datasets"].values()))
    assert {v["schedule"] for v in values} == {"layer-wise", "global"}
    assert max(v["max_delta"] for v in values) == 3.0  # +inf capped for drawing
    assert len(d["hconcat"]) == 2
    # shape and dash share one legend (same title): with the dash's legend off, the shapes had none either
    enc = d["hconcat"][0]["encoding"]
    assert enc["shape"]["legend"] and enc["strokeDash"]["legend"]
    assert enc["shape"]["title"] == enc["strokeDash"]["title"]


def test_output_rate_frame_counts_the_output_layer_of_each_run(tmp_path):
    from ramanujan_lth import plots

    params = [RunParams(rounds=2, iterations=5, n_train=300, n_test=500, noise_sigmas=(), p_out=r) for r in (0.1, 0.5)]
    got = runs.run_all(params, tmp_path, progress=False)
    frame = results.output_rate_frame(dict(zip([("IMP", 0.1), ("IMP", 0.5)], got)))
    weights = frame.pivot(index="round", columns="output rate", values="output weights")
    # LeNet's output layer has 100 x 10 weights; each round removes p_out of those left
    assert list(weights["p_out = 0.1"]) == [1000, 900, 810] and list(weights["p_out = 0.5"]) == [1000, 500, 250]
    assert set(frame["output layer"]) == {"fc3"} and set(frame["classes"]) == {10}
    # fc1 and fc2 lose 20 % in both runs: the overall densities differ by the output layer alone
    dens = frame.pivot(index="round", columns="output rate", values="density")
    total = 784 * 300 + 300 * 100 + 1000
    assert list(dens["p_out = 0.1"] - dens["p_out = 0.5"]) == pytest.approx(
        [0, 400 / total, 560 / total], rel=1e-4
    )  # densities are float32
    paper = pd.DataFrame({"score": ["IMP"], "density": [0.01], "accuracy": [0.45]})
    chart = plots.output_rate_chart(frame, paper).to_dict()
    score_pick = next(p for p in chart["params"] if p["name"] == "rate_score")
    assert len(chart["hconcat"]) == 2 and score_pick["bind"]["options"] == ["IMP"]


def test_output_rate_runs_show_stored_full_runs_only_when_both_rates_are_stored(tmp_path, monkeypatch):
    import json

    def store(params, folder):
        p = params.resolved()
        (tmp_path / folder).mkdir()
        data = {"n_train": 17_435, "n_test": 10_000, "subset": True, "note": ""}
        (tmp_path / folder / "params.json").write_text(json.dumps({"params": p.as_dict(), "data": data, "rounds": 21}))
        (tmp_path / folder / "records.json").write_text(json.dumps({"complete": True, "records": [], "data": data}))

    computed = []
    monkeypatch.setattr(runs, "run_all", lambda params, *a, **k: computed.append(params) or [None] * len(params))
    low, high = plans.output_rate_params("lenet_300_100", "paper", "magnitude")
    store(low, "a")
    got, src = studies.output_rates("lenet_300_100", "magnitude", "quick", tmp_path).load(tmp_path / "runs")
    assert src.startswith("quick profile") and computed[-1] == plans.output_rate_params(
        "lenet_300_100", "quick", "magnitude"
    )
    store(high, "b")
    got, src = studies.output_rates("lenet_300_100", "magnitude", "quick", tmp_path).load(tmp_path / "runs")
    assert src == "stored full runs" and [r.folder.name for r in got.values()] == ["a", "b"] and len(computed) == 1
    got, src = studies.output_rates("lenet_300_100", "magnitude", "quick", None).load(tmp_path / "runs")
    assert len(computed) == 2


def test_comparison_runs_show_stored_full_runs_only_when_all_five_are_stored(tmp_path, monkeypatch):
    import json

    def store(params, folder, density):
        p = params.resolved()
        (tmp_path / folder).mkdir()
        data = {"n_train": 17_435, "n_test": 10_000, "subset": True, "note": ""}
        recs = [{"round": 0, "density": 1.0, "accuracy": 0.98}, {"round": 1, "density": density, "accuracy": 0.97}]
        (tmp_path / folder / "params.json").write_text(json.dumps({"params": p.as_dict(), "data": data, "rounds": 1}))
        (tmp_path / folder / "records.json").write_text(json.dumps({"complete": True, "records": recs, "data": data}))

    computed = []

    def fake_run_all(params, *a, **k):
        computed.extend(params)
        return [type("R", (), {"records": [{"density": 0.05, "accuracy": 0.5}]})() for _ in params]

    def comparison_runs(score, stored_root, max_bound_rounds=None):
        return studies.table3("lenet_300_100", score, "quick", stored_root, max_bound_rounds).load(tmp_path / "runs")

    monkeypatch.setattr(runs, "run_all", fake_run_all)
    base = plans.comparison_base("lenet_300_100", "paper")
    for a in plans.ALPHAS:
        store(RunParams(score="snip", alpha=a, **base), f"a{a}", 10**-a)
    store(RunParams(score="snip", bound=True, rounds=60, **base), "bound", 0.0421)
    got, src = comparison_runs("snip", tmp_path)
    assert src == "quick profile" and len(computed) == 5  # `*` missing: the quick profile computes its own five
    assert all(p.iterations == 150 for p in computed) and computed[3].rounds == 25
    # `*` must be pruned to the density -Bound reached: another density does not count
    store(RunParams(score="snip", density=0.05, **base), "star_other", 0.05)
    got, src = comparison_runs("snip", tmp_path)
    assert src == "quick profile" and len(computed) == 10
    store(RunParams(score="snip", density=0.0421, **base), "star", 0.0421)
    got, src = comparison_runs("snip", tmp_path)
    assert src == "stored full runs" and len(computed) == 10
    assert {k: r.folder.name for k, r in got.items()} == {
        1.0: "a1.0",
        1.5: "a1.5",
        2.0: "a2.0",
        "bound": "bound",
        "star": "star",
    }
    # not with use_stored=False, nor under another round cap, nor for another score
    comparison_runs("snip", None)
    comparison_runs("snip", tmp_path, max_bound_rounds=10)
    comparison_runs("synflow", tmp_path)
    assert len(computed) == 25


def _rec(rnd, density, acc, noisy, layers, decisions=None):
    rec = {"round": rnd, "density": density, "accuracy": acc, "noisy_accuracy": {"0.3": noisy}, "layers": layers}
    if decisions is not None:
        rec["bound_decisions"] = decisions
    return rec


def _held(layer, changed, reason="no k < 5 accepted"):
    return {"layer": layer, "changed": changed, "reason": reason}


def test_criterion_stops_say_where_and_why_each_layer_was_held():
    both = [_held("a", True), _held("b", True)]
    records = [  # stops by itself: its last round changed no layer
        _rec(0, 1.0, 0.97, 0.95, {"a": 1.0, "b": 1.0}, both),
        _rec(1, 0.5, 0.97, 0.94, {"a": 0.5, "b": 0.5}, [_held("a", True), _held("b", False, "guard")]),
        _rec(2, 0.4, 0.96, 0.91, {"a": 0.3, "b": 0.5}, [_held("a", False), _held("b", False)]),
    ]
    capped = [  # cut by its round cap: the last round trains the final network and prunes nothing
        _rec(0, 1.0, 0.97, 0.95, {"a": 1.0, "b": 1.0}, both),
        _rec(1, 0.5, 0.97, 0.94, {"a": 0.5, "b": 0.5}),
    ]
    runs = {
        "UE": RunResult(RunParams(), Path("x"), records, True),
        "WD": RunResult(RunParams(), Path("y"), capped, True),
    }
    stops = results.criterion_stops(runs).set_index("criterion")
    assert stops.loc["UE", "rounds"] == 3 and stops.loc["UE", "density %"] == pytest.approx(40.0)
    assert stops.loc["UE", "σ = 0.3 accuracy %"] == pytest.approx(91.0)
    assert stops.loc["UE", "ended by"] == "no layer changed" and stops.loc["WD", "ended by"] == "the round cap"
    # b held from round 1 (its reason there), a from round 2 at 30 % of its weights; nothing held in the capped run
    held = re.findall(r"(\w+) from round (\d+) at (\d+) %", stops.loc["UE", "layers held"])
    assert held == [("b", "1", "50"), ("a", "2", "30")]
    assert stops.loc["WD", "layers held"] == ""


def test_criterion_against_plain_takes_the_plain_round_nearest_in_density():
    plain = RunResult(
        RunParams(),
        Path("p"),
        [_rec(r, 0.8**r, 0.97 - 0.01 * r, 0.95 - 0.05 * r, {}) for r in range(6)],
        True,
    )
    bound = RunResult(RunParams(), Path("b"), [_rec(0, 1.0, 0.97, 0.95, {}), _rec(1, 0.30, 0.955, 0.83, {})], True)
    got = results.criterion_against_plain({"WE": bound}, plain).iloc[0]
    # 0.30 lies between 0.8^5 = 0.328 and 0.8^6 = 0.262 (not run): round 5 is nearest among those present
    assert got["plain round"] == 5 and got["plain density %"] == pytest.approx(100 * 0.8**5)
    assert got["clean: -Bound minus plain"] == pytest.approx(100 * (0.955 - 0.92))
    assert got["σ = 0.3: -Bound minus plain"] == pytest.approx(100 * (0.83 - 0.70))
    # 0.46 is nearer 0.4096 (round 4) than 0.512 (round 3) by difference, nearer 0.512 by ratio
    half = RunResult(RunParams(), Path("h"), [_rec(0, 0.46, 0.9, 0.8, {})], True)
    assert results.criterion_against_plain({"UD": half}, plain).iloc[0]["plain round"] == 3


def test_paper_vs_ours_chart_says_what_data_our_numbers_come_from():
    from ramanujan_lth import plots

    subset = "5,085 of 50,000 CIFAR10 training images; subset profile: 2,543 iterations a round, bfloat16"
    rows = pd.DataFrame(
        {
            "quantity": ["lenet_300_100 IMP: accuracy %", "conv4 IMP: accuracy %", "conv4 SNIP: accuracy %", "conv4 X"],
            "paper": [97.0, 81.9, 80.3, 1.0],
            "reproduced": [97.5, 52.9, 55.0, np.nan],  # the last row is not drawn: its data is not named
            "spread": "",
            "explanation": "",
            "data": ["17,435 of 60,000 MNIST training images", subset, subset, "other"],
        }
    )
    assert plots.data_lines(rows.iloc[:3]) == [
        "lenet_300_100: 17,435 of 60,000 MNIST training images",
        "conv4: 5,085 of 50,000 CIFAR10 training images",
        "conv4: subset profile: 2,543 iterations a round, bfloat16",
    ]
    title = plots.paper_vs_ours_chart(rows, title="Table 3").to_dict()["title"]
    assert title["text"] == "Table 3" and title["subtitle"] == plots.data_lines(rows.iloc[:3])
    assert (title["anchor"], title["frame"]) == ("start", "bounds")  # centred, the lines ran past the page's column
    assert "subtitle" not in plots.paper_vs_ours_chart(rows.drop(columns="data"), title="T").to_dict()["title"]
    # the quantities drawn share ": accuracy %": said once on the x axis, so the labels keep what tells them apart
    spec = plots.paper_vs_ours_chart(rows, title="Table 3").to_dict()
    drawn = {r["quantity"] for data in spec["datasets"].values() for r in data}
    assert drawn == {"lenet_300_100 IMP", "conv4 IMP", "conv4 SNIP"}
    assert spec["layer"][1]["encoding"]["x"]["title"] == "accuracy %"
    mixed = rows.assign(quantity=["a: accuracy %", "b: density %", "c: accuracy %", "d"])
    assert {r["quantity"] for d in plots.paper_vs_ours_chart(mixed).to_dict()["datasets"].values() for r in d} == {
        "a: accuracy %",
        "b: density %",
        "c: accuracy %",
    }


def test_delta_chart_shows_where_delta_is_undefined_instead_of_dropping_it():
    from ramanujan_lth import plots

    rows = []
    for seed in (0, 1):
        for density, weighted in ((0.5, 0.8), (0.1, np.nan if seed else -0.2)):
            for graph, ds, dr in (("unweighted", 0.1, 0.2), ("weighted", weighted, np.nan)):
                row = dict(seed=seed, layer="fc1", graph=graph, overall_density=density, delta_s=ds, delta_r=dr)
                rows.append(row)
    bands = pd.DataFrame([{"regime": "full", "hi": 1.0, "lo": 0.08}])
    datasets = plots.delta_chart(pd.DataFrame(rows), bands, ["fc1"]).to_dict()["datasets"].values()
    undefined = [r for data in datasets for r in data if "what" in r]
    # seed 1's weighted ΔS at 10 % density (ΔR of the weighted graph is not drawn)
    assert [(r["quantity"], r["density"], r["seeds"], r["delta"]) for r in undefined] == [("ΔS weighted", 0.1, 1, -3.0)]
    drawn = [r for data in datasets for r in data if r.get("quantity") == "ΔS weighted" and "what" not in r]
    assert sorted((r["density"], r["seed"]) for r in drawn) == [(0.1, 0), (0.5, 0), (0.5, 1)]


def test_rejection_chart_marks_each_test_and_keeps_its_legend_under_the_plot():
    from ramanujan_lth import plots

    tests = pd.DataFrame(
        {
            "layer": ["fc2", "fc1", "fc2"],
            "density": [0.5, 0.5, 0.25],
            "rejected": [False, True, True],
            "p": [0.4, 0.01, 0.02],
        }
    )
    d = plots.rejection_chart(tests, "layer", ["fc1", "fc2"], "lost", tooltip=["layer", "p"]).to_dict()
    (rows,) = d["datasets"].values()
    assert [(r["layer"], r["density"], r["H0"]) for r in rows] == [
        ("fc2", 0.5, "not rejected"),
        ("fc1", 0.5, "lost"),
        ("fc2", 0.25, "lost"),
    ]
    color = d["encoding"]["color"]
    assert color["scale"] == {"domain": ["not rejected", "lost"], "range": ["#9ecae1", "#d62728"]}
    assert color["legend"]["orient"] == "bottom"  # beside the plot it was cut off by the page's column
    assert d["encoding"]["y"]["sort"] == ["fc1", "fc2"] and d["height"] == 60


def test_loss_test_chart_places_each_test_at_the_networks_density_and_says_what_runs():
    from ramanujan_lth import plots

    tests = pd.DataFrame(
        {
            "layer": ["fc1", "fc1"],
            "round": [1, 2],
            "overall_density": [0.8, 0.64],
            "layer_density": [0.7, 0.49],
            "mean": [0.1, -0.2],
            "lower": [0.0, -0.3],
            "upper": [0.2, -0.1],
            "p": [0.9, 0.01],
            "n": [3, 3],
            "rejected": [False, True],
        }
    )
    d = plots.loss_test_chart(tests, ["fc1", "fc2"], "lenet: H0", note="stored runs " * 10).to_dict()
    (rows,) = d["datasets"].values()
    assert [(r["density"], r["H0"]) for r in rows] == [(0.8, "not rejected"), (0.64, "rejected: property lost")]
    assert d["title"]["text"] == "lenet: H0" and len(d["title"]["subtitle"]) == 2  # the note wrapped
    tips = {t["field"]: t.get("title") for t in d["encoding"]["tooltip"]}
    assert tips["density"] == "overall density" and {"layer_density", "lower", "upper", "p", "n"} <= set(tips)
    assert d["height"] == 60  # one line per studied layer


def test_candidates_chart_opens_where_the_algorithm_tried_the_most_rates():
    from ramanujan_lth import plots

    def row(score, rnd, layer, k, decision):
        return dict(score=score, round=rnd, layer=layer, k=k, rate=0.2 / 2**k, quantity="ΔS unweighted",
                    delta=0.1 - k, decision=decision, reason="", density=1.0)  # fmt: skip

    def opens_on(steps):
        params = {p["name"]: p["value"] for p in plots.candidates_chart(pd.DataFrame(steps)).to_dict()["params"]}
        return params["score_pick"], params["round_pick"], params["layer_pick4"]

    first_taken = [row("IMP", 0, "fc1", 0, "accept"), row("IMP", 0, "fc2", 0, "accept")]
    held = [row("IMP", 1, "fc2", k, "reject") for k in range(4)]  # every rate rejected: the layer is held
    found = [row("SNIP", 2, "fc2", k, "reject") for k in range(2)] + [row("SNIP", 2, "fc2", 2, "accept")]
    again = [row("SNIP", 3, "fc1", k, "reject") for k in range(2)] + [row("SNIP", 3, "fc1", 2, "accept")]
    assert opens_on(first_taken + held + found + again) == ("SNIP", 2, "fc2")  # the first of the longest searches
    assert opens_on(first_taken + held) == ("IMP", 1, "fc2")  # no accept after a rejection: the most rates tried


def test_accuracy_chart_says_when_every_test_set_gives_the_same_line():
    from ramanujan_lth import plots

    bands = pd.DataFrame([{"regime": "full", "hi": 1.0, "lo": 0.1}])

    def notes(noisy):
        rows = [
            {"seed": s, "round": r, "density": d, "sigma": sigma, "accuracy": 0.1 if sigma == 0 else noisy}
            for s in (0, 1)
            for r, d in enumerate((1.0, 0.5, 0.25))
            for sigma in (0.0, 0.2, 0.4)
        ]
        title = plots.accuracy_chart(pd.DataFrame(rows), bands, title="t", note="what ran").to_dict()["title"]
        return title["subtitle"]

    same = notes(noisy=0.1)  # three test sets, one visible line
    assert same[0] == "what ran" and same[1].split(" ")[1] == "3" and len(same) == 2
    assert notes(noisy=0.09) == ["what ran"]


def _cand(k, decision, t2, ds, dr, by=None):
    return {
        "k": k,
        "fraction": 0.2 / 2**k,
        "decision": decision,
        "t2": t2,
        "delta_s": ds,
        "delta_r": dr,
        "accepted_by": by,
    }


def test_last_acceptances_reads_the_last_decided_round():
    first = [{"layer": "a", "candidates": [_cand(0, "accept", 3.0, 0.1, -0.2, "unweighted")]}]
    last = [
        {
            "layer": "a",
            "candidates": [_cand(0, "reject", 2.0, -0.1, -0.3), _cand(1, "accept", 0.0, np.inf, np.inf, "unweighted")],
        },
        {"layer": "b", "candidates": [_cand(0, "guard", 1.0, 0.5, 0.5)]},
        {
            "layer": "c",
            "candidates": [
                _cand(0, "reject", 4.0, -0.5, -0.1),
                _cand(1, "reject", 4.0, -0.4, -0.1),
                _cand(2, "accept", 3.9, -0.3, -0.2, "score-weighted"),
            ],
        },
    ]
    records = [_rec(0, 1.0, 0.9, 0.8, {}, first), _rec(1, 0.8, 0.9, 0.8, {}, last), _rec(2, 0.7, 0.9, 0.8, {})]
    got = results.last_acceptances(RunResult(RunParams(), Path("x"), records, True))
    assert got["round"].tolist() == [1, 1] and got["layer"].tolist() == ["a", "c"]  # b was held by the guard
    assert got["k"].tolist() == [1, 2] and got["fraction"].tolist() == pytest.approx([0.1, 0.05])
    assert got["fallen apart"].tolist() == [True, False] and got["max Δ"].tolist() == [np.inf, -0.2]
    assert got["accepted by"].tolist() == ["unweighted", "score-weighted"]
    assert results.last_acceptances(RunResult(RunParams(), Path("y"), records[2:], True)).empty
