"""The spectral core against answers known in closed form (SPEC §1-2)."""

import dataclasses
import math

import numpy as np
import pytest
import torch
from ramanujan_lth import graphs, spectral
from ramanujan_lth.maths.spectral import biadjacency, bipartite_spectrum
from ramanujan_lth.networks.models import build_model
from ramanujan_lth.networks.network_spectra import layer_report, regime

METHODS = ["auto", "svd", "gram", "arpack"]


# ---------------------------------------------------------------- biadjacency
def test_fc_biadjacency_is_transpose():
    W = torch.arange(6.0).reshape(2, 3)  # (n_out=2, n_in=3)
    B = biadjacency(W)
    assert B.shape == (3, 2)
    assert np.array_equal(B, W.numpy().T)


def test_figure2_conv_unfolding_entry_by_entry():
    # paper Figure 2: kernel 2x2, 2 input channels, 3 output channels -> 8 x 3
    c_out, c_in, kh, kw = 3, 2, 2, 2
    W = torch.arange(c_out * c_in * kh * kw, dtype=torch.float64).reshape(c_out, c_in, kh, kw)
    B = biadjacency(W)
    assert B.shape == (8, 3)
    for o in range(c_out):
        for c in range(c_in):
            for i in range(kh):
                for j in range(kw):
                    left = c * kh * kw + i * kw + j  # one vertex per (channel, row, column)
                    assert B[left, o] == W[o, c, i, j]


def test_biadjacency_rejects_other_ranks():
    for shape in ((5,), (1, 2, 3, 4, 5, 6)):
        with pytest.raises(ValueError, match="2-D .* 3- to 5-D"):
            biadjacency(np.zeros(shape))


def test_biadjacency_of_conv1d_and_conv3d_has_one_left_vertex_per_channel_and_tap():
    W1 = np.arange(2 * 3 * 4.0).reshape(2, 3, 4)  # (c_out, c_in, k)
    assert biadjacency(W1).shape == (12, 2) and biadjacency(W1)[1 * 4 + 2, 1] == W1[1, 1, 2]
    W3 = np.arange(2 * 3 * 8.0).reshape(2, 3, 2, 2, 2)
    assert biadjacency(W3).shape == (24, 2) and biadjacency(W3)[2 * 8 + 5, 0] == W3[0, 2, 1, 0, 1]
    with pytest.raises(ValueError, match="groups=4 does not divide"):
        biadjacency(np.zeros((6, 1, 3)), groups=4)


# ---------------------------------------------------------------- known spectra
@pytest.mark.parametrize("m,n", [(89, 10), (3, 7), (1, 5), (20, 20)])
@pytest.mark.parametrize("method", METHODS)
def test_complete_bipartite(m, n, method):
    r = bipartite_spectrum(np.ones((m, n)), method=method)
    assert r.t1 == pytest.approx(math.sqrt(m * n), rel=1e-12)
    assert r.t2 == 0.0
    assert r.d_avg_left == n and r.d_avg_right == m
    assert r.delta_s == math.inf and r.delta_r == math.inf
    assert r.ramanujan


def test_iclr_table4_layer3_check():
    # SPEC §2: 89 surviving hidden units fully joined to 10 outputs, 11 isolated
    B = np.zeros((100, 10))
    B[:89] = 1.0
    r = bipartite_spectrum(B)
    assert r.t1 == pytest.approx(29.83, abs=5e-3)
    assert r.t2 == 0.0
    assert r.eb == pytest.approx(10.74, abs=5e-3)
    assert r.db == pytest.approx(12.38, abs=5e-3)
    assert {r.d_avg_left, r.d_avg_right} == {10.0, 89.0}


def test_even_cycle_spectrum_and_deltas():
    # C_{2n} as a bipartite graph: singular values 2|cos(pi k / n)|
    n = 6
    B = np.eye(n) + np.roll(np.eye(n), 1, axis=1)
    r = bipartite_spectrum(B)
    t2 = 2 * math.cos(math.pi / n)
    assert r.t1 == pytest.approx(2.0)
    assert r.t2 == pytest.approx(t2)
    assert r.eb == pytest.approx(2.0)  # 2 sqrt(2 - 1)
    assert r.db == pytest.approx(2.0)  # sqrt(1) + sqrt(1)
    assert r.delta_s == pytest.approx((2.0 - t2) / t2)
    assert r.delta_r == pytest.approx((2.0 - t2) / t2)


