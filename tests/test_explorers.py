"""The data behind the charts a reader explores on the static page: each histogram holds exactly
the spectrum it stands for, and each summary row the numbers of the book's spectral report; the
sweeps of chapters 1 and 2 and the charts drawn from them."""

import math

import numpy as np
import pandas as pd
import scipy.sparse.csgraph
from ramanujan_lth import graphs, plots, spectral, sweeps
from ramanujan_lth.networks.models import build_model


def test_singular_value_grid_matches_the_spectral_report_of_the_same_mask():
    model = build_model("lenet_300_100", seed=0)
    hist, summary = sweeps.singular_value_grid({"lenet": model}, [0.1, 0.5], seeds=[1], layers={"lenet": ["fc3"]})
    assert len(summary) == 2 and set(summary["layer"]) == {"fc3"}
    mask = sweeps.random_masks(model, 0.1, 1)["fc3"]
    B = spectral.biadjacency(mask)
    rec = spectral.bipartite_spectrum(B)
    row = summary[summary["density"] == 0.1].iloc[0]
    assert np.isclose(row["t1"], rec.t1, atol=1e-4) and np.isclose(row["t2"], rec.t2, atol=1e-4)
    assert np.isclose(row["delta_r"], rec.delta_r)
    # the histogram holds every non-zero singular value but t1, each in the bin that covers it
    s = spectral.singular_values(B)[1:]
    h = hist[hist["density"] == 0.1]
    assert h["count"].sum() == len(s)
    assert h["lo"].min() <= s.min() and s.max() <= h["hi"].max() + 1e-3


def test_the_explorers_bind_one_control_per_choice():
    model = build_model("lenet_300_100", seed=0)
    hist, summary = sweeps.singular_value_grid({"lenet": model}, [0.2], seeds=[0, 1], layers={"lenet": ["fc2"]})
    spec = plots.layer_spectrum_explorer(hist, summary).to_dict()
    names = {p["name"] for p in spec["params"] if "bind" in p}
    assert names == {"sv_layer", "sv_density", "sv_seed"}


# ------------------------------------------------------------------ chapter 1: small random graphs
def test_cheeger_sample_of_k4_is_exact():
    # K4 is the only 3-regular graph on 4 vertices: eigenvalues 3, -1, -1, -1, so the gap is 4; two
    # vertices have the other two as boundary, h = 1; Alon–Milman gives 2 * 4 / (3 + 2 * 4)
    sample = sweeps.cheeger_sample(3, np.random.default_rng(0), degrees=(3,), sizes=(4,))
    assert list(sample.columns) == ["d", "n", "gap", "h", "lower"]
    assert sample[["d", "n"]].values.tolist() == [[3, 4]] * 3
    assert np.allclose(sample["gap"], 4) and np.allclose(sample["h"], 1) and np.allclose(sample["lower"], 8 / 11)


def test_cheeger_sample_draws_degree_size_and_seed_from_the_generator_it_advances():
    rng, twin = np.random.default_rng(1), np.random.default_rng(1)
    sample = sweeps.cheeger_sample(4, rng)
    for row in sample.itertuples():
        d, n = int(twin.choice([3, 4, 5])), int(twin.choice([10, 12, 14, 16]))
        A = graphs.random_regular(n, d, seed=int(twin.integers(1 << 30)))
        assert (row.d, row.n, row.h) == (d, n, graphs.cheeger_constant(A))
        assert row.gap == graphs.spectral_gap(A)
    assert rng.random() == twin.random()  # the chapter's later draws continue from the same state


