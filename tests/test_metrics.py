"""Later measures (r, IMDB, NaRC, weighted spectral gap) on graphs whose answer is known by hand."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
from ramanujan_lth import metrics
from ramanujan_lth.networks.models import build_model
from ramanujan_lth.networks.network_spectra import layer_report
from ramanujan_lth.storage.runs import RunParams, run


def blocks(*shapes, extra_cols=0):
    """Block-diagonal 0/1 matrix of all-ones blocks (complete bipartite components)."""
    rows, cols = sum(s[0] for s in shapes), sum(s[1] for s in shapes) + extra_cols
    B = np.zeros((rows, cols))
    r = c = 0
    for a, b in shapes:
        B[r : r + a, c : c + b] = 1
        r, c = r + a, c + b
    return B


def r_by_hand(t2, dl, dr):
    return 1 - t2 / (math.sqrt(dl - 1) + math.sqrt(dr - 1))


# K_{3,4} beside K_{4,4}: every left vertex has degree 4; singular values sqrt(12) and 4
LEFT_REGULAR = blocks((3, 4), (4, 4))
R_LEFT_REGULAR = r_by_hand(math.sqrt(12), 4, 28 / 8)
# K_{4,3} beside K_{3,3}: left degree 3; singular values sqrt(12) and 3
DEGREE_THREE = blocks((4, 3), (3, 3))
R_DEGREE_THREE = r_by_hand(3, 3, 21 / 6)


def test_normalized_margin_by_hand_and_undefined_below_degree_three():
    assert metrics.normalized_margin(2.0, 5, 10) == pytest.approx(1 - 2 / (2 + 3))
    assert math.isnan(metrics.normalized_margin(1.0, 2.9, 10))
    assert math.isnan(metrics.normalized_margin(1.0, 10, float("nan")))


def test_imdb_of_a_left_regular_graph_is_its_r():
    assert R_LEFT_REGULAR == pytest.approx(-0.045549, abs=1e-6)
    assert metrics.imdb(LEFT_REGULAR) == pytest.approx(R_LEFT_REGULAR, rel=1e-9)


def test_imdb_is_the_mean_over_degree_groups():
    B = np.zeros((14, 14))
    B[:7, :8] = LEFT_REGULAR
    B[7:, 8:] = DEGREE_THREE
    assert metrics.imdb(B) == pytest.approx((R_LEFT_REGULAR + R_DEGREE_THREE) / 2, rel=1e-9)
    # a group of two vertices (degree 5) and isolated left vertices are skipped; a group of fewer than
    # MIN_GROUP = 3 left vertices gives its right vertices degrees below MIN_DEGREE = 3, so r alone would skip it
    wider = np.zeros((18, 19))
    wider[:14, :14] = B
    wider[14:16, 14:19] = 1
    assert metrics.imdb(wider) == pytest.approx(metrics.imdb(B), rel=1e-12)
    assert metrics.MIN_GROUP <= metrics.MIN_DEGREE and math.isnan(metrics.imdb(wider[14:16]))


def test_imdb_undefined_when_no_group_has_degrees_of_three():
    assert math.isnan(metrics.imdb(blocks((3, 2), (3, 2))))  # left degree 2
    assert math.isnan(metrics.imdb(np.zeros((5, 4))))


def test_narc_by_hand():
    # complete bipartite layer: no spread term, t2 = 0 -> 1 / sqrt(nL nR)
    assert metrics.narc(12, 4, 3, 4, 3, 0.0) == pytest.approx(1 / math.sqrt(12))
    # K_{2,2} inside a 4 x 3 layer: (sqrt(4) - |4 - 2/3 * 4|) / 12 = 1/18
    assert metrics.narc(4, 2, 2, 4, 3, 0.0) == pytest.approx(1 / 18)
    assert metrics.narc(4, 2, 2, 4, 3, 2.0) == pytest.approx((2 * 2 - 4 / 3) / 12)
    assert math.isnan(metrics.narc(0, 0, 0, 4, 3, 0.0))


def lenet_with(mask_fc2, weight_fc2=None):
    model = build_model("lenet_300_100", seed=0)
    if weight_fc2 is not None:
        with torch.no_grad():
            model.fc2.weight.copy_(weight_fc2)
    return model, {"fc2": mask_fc2}


def test_weighted_gap_of_complete_graphs_is_sigma_one():
    model, masks = lenet_with(torch.ones(100, 300), torch.full((100, 300), -0.5))
    rep = layer_report(model, masks, graph="weighted").set_index("layer")
    assert rep.loc["fc2", "spectral_gap"] == pytest.approx(0.5 * math.sqrt(300 * 100), rel=1e-9)  # rank one: σ2 = 0
    unw = layer_report(model, masks).set_index("layer")
    assert unw.loc["fc2", "spectral_gap"] == pytest.approx(math.sqrt(30_000), rel=1e-9)
    assert unw.loc["fc2", "narc"] == pytest.approx(1 / math.sqrt(30_000), rel=1e-9)
    assert math.isnan(rep.loc["fc2", "imdb"]) and math.isnan(rep.loc["fc2", "r"])  # unweighted-graph measures


def test_layer_report_carries_the_later_measures_of_the_mask():
    mask = torch.zeros(100, 300)
    mask[:8, :7] = torch.from_numpy(LEFT_REGULAR.T.copy())[:8, :7]  # fc2's bi-adjacency is mask.T
    model, masks = lenet_with(mask)
    row = layer_report(model, masks).set_index("layer").loc["fc2"]
    assert row["imdb"] == pytest.approx(R_LEFT_REGULAR, rel=1e-9)
    assert row["r"] == pytest.approx(R_LEFT_REGULAR, rel=1e-9)  # one degree group: the whole graph
    with pytest.raises(ValueError, match="unweighted"):
        layer_report(model, masks, graph="unweighted", scores={"fc2": mask})


def test_fill_derived_matches_what_new_records_store(mnist, tmp_path):
    res = run(
        RunParams(rounds=2, iterations=20, n_train=600, n_test=300, noise_sigmas=()),
        runs_dir=tmp_path,
        data=mnist,
        progress=False,
    )
    spec = res.spectral()
    old = spec.drop(columns=["r", "narc", "spectral_gap", "imdb"])  # as a record from before the later measures
    filled = metrics.fill_derived(old)
    for col in ("r", "narc", "spectral_gap"):
        pd.testing.assert_series_equal(filled[col], spec[col], check_names=False, rtol=1e-9)
    assert filled["imdb"].isna().all()
    assert spec.loc[spec["graph"] == "unweighted", "narc"].notna().all()
