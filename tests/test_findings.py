"""The closing lines of chapters, computed from fabricated tables whose answers are known."""

from types import SimpleNamespace

import pandas as pd
from ramanujan_lth import findings, paper


def test_random_mask_findings_name_the_first_layer_the_first_bound_and_the_split_graphs():
    rows = []
    for layer, s_fail, r_fail in (("fc1", 0.2, 0.05), ("fc2", 0.05, 0.1)):
        for d in (0.5, 0.2, 0.1, 0.05):
            rows.append(
                {
                    "graph": "unweighted",
                    "model": "toy",
                    "layer": layer,
                    "seed": 0,
                    "target_density": d,
                    "delta_s": -0.1 if d <= s_fail else 0.1,
                    "delta_r": -0.1 if d <= r_fail else 0.1,
                    "components": 3 if (layer == "fc1" and d == 0.05) else 1,
                }
            )
    sweep = pd.DataFrame(rows)
    lost = pd.DataFrame({"model": "toy", "layer": ["fc1", "fc2"], "first_lost_density": [0.2, 0.1]})
    weighted = pd.DataFrame({"graph": "weighted", "model": "toy", "target_density": [0.5, 0.1], "t1": [2.0, 0.5]})
    text = findings.random_masks(sweep, lost, weighted)
    assert "fc1 first, at 20 %" in text
    assert "fails first in 1 of 2" in text and "degree bound (ΔR < 0) in 1" in text
    assert "(5 %), 1 of 2 layer graphs" in text
    assert "from 10 % density down" in text


def _run(density, accuracy):
    return SimpleNamespace(records=[{"density": density, "accuracy": accuracy}])


def test_bound_pruner_findings_put_ours_beside_the_papers():
    runs = {"magnitude": {2.0: _run(0.01, 0.962), "bound": _run(0.036, 0.97), "star": _run(0.036, 0.95)}}
    text = findings.bound_pruner(runs, {"magnitude": "IMP"}, paper.PAPER_TABLE3["lenet_300_100"])
    assert "keeps 96.2 % where the paper reports 45.4 %" in text
    assert "IMP-Bound stops at 3.6 % with 97.0 %, +2.00 points" in text
    assert "(paper: +1.67 at 3.6 %)" in text  # 96.74 - 95.07