def test_random_regular_sweep_reads_each_drawn_graph_against_the_bound():
    table, spectra = sweeps.random_regular_sweep([3], [30, 40], reps=2)
    assert list(table.columns) == ["d", "n", "rep", "t(G)", "2√(d−1)", "ratio", "ramanujan", "nilli"]
    assert table[["n", "rep"]].values.tolist() == [[30, 0], [30, 1], [40, 0], [40, 1]]
    bound = 2 * math.sqrt(2)
    row = table.iloc[3]
    A = graphs.random_regular(40, 3, seed=1000 * 3 + 10 * 40 + 1)
    t = graphs.second_radius(A)
    diameter = int(scipy.sparse.csgraph.shortest_path(A, unweighted=True).max())
    assert (row["t(G)"], row["ratio"], row["ramanujan"]) == (t, t / bound, t <= bound)
    assert row["nilli"] == bound - (bound - 1) / (diameter // 2)
    # the first graph of each size: its eigenvalues but the trivial 3, which sum to the trace minus 3
    assert spectra.groupby("n").size().to_dict() == {30: 29, 40: 39}
    assert np.allclose(spectra.groupby("n")["eigenvalue"].sum(), -3)
    first = graphs.random_regular(40, 3, seed=1000 * 3 + 10 * 40)
    assert np.allclose(spectra.loc[spectra["n"] == 40, "eigenvalue"], np.linalg.eigvalsh(first)[:-1])


def test_biregular_sweep_reads_each_graph_against_the_bipartite_bound():
    table = sweeps.biregular_sweep([(2, 3)], [4, 8], reps=2)
    assert list(table.columns) == ["degrees", "n_right", "t2 / db", "ΔR", "ΔS"]
    assert table[["degrees", "n_right"]].values.tolist() == [["(2,3)", 4]] * 2 + [["(2,3)", 8]] * 2
    rec = spectral.bipartite_spectrum(graphs.random_biregular(12, 8, 2, 3, seed=7 * 8 + 1))
    assert np.isclose(table.iloc[3]["t2 / db"], rec.t2 / (1 + math.sqrt(2)))  # db = √(dL − 1) + √(dR − 1)
    assert (table.iloc[3]["ΔR"], table.iloc[3]["ΔS"]) == (rec.delta_r, rec.delta_s)


def test_random_bipartite_sweep_keeps_each_edge_with_probability_degree_over_right_side():
    rng, twin = np.random.default_rng(0), np.random.default_rng(0)
    table = sweeps.random_bipartite_sweep([0, 3], 2, rng, shape=(5, 3))
    # average left degree 0: no edge at all; 3 of 3 right vertices: K_{5,3}, rank one, Δ = +inf
    assert table[["average left degree", "rep", "components"]].values.tolist() == [
        [0, 0, 0],
        [0, 1, 0],
        [3, 0, 1],
        [3, 1, 1],
    ]
    assert np.isinf(table.loc[2:, ["ΔR", "ΔS"]]).all(axis=None)
    for _ in range(4):
        twin.random((5, 3))
    assert rng.random() == twin.random()  # one draw of the whole matrix per graph


def test_two_regular_reach_counts_the_layers_and_the_best_networks():
    assert sweeps.two_regular_reach(3, 1) == (6, {False: 3})  # permutation matrices: never connected, 3 pairs
    n, best = sweeps.two_regular_reach()
    assert (n, best) == (90, {True: 14, False: 16})  # 90 0/1 4x4 matrices with row and column sums 2


def test_cheeger_chart_draws_a_lower_bound_per_degree_and_the_finite_upper_bound():
    cheeger = pd.DataFrame({"d": [3, 5], "n": [10, 12], "gap": [0.4, 2.0], "h": [0.3, 0.9], "lower": [0.2, 0.4]})
    spec = plots.cheeger_chart(cheeger).to_dict()
    data = list(spec["datasets"].values())
    (curve,) = [d for d in data if "bound" in d[0]]
    assert {r["bound"] for r in curve} == {"lower, d=3", "lower, d=5"} and len(curve) == 120
    assert all(np.isclose(r["h"], graphs.alon_milman_lower(r["gap"], r["d"])) for r in curve)
    assert np.isclose(max(r["gap"] for r in curve), 2.1)  # to 5 % past the largest gap
    (upper,) = [d for d in data if set(d[0]) == {"gap", "h"}]
    assert all(r["gap"] < 0.5 and np.isclose(r["h"], graphs.alon_upper(r["gap"])) for r in upper)
    (pick,) = spec["params"]
    assert pick["bind"] == "legend" and pick["select"]["fields"] == ["d"]  # a degree picked in the legend


def test_kesten_mckay_is_a_density_on_the_ramanujan_interval():
    xs = np.linspace(-1.2, 1.2, 240001)
    for d in (3, 8):
        f = plots.kesten_mckay(d, xs)
        assert np.isclose(np.trapezoid(f, xs), 1, atol=1e-3) and (f[np.abs(xs) >= 1] == 0).all()


def test_kesten_mckay_chart_bins_each_graph_as_a_density():
    spectra = pd.DataFrame(
        {"d": [3] * 4 + [4] * 2, "n": [10] * 4 + [20] * 2, "eigenvalue": [-2.0, 0.01, 0.02, 2.5, -1.0, 1.0]}
    )
    spec = plots.kesten_mckay_chart(spectra).to_dict()
    (hist,) = [d for d in spec["datasets"].values() if "count" in d[0]]
    for d in (3, 4):
        rows = [r for r in hist if r["d"] == d]
        assert np.isclose(sum(r["density"] for r in rows) * 0.08, 1)  # 40 bins over [-1.6, 1.6]
    assert [r["count"] for r in hist if r["d"] == 3 and r["count"]] == [1, 2, 1]  # 0.01 and 0.02 share a bin
    params = {p["name"]: p for p in spec["params"]}
    assert params["deg"]["bind"]["options"] == [3, 4] and params["size"]["value"] == 20


def test_regular_spectrum_chart_says_whether_the_graph_is_ramanujan():
    chart = plots.regular_spectrum_chart([-1.0, -1.0, -1.0], 3, 4).to_dict()  # K4 without its trivial 3
    assert chart["title"] == "d=3, n=4: t(G) = 1.000, 2√(d−1) = 2.828 → Ramanujan"
    (rules,) = [d for d in chart["datasets"].values() if "x" in d[0]]
    assert np.allclose([r["x"] for r in rules], [-2 * math.sqrt(2), 2 * math.sqrt(2)])
    assert "not Ramanujan" in plots.regular_spectrum_chart([3.0, 0.0], 3, 3).to_dict()["title"]


def test_biregular_and_random_bipartite_charts_draw_the_sweeps():
    bireg = pd.DataFrame({"degrees": ["(3,3)"] * 2, "n_right": [40, 80], "t2 / db": [0.9, 0.95], "ΔR": 0.1, "ΔS": 0.1})
    enc = plots.biregular_chart(bireg).to_dict()["encoding"]
    assert (enc["x"]["field"], enc["x"]["scale"]["type"]) == ("n_right", "log")
    assert (enc["y"]["field"], enc["y"]["aggregate"], enc["color"]["field"]) == ("t2 / db", "mean", "degrees")
    er = pd.DataFrame({"average left degree": [2, 2], "rep": [0, 1], "ΔR": [np.inf, 0.5], "ΔS": [-0.5, -np.inf]})
    spec = plots.random_bipartite_chart(er).to_dict()
    (long,) = [d for d in spec["datasets"].values() if "Δ" in d[0]]
    assert sorted((r["Δ"], r["rep"], r["value"]) for r in long) == [
        ("ΔR", 0, 5.0),  # +inf drawn at the cap
        ("ΔR", 1, 0.5),
        ("ΔS", 0, -0.5),
        ("ΔS", 1, -5.0),
    ]


# ------------------------------------------------------------------ chapter 2: random masks
def test_random_mask_sweeps_stack_each_network_with_its_name_last():
    model = build_model("lenet_300_100", seed=0)
    both = sweeps.random_mask_sweeps({"a": model, "b": model}, [0.5], seeds=[1], progress=False)
    one = sweeps.random_mask_sweep(model, [0.5], seeds=[1], progress=False)
    assert both.columns[-1] == "model" and both["model"].tolist() == ["a"] * len(one) + ["b"] * len(one)
    pd.testing.assert_frame_equal(both.iloc[len(one) :].drop(columns="model").reset_index(drop=True), one)


def test_arpack_agreement_compares_both_routes_on_every_layer_of_the_same_mask():
    model = build_model("lenet_300_100", seed=0)
    agree = sweeps.arpack_agreement({"lenet": model}, [0.2], seed=3)
    assert agree[["model", "layer", "density"]].values.tolist() == [["lenet", f"fc{i}", 0.2] for i in (1, 2, 3)]
    B = spectral.biadjacency(sweeps.random_masks(model, 0.2, 3)["fc3"])
    rec, (a1, a2) = spectral.bipartite_spectrum(B, method="svd"), spectral.arpack_top2(B)
    row = agree.iloc[2]
    assert row["rel. diff t1"] == abs(a1 - rec.t1) / rec.t1 and row["rel. diff t2"] == abs(a2 - rec.t2) / rec.t2
    assert (agree[["exact ms", "arpack ms"]] > 0).all(axis=None)


def test_layer_delta_explorer_marks_disconnected_masks_and_caps_infinity():
    sweep = pd.DataFrame(
        {
            "model": "m",
            "layer": ["fc1", "fc1", "fc2"],
            "seed": 0,
            "target_density": [0.5, 0.01, 0.5],
            "components": [1, 3, 1],
            "delta_s": [np.inf, 0.3, -0.2],
            "delta_r": [0.1, 0.2, -0.1],
        }
    )
    spec = plots.layer_delta_explorer(sweep).to_dict()
    (rows,) = [d for d in spec["datasets"].values() if "label" in d[0]]  # and the zero line's
    s = {(r["label"], r["target_density"]): (r["delta"], r["graph is"]) for r in rows if r["bound"].startswith("ΔS")}
    assert s == {
        ("m · fc1", 0.5): (2.0, "connected"),
        ("m · fc1", 0.01): (0.3, "disconnected"),
        ("m · fc2", 0.5): (-0.2, "connected"),
    }
    (pick,) = spec["params"]
    assert pick["name"] == "layer_pick" and pick["bind"]["options"] == ["m · fc1", "m · fc2"]


def test_singular_value_chart_marks_t2_and_both_bounds():
    C8 = np.eye(4) + np.roll(np.eye(4), 1, axis=1)  # singular values 2, √2, √2: t2 = √2, eb = db = 2
    spec = plots.singular_value_chart(C8, "C8").to_dict()
    assert spec["title"] == "C8: t1=2.00, ΔS=0.414, ΔR=0.414"
    data = list(spec["datasets"].values())
    (marks,) = [d for d in data if "what" in d[0]]
    assert [r["what"] for r in marks] == ["t2", "eb", "db"]
    assert np.allclose([r["x"] for r in marks], [math.sqrt(2), 2, 2])
    (values,) = [d for d in data if "singular value" in d[0]]
    assert np.allclose([r["singular value"] for r in values], [math.sqrt(2)] * 2)  # t1 left out


def test_weighted_graph_charts_share_one_layer_selection_and_drop_undefined_delta():
    weighted = pd.DataFrame(
        {
            "model": "m",
            "layer": ["fc1", "fc1", "fc2"],
            "graph": "weighted",
            "target_density": [1.0, 0.1, 1.0],
            "t1": [2.0, 0.5, 3.0],
            "t2": [1.0, 0.4, 1.0],
            "delta_s": [np.inf, np.nan, 0.5],
        }
    )
    t1_chart, ds_chart = (c.to_dict() for c in plots.weighted_graph_charts(weighted))
    assert t1_chart["params"][0]["name"] == ds_chart["params"][0]["name"]
    (t1_rows,) = t1_chart["datasets"].values()
    (ds_rows,) = ds_chart["datasets"].values()
    assert len(t1_rows) == 3 and [(r["layer"], r["delta_s"]) for r in ds_rows] == [("fc1", 6.0), ("fc2", 0.5)]
