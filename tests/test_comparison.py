"""Chapter 4's frames of Table 3's runs, on hand-made runs whose numbers are known."""

import pandas as pd
import pytest
from ramanujan_lth import comparison, findings
from ramanujan_lth.storage.params import RunParams, RunResult


def run(densities, accuracies, layers=None, decisions=False):
    recs = [
        {"round": t, "density": d, "accuracy": a, "layers": (layers or {}).get(t, {"fc1": d, "fc2": d})}
        for t, (d, a) in enumerate(zip(densities, accuracies))
    ]
    if decisions:
        recs[-1]["bound_decisions"] = []
    return RunResult(RunParams(), None, recs, True)


def runs_of_one_score():
    return {
        1.0: run([1.0, 0.1], [0.98, 0.97]),
        1.5: run([1.0, 0.0316], [0.98, 0.96]),
        2.0: run([1.0, 0.1, 0.01], [0.98, 0.97, 0.90]),
        "bound": run([1.0, 0.05], [0.98, 0.95], {1: {"fc1": 0.04, "fc2": 0.2}}, decisions=True),
        "star": run([1.0, 0.05], [0.98, 0.93], {1: {"fc1": 0.05, "fc2": 0.05}}),
    }


def test_table3_frame_puts_ours_beside_the_paper_in_percent():
    paper = {"no pruning": (100, 98.2), "imp": {1.0: 97.5, "bound": (4.8, 96.0), "star": 94.0}}
    t = comparison.table3_frame({"magnitude": runs_of_one_score()}, {"magnitude": "IMP"}, paper).set_index("algorithm")
    assert list(t.index) == ["no pruning", "IMP α=1", "IMP α=1.5", "IMP α=2", "IMP-Bound", "IMP*"]
    assert t.loc["no pruning", "accuracy %"] == pytest.approx(98.0) and t.loc["no pruning", "paper accuracy %"] == 98.2
    assert t.loc["IMP α=2", "density %"] == pytest.approx(1.0) and t.loc["IMP α=2", "paper density %"] == 1.0
    assert (t.loc["IMP-Bound", "rounds"], t.loc["IMP-Bound", "stopped by"]) == (1, "no layer changed")
    assert t.loc["IMP*", "paper accuracy %"] == 94.0 and t.loc["IMP*", "paper density %"] == 4.8


def test_gain_split_ratio_and_paths():
    runs, names = {"magnitude": runs_of_one_score()}, {"magnitude": "IMP"}
    paper = {"imp": {"bound": (4.8, 96.0), "star": 94.0}}
    gain = comparison.bound_gain_frame(runs, names, paper, {"magnitude": "quick profile"}, "lenet_300_100", None)
    assert gain["difference"].tolist() == pytest.approx([2.0, 2.0]) and gain["source"].tolist() == [
        "ours (quick profile)",
        "paper",
    ]
    split = comparison.layer_split_frame(runs, names)
    assert len(split) == 4 and split["density %"].tolist() == pytest.approx([4.0, 20.0, 5.0, 5.0])
    ratio = comparison.layer_ratio_frame(split, gain)
    assert ratio.loc["IMP"].tolist() == pytest.approx([0.8, 4.0, 2.0])  # fc1, fc2, then the accuracy difference
    paths = comparison.trajectory_frame(runs, names)
    assert paths.groupby("variant").size().to_dict() == {"-Bound": 2, "plain": 3}


def test_candidate_table_has_a_row_per_layer_and_level():
    cand = {"k": 0, "fraction": 0.2, "n_pruned": 5, "d_avg_left": 3.0, "d_avg_right": 4.0, "delta_s": 0.1}
    cand |= {"delta_r": -0.2, "score_t1": 1.5, "score_delta_s": 0.3, "decision": "accept", "reason": "unweighted"}
    rec = {
        "bound_decisions": [
            {"layer": "fc1", "candidates": [cand, cand | {"k": 1}]},
            {"layer": "fc2", "candidates": [cand]},
        ]
    }
    t = comparison.candidate_table(rec)
    assert t[["layer", "k"]].values.tolist() == [["fc1", 0], ["fc1", 1], ["fc2", 0]] and t["ΔR"].eq(-0.2).all()


def test_appendix_losses_orders_the_layers_and_names_the_checks():
    studied = {"A": {"results": [run([1.0, 0.2], [0.9, 0.9])], "source": "stored", "layers": ["fc1", "fc2", "fc3"]}}
    studied["B"] = {"results": [run([1.0], [0.1])], "source": "quick", "layers": ["fc1"]}
    loss = pd.DataFrame(
        {
            "study": ["A", "A", "A"],
            "graph": ["unweighted", "unweighted", "weighted"],
            "layer": ["fc1", "fc2", "fc3"],
            "first density without": [0.3, 0.5, 0.1],
        }
    )
    text = findings.appendix_losses(studied, loss, ["B"])
    assert "fc2 at 50 %, fc1 at 30 %; fc3 never within the runs; the runs stop at 20 % overall" in text
    assert text.splitlines()[-1].startswith("* Not yet a finding: B")
