"""The data behind the charts a reader explores on the static page: each histogram holds exactly
the spectrum it stands for, and each summary row the numbers of the book's spectral report."""

import numpy as np
from ramanujan_lth import plots, spectral, sweeps
from ramanujan_lth.models import build_model


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