@pytest.mark.parametrize("method", METHODS)
def test_hand_computed_weighted_matrix(method):
    # B^T B = [[5, 4], [4, 5]] -> eigenvalues 9, 1 -> singular values 3, 1
    B = np.array([[2.0, 1.0], [1.0, 2.0], [0.0, 0.0]])
    r = bipartite_spectrum(B, method=method)
    assert r.t1 == pytest.approx(3.0)
    assert r.t2 == pytest.approx(1.0)
    # weighted degrees over non-isolated vertices: total 6 over 2 left, 2 right
    assert r.d_avg_left == pytest.approx(3.0) and r.d_avg_right == pytest.approx(3.0)
    assert r.eb == pytest.approx(2 * math.sqrt(2))  # 2 sqrt(3 - 1)
    assert r.db == pytest.approx(2 * math.sqrt(2))  # sqrt(3 - 1) + sqrt(3 - 1)
    assert r.delta_s == pytest.approx(2 * math.sqrt(2) - 1)
    assert r.delta_r == pytest.approx(2 * math.sqrt(2) - 1)


def test_degrees_skip_isolated_vertices():
    B = np.zeros((10, 6))
    B[0, :3] = 1
    B[1, 1:4] = 1
    r = bipartite_spectrum(B)
    assert r.d_avg_left == pytest.approx(6 / 2)  # 2 non-isolated rows, not 10
    assert r.d_avg_right == pytest.approx(6 / 4)  # columns 0..3


@pytest.mark.parametrize("seed", range(5))
def test_random_biregular_graphs_satisfy_bipartite_bound(seed):
    # (3, 6)-biregular: t1 = sqrt(18), and random ones are near-Ramanujan:
    # t2 below sqrt(2) + sqrt(5) with high probability
    B = graphs.random_biregular(400, 200, 3, 6, seed=seed)
    assert (B.sum(axis=1) == 3).all() and (B.sum(axis=0) == 6).all()
    r = bipartite_spectrum(B)
    assert r.t1 == pytest.approx(math.sqrt(18))
    assert r.db == pytest.approx(math.sqrt(2) + math.sqrt(5))
    assert r.delta_r > 0 and r.ramanujan


def test_badly_connected_graph_fails_the_bound():
    # two dense (3,6)-biregular halves joined by a few edges: a bottleneck, so
    # the second singular value sits just below the first
    half = [graphs.random_biregular(200, 100, 3, 6, seed=s) for s in (1, 2)]
    B = np.zeros((400, 200))
    B[:200, :100] = half[0]
    B[200:, 100:] = half[1]
    B[0, 150] = B[250, 50] = 1.0
    r = bipartite_spectrum(B)
    assert r.t2 > 0.95 * r.t1
    assert r.delta_s < 0 and r.delta_r < 0 and not r.ramanujan


def test_disconnected_equal_components_use_strict_rule():
    # two copies of C_8: sigma = 2, 2, sqrt2, sqrt2, ...: t2 must skip the repeat
    C = np.eye(4) + np.roll(np.eye(4), 1, axis=1)
    B = np.kron(np.eye(2), C)
    for method in METHODS:
        r = bipartite_spectrum(B, method=method)
        assert r.t1 == pytest.approx(2.0)
        assert r.t2 == pytest.approx(math.sqrt(2)), method
    # two identical complete blocks: every value equals t1 -> t2 = 0, delta = inf
    r = bipartite_spectrum(np.kron(np.eye(2), np.ones((2, 2))))
    assert r.t2 == 0.0 and r.delta_s == math.inf


def test_disconnected_unequal_components():
    B = np.zeros((5, 5))
    B[:3, :3] = 1.0  # K_{3,3}: sigma 3
    B[3:, 3:] = 1.0  # K_{2,2}: sigma 2
    r = bipartite_spectrum(B)
    assert r.t1 == pytest.approx(3.0) and r.t2 == pytest.approx(2.0)
    assert graphs.n_components(B) == 2


# ---------------------------------------------------------------- edge cases
def test_all_zero_matrix():
    r = bipartite_spectrum(np.zeros((4, 3)))
    assert r.t1 == 0.0 and r.t2 == 0.0
    assert math.isnan(r.eb) and math.isnan(r.db)
    assert math.isnan(r.delta_s) and math.isnan(r.delta_r)
    assert not r.ramanujan


def test_single_edge():
    B = np.zeros((3, 3))
    B[1, 2] = 1.0
    r = bipartite_spectrum(B)
    assert r.t1 == 1.0 and r.t2 == 0.0
    assert r.d_avg_left == 1.0 and r.d_avg_right == 1.0
    assert r.eb == 0.0 and r.db == 0.0
    assert r.delta_s == math.inf and r.ramanujan


def test_t1_below_one_is_nan_not_ramanujan():
    B = np.array([[0.3, 0.1], [0.1, 0.2]])
    r = bipartite_spectrum(B)
    assert r.t1 < 1
    assert math.isnan(r.eb) and math.isnan(r.delta_s)
    # weighted degrees below one: degree bound undefined too
    assert math.isnan(r.db) and math.isnan(r.delta_r)
    assert not r.ramanujan


