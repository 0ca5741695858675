"""The frames, tables and sentences the chapters call instead of computing them in a cell, on
hand-made inputs whose answers are worked out by hand."""

import math
import re

import numpy as np
import pandas as pd
import pytest
from ramanujan_lth import claims, comparison, findings, plots, report, results, sweeps, tables
from ramanujan_lth.storage.params import RunParams, RunResult


def numbers(text: str) -> list[float]:
    """The numbers a sentence states, in order (not digits inside names such as t1 or lenet_300_100)."""
    return [float(n.replace(",", "")) for n in re.findall(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?", text)]


def run(records, seed=0, data=None):
    return RunResult(RunParams(seed=seed), None, records, True, data or {})


# ------------------------------------------------------------------ chapter 1: small random graphs
def test_cheeger_summary_and_line_average_per_degree_and_count_the_small_gaps():
    cheeger = pd.DataFrame({"d": [4, 3, 3], "gap": [0.3, 0.6, 1.2], "h": [0.25, 0.5, 1.0]})
    summary = sweeps.cheeger_summary(cheeger)
    assert list(summary.index) == [3, 4]
    assert summary.loc[3].tolist() == [0.9, 0.75] and summary.loc[4].tolist() == [0.3, 0.25]
    # one of three gaps below 1/2, the gaps running from 0.3 to 1.2
    assert numbers(sweeps.cheeger_gap_line(cheeger)) == [1, 3, 1, 2, 0.3, 1.2]


def test_random_bipartite_summary_takes_medians_per_average_degree():
    er = pd.DataFrame(
        {
            "average left degree": [2, 2, 2, 8],
            "rep": [0, 1, 2, 0],
            "ΔR": [-0.1, -0.3, 0.5, 0.02],
            "ΔS": [-1.0, -0.2, -0.4, 0.1],
            "components": [5, 3, 4, 1],
        }
    )
    summary = sweeps.random_bipartite_summary(er)
    assert list(summary.columns) == ["ΔR", "ΔS", "components"]
    assert summary.loc[2].tolist() == [-0.1, -0.4, 4.0] and summary.loc[8].tolist() == [0.02, 0.1, 1.0]


def test_figure1_table_reads_two_blocks_and_an_eight_cycle():
    blocks = np.zeros((4, 4))
    blocks[:2, :2] = blocks[2:, 2:] = 1  # two K_{2,2}: singular values 2, 2, 0, 0
    cycle = np.zeros((4, 4))
    for i in range(4):
        cycle[i, i] = cycle[i, (i + 1) % 4] = 1  # an 8-cycle: singular values |1 + i^k| = 2, √2, 0, √2
    t = sweeps.figure1_table({"split": [blocks], "cycle": [cycle, cycle]})
    assert t[["network", "layer"]].values.tolist() == [["split", 1], ["cycle", 1], ["cycle", 2]]
    split, ring = t.iloc[0], t.iloc[1]
    assert split["components"] == 2 and split["t1"] == pytest.approx(2) and split["t2"] == 0
    assert split["ΔS"] == math.inf
    assert ring["components"] == 1 and ring["t2"] == pytest.approx(math.sqrt(2))
    # eb = 2 sqrt(t1 - 1) = 2 and db = sqrt(dL - 1) + sqrt(dR - 1) = 2; Δ = (2 - √2) / √2 = √2 - 1
    assert ring["eb"] == pytest.approx(2) and ring["db"] == pytest.approx(2)
    assert ring["ΔS"] == pytest.approx(math.sqrt(2) - 1) and ring["ΔR"] == pytest.approx(math.sqrt(2) - 1)


def test_two_regular_line_says_both_maxima():
    assert numbers(sweeps.two_regular_line(90, {True: 12, False: 16})) == [90, 12, 16, 16]
    assert numbers(sweeps.two_regular_line(6, {True: 5, False: 9}, n=3)) == [6, 5, 9, 9]


# ------------------------------------------------------------------ chapter 2: random masks
def test_dense_layer_table_names_each_layer_of_an_unpruned_lenet():
    from ramanujan_lth.networks.models import build_model

    t = sweeps.dense_layer_table({"lenet": build_model("lenet_300_100", seed=0)})
    assert list(t.columns) == ["model", "layer", "kind", "shape", "n_left", "n_right", "edges", "t1", "t2"]
    fc1 = t.iloc[0]
    assert (fc1["model"], fc1["layer"], fc1["shape"]) == ("lenet", "fc1", "300 × 784")
    assert (fc1["n_left"], fc1["n_right"], fc1["edges"]) == (784, 300, 235200)
    # complete bipartite: rank one, t1 = sqrt(784 * 300)
    assert fc1["t1"] == pytest.approx(math.sqrt(784 * 300)) and fc1["t2"] == 0
    assert t["layer"].tolist() == ["fc1", "fc2", "fc3"]


def _sweep(model, lose_at):
    """An unweighted sweep of one layer fc1 that has the property down to (not including) lose_at."""
    return pd.DataFrame(
        {
            "graph": "unweighted",
            "seed": 0,
            "layer": "fc1",
            "target_density": [0.5, 0.2, 0.1, 0.05],
            "ramanujan": [d > lose_at for d in (0.5, 0.2, 0.1, 0.05)],
            "model": model,
        }
    )


def test_loss_density_keeps_networks_apart_and_the_table_gives_percent_medians():
    sweep = pd.concat([_sweep("a", 0.2), _sweep("b", 0.05)], ignore_index=True)
    lost = sweeps.loss_density(sweep)
    assert lost["model"].tolist() == ["a", "b"]  # the same layer name in two networks: two rows
    assert lost["first_lost_density"].tolist() == [0.2, 0.05]
    assert lost["last_ramanujan_density"].tolist() == [0.5, 0.1]
    # without a model column: as before, one row per (graph, seed, layer)
    alone = sweeps.loss_density(_sweep("a", 0.1).drop(columns="model"))
    assert "model" not in alone and alone["first_lost_density"].tolist() == [0.1]
    # two masks of network a: medians (0.2, 0.1) -> 15 %, (0.5, 0.2) -> 35 %
    two = pd.concat([_sweep("a", 0.2), _sweep("a", 0.1).assign(seed=1)], ignore_index=True)
    table = sweeps.loss_density_table(sweeps.loss_density(two))
    assert list(table.columns) == ["last density with the property", "first density without"]
    assert table.loc[("a", "fc1")].tolist() == pytest.approx([35.0, 15.0])


def test_t1_below_one_table_marks_the_cells_from_dense_to_sparse():
    weighted = pd.DataFrame(
        {
            "graph": ["weighted"] * 4 + ["unweighted"],
            "model": "lenet",
            "layer": ["fc1", "fc1", "fc3", "fc3", "fc3"],
            "target_density": [0.1, 0.5, 0.1, 0.5, 0.1],
            "t1": [2.0, 9.0, 0.4, 1.5, 0.1],
        }
    )
    below = sweeps.t1_below_one_table(weighted)
    assert list(below.columns) == ["50 %", "10 %"]
    assert below.loc[("lenet", "fc1")].tolist() == ["", ""]
    assert below.loc[("lenet", "fc3")].tolist() == ["", "t1 < 1"]


def test_arpack_line_gives_the_largest_differences():
    agree = pd.DataFrame({"rel. diff t1": [1e-16, 3.2e-15], "rel. diff t2": [np.nan, 4.56e-12]})
    assert numbers(sweeps.arpack_line(agree)) == [3.2e-15, 4.6e-12]


# ------------------------------------------------------------------ chapter 4: Algorithm 1 and Table 3
def _cand(k, decision, reason, score_t1):
    return {"k": k, "decision": decision, "reason": reason, "score_t1": score_t1}


def _bound_runs():
    """Two -Bound runs: IMP's accepts one candidate on each test; SNIP's only on the unweighted bounds."""
    imp = [
        {
            "round": 0,
            "bound_decisions": [
                {
                    "layer": "fc1",
                    "reason": "accepted (unweighted)",
                    "candidates": [_cand(0, "accept", "unweighted bound", 0.5)],
                },
                {
                    "layer": "fc2",
                    "reason": "accepted (score-weighted)",
                    "candidates": [
                        _cand(0, "reject", "no bound", math.nan),
                        _cand(1, "accept", "score-weighted bound", 3.0),
                    ],
                },
            ],
        },
        {"round": 1, "bound_decisions": []},  # no layer changed: the run stopped by itself
    ]
    snip = [
        {
            "round": 0,
            "bound_decisions": [
                {"layer": "fc1", "reason": "collapse guard", "candidates": [_cand(0, "accept", "unweighted", math.inf)]}
            ],
        },
    ]
    return {"magnitude": {"bound": run(imp)}, "snip": {"bound": run(snip)}}


NAMES = {"magnitude": "IMP", "snip": "SNIP", "synflow": "SynFlow"}


def test_decisions_t1_summary_and_acceptance_lines_count_each_run():
    runs = _bound_runs()
    decisions = comparison.decision_frame(runs, NAMES)
    assert decisions.values.tolist() == [
        ["IMP", "fc1", 0, "accepted (unweighted)"],
        ["IMP", "fc2", 0, "accepted (score-weighted)"],
        ["SNIP", "fc1", 0, "collapse guard"],
    ]
    summary = comparison.score_t1_summary(runs, NAMES)  # NaN and inf left out: SNIP has none
    assert list(summary.index) == ["IMP"] and summary.loc["IMP"].tolist() == [2.0, 0.5, 1.75, 3.0]
    assert comparison.acceptance_lines(runs, NAMES).split("\n") == [
        "* **IMP-Bound**: 1 of 2 accepted candidates passed on the score-weighted test, the other 1 on the "
        "unweighted bounds (t₁ of the score-weighted graph at most 3).",
        "* **SNIP-Bound**: 0 of 1 accepted candidates passed on the score-weighted test, the other 1 on the "
        "unweighted bounds (no score-weighted check reached).",
    ]


def test_capped_acceptances_list_only_the_runs_the_round_cap_stopped():
    cand = {"k": 2, "fraction": 0.05, "t2": 0.0, "delta_s": 1.0, "delta_r": 2.0, "accepted_by": "unweighted"}
    capped = [
        {
            "round": 0,
            "layers": {},
            "bound_decisions": [{"layer": "fc1", "candidates": [cand | _cand(2, "accept", "", 1)]}],
        },
        {"round": 1},  # the round cap: the last record trains and decides nothing
    ]
    runs = {"magnitude": _bound_runs()["magnitude"], "synflow": {"bound": run(capped)}}
    t = comparison.capped_acceptances(runs, NAMES)  # IMP's run stopped by itself
    assert t["run"].tolist() == ["SynFlow-Bound"]
    assert t.iloc[0][["layer", "k", "max Δ", "fallen apart"]].tolist() == ["fc1", 2, 2.0, True]
    assert comparison.capped_acceptances({"magnitude": _bound_runs()["magnitude"]}, NAMES) is None


def test_table3_caption_names_one_source_or_each():
    assert comparison.table3_caption({"magnitude": "stored", "snip": "stored"}, NAMES) == "ours: stored"
    assert comparison.table3_caption({"magnitude": "stored", "snip": "quick"}, NAMES) == "ours: IMP stored; SNIP quick"


def test_plain_end_lines_give_each_alpha_2_run():
    records = [{"round": 0, "density": 1.0, "accuracy": 0.98}, {"round": 20, "density": 0.0115, "accuracy": 0.9612}]
    end = run(records, data={"n_train": 17435, "n_test": 10000})
    line = comparison.plain_end_lines({"snip": {2.0: end}}, NAMES)
    assert line.startswith("* **SNIP α = 2**") and "\n" not in line
    # α, accuracy and density of the last round, then the data: 17,435 of 60,000 images, one seed
    assert numbers(line) == [2, 96.12, 1.15, 17435, 60000, 1]


PAPER = {"imp": {1.0: 97.0, 1.5: 95.0, 2.0: 45.0}, "snip": {1.0: 96.0, 1.5: 90.0, 2.0: 50.0}}


def test_paper_points_give_each_alpha_as_a_density_and_a_fraction():
    points = comparison.paper_points(PAPER, NAMES, ["magnitude"])
    assert points["score"].tolist() == ["IMP"] * 3
    assert points["density"].tolist() == pytest.approx([0.1, 0.0316228, 0.01])
    assert points["accuracy"].tolist() == pytest.approx([0.97, 0.95, 0.45])
    assert comparison.paper_points({}, NAMES, ["magnitude"]) is None


def _rates():
    rows = []
    for score, rate, accs in (("IMP", 0.1, [0.98, 0.95]), ("IMP", 0.2, [0.98, 0.75]), ("SNIP", 0.1, [0.97, 0.96])):
        for rnd, acc in enumerate(accs):
            rows.append(
                {"score": score, "output rate": f"p_out = {rate:g}", "round": rnd, "density": [1.0, 0.01][rnd]}
                | {"accuracy": acc, "output weights": [1000, 100 if rate == 0.1 else 10][rnd]}
            )
    return pd.DataFrame(rows)


def test_output_rate_ends_and_lines_take_the_last_round_of_each_run():
    ends = comparison.output_rate_ends(_rates(), PAPER, NAMES, ["magnitude", "snip"])
    assert ends[["score", "output rate", "accuracy", "output weights"]].values.tolist() == [
        ["IMP", "p_out = 0.1", 0.95, 100],
        ["IMP", "p_out = 0.2", 0.75, 10],
        ["SNIP", "p_out = 0.1", 0.96, 100],
    ]
    assert ends["paper accuracy (α=2)"].tolist() == [0.45, 0.45, 0.5]
    # IMP: 95 -> 75 %, 20 of the 50 points down to the paper's 45 %: 40 % of the way
    imp, snip = comparison.output_rate_lines(ends).split("\n")
    assert imp.startswith("* **IMP**") and numbers(imp) == [95.0, 0.1, 75.0, 0.2, -20.0, 10, 10, 40, 45.0]
    assert snip.startswith("* **SNIP**") and numbers(snip) == []  # one output rate only: nothing to compare
    no_paper = comparison.output_rate_ends(_rates(), {}, NAMES, ["magnitude", "snip"])
    assert "of the way" not in comparison.output_rate_lines(no_paper, n_classes=100)


def test_last_round_spectra_split_the_last_round_by_graph():
    def spec(graph, t1):
        return {"graph": graph, "layer": "fc1", "t1": t1, "t2": 0.5, "d_avg_left": 2.0, "d_avg_right": 3.0}

    def fields(graph, t1):
        return spec(graph, t1) | {"eb": 1.0, "db": 2.0, "delta_s": 0.1, "delta_r": 0.2, "edges": 7, "total": 70}

    records = [
        {
            "round": r,
            "density": 0.5 / (r + 1),
            "spectral": [fields(g, t1 + r) for g, t1 in zip(("unweighted", "weighted", "score"), (4.0, 2.0, 0.1))],
        }
        for r in range(2)
    ]
    for rec in records:
        for s in rec["spectral"]:
            s["density"] = 0.1
    last_round, sizes, spectra = comparison.last_round_spectra(run(records))
    assert last_round == 1 and sizes.values.tolist() == [["fc1", 7, 70, 0.1]]
    assert list(spectra) == ["unweighted", "weighted", "score"]
    assert list(spectra["weighted"].columns) == ["layer", "t1", "t2", "dL", "dR", "eb", "db", "ΔS", "ΔR"]
    assert spectra["weighted"]["t1"].tolist() == [3.0] and spectra["score"]["t1"].tolist() == [1.1]


# ------------------------------------------------------------------ chapter 5: the significance tests
def _tests():
    """Delta tests of fc1 (lost at round 2, 64 % overall density) and fc2 (never lost)."""
    rows = []
    for layer, lost_at in (("fc1", 2), ("fc2", None)):
        for rnd, dens in enumerate((1.0, 0.8, 0.64)):
            rows.append(
                {"layer": layer, "round": rnd, "overall_density": dens, "layer_density": dens * 0.9}
                | {"rejected": rnd == lost_at, "mean": -0.1 if rnd == lost_at else 0.5}
                | {"upper": 0.0, "lower": -0.2, "p": 0.01 if rnd == lost_at else 0.9, "n": 3}
            )
    return pd.DataFrame(rows)


def test_paper_density_frame_puts_our_densities_at_the_papers_rounds():
    tests = _tests()
    tests.loc[(tests["layer"] == "fc1") & (tests["round"] == 2), "round"] = 6  # fc1's round of the paper
    t = results.paper_density_frame(tests)
    assert t[["layer", "round", "paper %"]].values.tolist() == [
        ["fc1", 6, 26.31],
        ["fc2", 10, 10.82],
        ["fc3", 18, 1.84],
    ]
    assert t["ours: network %"].iloc[0] == pytest.approx(64.0) and t["ours: layer %"].iloc[0] == pytest.approx(57.6)
    assert t["ours: network %"].iloc[1:].isna().all()


def test_alignment_frame_and_never_lost_read_both_tests():
    drops = pd.DataFrame(
        {"k": [0.01, 0.01, 0.05, 0.05], "density": [0.8, 0.64, 0.8, 0.64], "rejected": [True, True, False, False]}
    )
    t = results.alignment_frame({"lenet_300_100": {"tests": _tests(), "drops": drops}})
    row = t.iloc[0]
    assert row["first layer lost at %"] == pytest.approx(64.0)
    assert math.isnan(row["all layers lost at %"])  # fc2 never loses it
    assert row["drop > 0.01 from %"] == pytest.approx(80.0) and math.isnan(row["drop > 0.05 from %"])
    lenet, toy = findings.never_lost({"lenet_300_100": {"tests": _tests()}, "toy": {"tests": _tests().head(3)}}).split(
        "\n"
    )
    assert lenet.startswith("* LeNet-300-100") and "fc2" in lenet and "fc1" not in lenet
    assert toy.startswith("* toy") and "fc" not in toy  # every studied layer of the toy loses it


def test_drop_test_chart_labels_each_tolerance():
    drops = pd.DataFrame(
        {"k": [0.05, 0.001], "round": [1, 1], "density": [0.8, 0.8], "mean_drop": [0.0, 0.01]}
        | {"p": [0.5, 0.01], "rejected": [False, True]}
    )
    d = plots.drop_test_chart(drops, [0.001, 0.05], title="t").to_dict()
    (rows,) = d["datasets"].values()
    assert [(r["k"], r["H0"]) for r in rows] == [
        ("k = 0.05", "not rejected"),
        ("k = 0.001", "rejected: dropped by more than k"),
    ]
    assert d["encoding"]["y"]["sort"] == ["k = 0.001", "k = 0.05"] and d["title"] == "t"


# ------------------------------------------------------------------ chapter 7: the appendix
def test_schedule_ends_average_the_last_round_over_seeds():
    def runs(fc3s):
        return [
            run(
                [
                    {"round": 0, "density": 1.0, "layers": {}},
                    {"round": 9, "density": 0.02 * (i + 1), "layers": {"fc1": 0.01, "fc3": f}},
                ]
            )
            for i, f in enumerate(fc3s)
        ]

    studied = {"LeNet-300-100, global": {"results": runs([0.1, 0.3])}, "LeNet, a, b": {"results": runs([0.5])}}
    ends = results.schedule_ends(studied, ["LeNet-300-100, global", "LeNet, a, b"])
    assert list(ends.index) == ["global", "a, b"] and list(ends.columns) == [
        "overall",
        "fc1",
        "fc3",
        "fc3 weights kept",
    ]
    assert ends.loc["global"].tolist() == pytest.approx([0.03, 0.01, 0.2, 200.0])
    html = tables.schedule_ends_table(ends).to_html()
    assert "3.00%" in html and ">200<" in html


def _spectral_run(seed, deltas):
    """A run whose layer fc1 has Δ = deltas[round] (unweighted, both bounds; weighted ΔS = 1)."""
    records = [
        {
            "round": r,
            "density": 0.8**r,
            "spectral": [
                {"graph": "unweighted", "layer": "fc1", "delta_s": d, "delta_r": d, "density": 0.8**r},
                {"graph": "weighted", "layer": "fc1", "delta_s": 1.0, "delta_r": 1.0, "density": 0.8**r},
            ],
        }
        for r, d in enumerate(deltas)
    ]
    return run(records, seed=seed)


def test_study_losses_label_each_study_and_the_table_shows_the_unweighted_graph():
    studied = {
        "A": {"results": [_spectral_run(0, [1.0, 0.5, -0.1]), _spectral_run(1, [1.0, 0.1, -0.3])], "layers": ["fc1"]},
        "B": {"results": [_spectral_run(0, [1.0, 1.0, 1.0])]},
    }
    loss = results.study_losses(studied, layers={"B": ["fc1"]})
    assert list(loss.columns)[-1] == "study" and loss["study"].tolist() == ["A", "A", "B", "B"]
    unweighted = loss[loss["graph"] == "unweighted"].set_index("study")
    assert unweighted.loc["A", "first density without"] == pytest.approx(0.64)
    assert unweighted.loc["A", "last density with the property"] == pytest.approx(0.8)
    assert math.isnan(unweighted.loc["B", "first density without"])
    by_model = results.study_losses({"m": {"results": studied["B"]["results"]}}, {"m": ["fc1"]}, key="model")
    assert by_model["model"].tolist() == ["m", "m"]
    html = tables.study_loss_table(loss).to_html()
    assert "0.6400" in html and "not within the runs" in html and "weighted" not in html


def test_criterion_effect_gives_each_group_of_criteria_and_the_change_per_test_set():
    against = pd.DataFrame(
        {
            "criterion": ["UE", "UD", "WE", "WD"],
            "density %": [30.0, 33.6, 1.17, 2.56],
            "plain round": [5, 5, 20, 17],
            "clean: -Bound minus plain": [-0.11, 0.19, 0.0, 0.05],
            "σ = 0.3: -Bound minus plain": [-1.05, 0.51, 0.2, 0.1],
        }
    )
    # stop densities of the unweighted and the weighted criteria, then the accuracy changes per test set
    assert numbers(findings.criterion_effect(against)) == [30, 33.6, 1.17, 2.56, -0.11, 0.19, -1.05, 0.51, 0.3]
    html = tables.criterion_against_table(against).to_html()
    assert ">33.60<" in html and ">17<" in html


def test_styled_tables_format_their_numbers():
    table3 = pd.DataFrame(
        {"algorithm": ["IMP-Bound"], "density %": [1.234], "accuracy %": [96.7], "paper density %": [np.nan]}
        | {"paper accuracy %": [97.0], "rounds": [36.0]}
    )
    html = tables.table3_table(table3, caption="ours: stored").to_html()
    assert ">1.23<" in html and ">–<" in html and ">36<" in html and "ours: stored" in html
    points = pd.DataFrame({"layer": ["fc1"], "round": [6.0], "sample mean": [-0.012345], "runs": [10]})
    html = tables.loss_points_table(points, caption="lenet").to_html()
    assert ">6<" in html and ">-0.0123<" in html and ">10<" in html
    stops = pd.DataFrame({"criterion": ["UE"], "density %": [30.0], "layers held": ["fc1 <held>"]})
    html = tables.criterion_stops_table(stops).to_html()
    assert "&lt;held&gt;" in html and "text-align: left" in html and ">30.00<" in html


# ------------------------------------------------------------------ chapters 6 and 8
def test_regime_rules_stack_the_t_test_rows_over_the_mean_rows():
    # fc1 clearly below 0 at round 1 in three seeds: partially Ramanujan by both rules
    spec = pd.concat(
        [results.spectral_table([_spectral_run(seed, [1.0 + seed / 10, -1.0 - seed / 10])]) for seed in range(3)],
        ignore_index=True,
    )
    spec = pd.concat([spec, spec.assign(layer="fc2", delta_s=5.0, delta_r=5.0, max_delta=5.0)], ignore_index=True)
    both = claims.regime_rules(spec, ["fc1", "fc2"])
    assert both["rule"].tolist() == ["t-test (A.5)"] * 2 + ["mean Δ > 0 (chapter 3)"] * 2
    assert both["regime"].tolist() == ["fully", "partially", "fully", "partially"]
    assert both["density"].tolist() == pytest.approx([1.0, 0.8, 1.0, 0.8])


def test_iclr_table4_grid_sets_paper_and_ours_side_by_side_per_graph():
    iclr = pd.DataFrame(
        {
            "layer": ["fc1", "fc1", "fc1", "fc1"],
            "graph": ["unweighted", "unweighted", "weighted", "unweighted"],
            "field": ["t1", "t2", "t1", "density"],
            "paper": [4.0, 1.0, 2.0, 0.01],
            "reproduced": [4.5, np.nan, 2.5, 0.02],
        }
    )
    wide = report.iclr_table4_grid(iclr)
    assert list(wide.columns) == [
        ("unweighted", "paper"),
        ("unweighted", "ours"),
        ("weighted", "paper"),
        ("weighted", "ours"),
    ]
    assert list(wide.index) == [("fc1", "t1"), ("fc1", "t2"), ("fc1", "density")]
    assert wide.loc[("fc1", "t1")].tolist() == [4.0, 4.5, 2.0, 2.5]
    assert wide.loc[("fc1", "t2"), ("unweighted", "paper")] == 1.0 and wide.loc[("fc1", "t2")].iloc[1:].isna().all()


def test_report_table_names_ours_and_puts_the_data_in_the_caption():
    rows = pd.DataFrame(
        {
            "quantity": ["fc1 density %"],
            "paper": [26.31],
            "reproduced": [25.123456],
            "spread": ["1 seed"],
            "explanation": ["the <data>"],
            "runs": ["run-a"],
            "data": ["17,435 MNIST images"],
        }
    )
    html = tables.report_table(rows, "Table 4")
    assert "<th>ours</th>" in html and ">25.12<" in html and ">26.31<" in html
    assert "<caption>Table 4 — data: 17,435 MNIST images</caption>" in html and "the &lt;data&gt;" in html