def test_one_bound_nan_other_decides():
    # t1 < 1 but degrees fine is impossible for 0/1; use weights making t1 >= 1
    # with left degree < 1: one heavy edge plus light ones
    B = np.array([[1.5, 0.0], [0.0, 0.1]])
    r = bipartite_spectrum(B)
    assert math.isnan(r.db)  # mean weighted degree 0.8 < 1
    assert r.t2 == pytest.approx(0.1) and r.eb == pytest.approx(2 * math.sqrt(0.5))
    assert r.ramanujan == (r.delta_s > 0)


@pytest.mark.parametrize(
    "bad,msg",
    [
        (np.array([[1.0, np.nan]]), "NaN or infinite"),
        (np.array([[1.0, np.inf]]), "NaN or infinite"),
        (np.array([[1.0, -0.5]]), "negative"),
        (np.ones(3), "2-D"),
    ],
)
def test_invalid_input_raises(bad, msg):
    with pytest.raises(ValueError, match=msg):
        bipartite_spectrum(bad)


def test_record_is_immutable():
    r = bipartite_spectrum(np.ones((2, 2)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.t1 = 5.0
    assert r.t1 == 2.0


def test_unknown_method():
    with pytest.raises(ValueError, match="method"):
        bipartite_spectrum(np.ones((2, 2)), method="magic")


# ---------------------------------------------------------------- exact vs ARPACK
@pytest.mark.parametrize("density", [0.3, 0.05, 0.01])
def test_exact_routes_agree_with_arpack(density):
    rng = np.random.default_rng(7)
    M = (rng.random((1152, 256)) < density) * rng.random((1152, 256))
    s = spectral.singular_values(M, "svd")
    for method in ("auto", "gram"):
        g = spectral.singular_values(M, method)
        assert g[:2] == pytest.approx(s[:2], rel=1e-9)
    a1, a2 = spectral.arpack_top2(M)
    assert a1 == pytest.approx(s[0], rel=1e-8) and a2 == pytest.approx(s[1], rel=1e-8)
    for method in METHODS:
        r = bipartite_spectrum(M, method=method)
        assert r.t1 == pytest.approx(s[0], rel=1e-9) and r.t2 == pytest.approx(s[1], rel=1e-8)


def test_arpack_gives_the_same_digits_every_call():
    # runs record these values; a resumed or shared run must reproduce them bit for bit
    rng = np.random.default_rng(3)
    M = (rng.random((784, 300)) < 0.015).astype(float)
    seen = {spectral.arpack_top2(M) for _ in range(8)}
    seen |= {(r.t1, r.t2) for r in (bipartite_spectrum(M.copy(), method="arpack") for _ in range(8))}
    assert len(seen) == 1


def test_gram_falls_back_to_svd_for_tiny_second_value():
    # rank one plus a tiny perturbation: Gram route cannot resolve t2 = 1e-6 t1
    u = np.arange(1.0, 41.0)
    v = np.arange(1.0, 21.0)
    B = np.outer(u, v)
    B[0, 0] += 1e-4
    s = np.linalg.svd(B, compute_uv=False)
    r = bipartite_spectrum(B)
    assert r.t2 == pytest.approx(s[1], rel=1e-6)


# ---------------------------------------------------------------- reports
def test_layer_report_lenet_rows_and_masks():
    model = build_model("lenet_300_100", seed=0)
    masks = {name: torch.ones_like(m.weight) for name, m in model.named_modules() if hasattr(m, "weight")}
    masks["fc3"] = torch.zeros_like(model.fc3.weight)
    masks["fc3"][:, :89] = 1.0  # 89 hidden units fully joined to the outputs
    rep = layer_report(model, masks)
    assert list(rep["layer"]) == ["fc1", "fc2", "fc3"]
    assert list(rep["n_left"]) == [784, 300, 100] and list(rep["n_right"]) == [300, 100, 10]
    assert rep["output"].tolist() == [False, False, True]
    fc3 = rep.set_index("layer").loc["fc3"]
    assert fc3["edges"] == 890 and fc3["density"] == pytest.approx(0.89)
    assert fc3["t1"] == pytest.approx(math.sqrt(890))
    for col in spectral.FIELDS:
        assert col in rep


def numpy_record(B):
    """t1, t2 (strictly below t1), average degrees over non-isolated vertices and the two Δ, by numpy."""
    B = np.asarray(B, dtype=np.float64)
    s = np.linalg.svd(B, compute_uv=False)
    t1, t2 = s[0], s[s < s[0] * (1 - 1e-9)][0]
    dl, dr = B.sum() / (B.sum(axis=1) > 0).sum(), B.sum() / (B.sum(axis=0) > 0).sum()
    eb, db = 2 * math.sqrt(t1 - 1), math.sqrt(dl - 1) + math.sqrt(dr - 1)
    return {
        "t1": t1,
        "t2": t2,
        "d_avg_left": dl,
        "d_avg_right": dr,
        "delta_s": (eb - t2) / t2,
        "delta_r": (db - t2) / t2,
    }


def test_layer_report_weighted_uses_abs_weights_times_mask():
    model = build_model("lenet_300_100", seed=1)
    mask = (torch.rand(model.fc2.weight.shape, generator=torch.Generator().manual_seed(0)) < 0.3).float()
    mask[:, :5] = 0  # five isolated inputs (left vertices)
    rep = layer_report(model, {"fc2": mask}, graph="weighted").set_index("layer")
    W = model.fc2.weight.detach().double().numpy()  # (100 outputs, 300 inputs)
    expected = numpy_record(np.abs(W.T) * mask.numpy().T)  # left: the 300 inputs, right: the 100 outputs
    for field, value in expected.items():
        assert rep.loc["fc2", field] == pytest.approx(value, rel=1e-9), field
    assert rep.loc["fc2", "d_avg_left"] == pytest.approx(np.abs(W * mask.numpy()).sum() / 295, rel=1e-12)
    assert (rep.loc["fc2", "n_left"], rep.loc["fc2", "n_right"], rep.loc["fc2", "edges"]) == (300, 100, int(mask.sum()))
    assert (W < 0).any()  # signed weights: abs matters


def test_layer_report_score_graph_and_errors():
    model = build_model("conv2", seed=0)
    g = torch.Generator().manual_seed(0)
    scores = {
        n: torch.randn(m.weight.shape, generator=g)
        for n, m in model.named_modules()
        if hasattr(m, "weight") and m.weight is not None
    }
    masks = {n: torch.ones_like(s) for n, s in scores.items()}
    masks["conv1"][:, 0, 0, :] = 0  # input channel 0, kernel row 0: 3 isolated left vertices
    masks["conv1"][:5] = 0  # output channels 0-4: 5 isolated right vertices
    rep = layer_report(model, masks, graph="score", scores=scores).set_index("layer")
    # conv1's weight (64, 3, 3, 3): B[(c, i, j), o] = |score[o, c, i, j]| * mask, built entry by entry
    S, M = scores["conv1"].double().numpy(), masks["conv1"].numpy()
    B = np.zeros((27, 64))
    for o in range(64):
        for c in range(3):
            for i in range(3):
                for j in range(3):
                    B[c * 9 + i * 3 + j, o] = abs(S[o, c, i, j]) * M[o, c, i, j]
    expected = numpy_record(B)
    assert expected["d_avg_left"] == pytest.approx(B.sum() / 24) and expected["d_avg_right"] == pytest.approx(
        B.sum() / 59
    )
    row = rep.loc["conv1"]
    assert (row["n_left"], row["n_right"], row["edges"]) == (27, 64, 27 * 64 - 3 * 64 - 5 * 24)
    for field, value in expected.items():
        assert row[field] == pytest.approx(value, rel=1e-9), field
    # the score graph ignores the weights: scores and masks alone decide it
    with torch.no_grad():
        model.conv1.weight.mul_(-3.0)
    assert layer_report(model, masks, graph="score", scores=scores).set_index("layer").loc["conv1", "t1"] == row["t1"]
    with pytest.raises(ValueError, match="unweighted"):
        layer_report(model, masks, graph="unweighted", scores=scores)
    with pytest.raises(ValueError, match="needs scores"):
        layer_report(model, graph="score")
    with pytest.raises(ValueError, match="graph must be"):
        layer_report(model, graph="signed")
    with pytest.raises(ValueError, match="shape"):
        layer_report(model, {"conv1": torch.ones(3, 3)})


def test_layer_report_without_mask_uses_nonzero_pattern():
    model = build_model("lenet_300_100", seed=0)
    with torch.no_grad():
        model.fc3.weight[:, 50:] = 0.0
    rep = layer_report(model).set_index("layer")
    assert rep.loc["fc3", "edges"] == 500


def test_regime():
    import pandas as pd

    rep = pd.DataFrame({"layer": ["a", "b", "c"], "ramanujan": [True, False, True]})
    assert regime(rep) == "partially"
    assert regime(rep, layers=["a", "c"]) == "fully"
    assert regime(rep, layers=["b"]) == "non"
    with pytest.raises(ValueError, match="unknown layers"):
        regime(rep, layers=["z"])
    with pytest.raises(ValueError, match="at least one"):
        regime(rep, layers=[])
