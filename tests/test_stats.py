"""The significance tests against scipy and against hand-made samples."""

import math

import numpy as np
import pandas as pd
import pytest
from ramanujan_lth import stats
from scipy import stats as st


def test_one_sided_t_matches_the_formula():
    x = np.array([-0.3, -0.1, -0.25, -0.2, -0.15])
    r = stats.one_sided_t(x, 0.0, "less")
    m, s, n = x.mean(), x.std(ddof=1), len(x)
    t = m / (s / math.sqrt(n))
    assert r["t"] == pytest.approx(t)
    assert r["p"] == pytest.approx(st.t.cdf(t, n - 1))
    half = st.t.ppf(0.975, n - 1) * s / math.sqrt(n)
    assert (r["lower"], r["upper"]) == pytest.approx((m - half, m + half))
    assert r["rejected"]
    assert not stats.one_sided_t(-x, 0.0, "less")["rejected"]


def test_degenerate_samples_are_not_rejected():
    assert not stats.one_sided_t([-1.0], 0.0, "less")["rejected"]
    assert not stats.one_sided_t([np.inf, np.inf], 0.0, "less")["rejected"]
    assert not stats.one_sided_t([-2.0, -2.0], 0.0, "less")["rejected"]


def spec_table():
    rows = []
    for seed in range(6):
        for rnd, dens in enumerate([1.0, 0.5, 0.25]):
            # layer a: clearly positive, then around zero, then clearly negative
            for layer, val in [
                ("a", [np.inf, 0.01 * (seed - 2.5), -0.2 - 0.01 * seed]),
                ("b", [np.inf, 0.3 + 0.01 * seed, 0.2 + 0.01 * seed]),
            ]:
                v = val[rnd]
                rows.append(
                    {
                        "seed": seed,
                        "round": rnd,
                        "graph": "unweighted",
                        "layer": layer,
                        "overall_density": dens,
                        "density": dens,
                        "max_delta": v,
                    }
                )
    return pd.DataFrame(rows)


def test_delta_tests_and_loss_points():
    tests = stats.delta_tests(spec_table(), ["a", "b"])
    a = tests[tests["layer"] == "a"].set_index("round")
    assert not a.loc[0, "rejected"] and not a.loc[1, "rejected"] and a.loc[2, "rejected"]
    assert not tests[tests["layer"] == "b"]["rejected"].any()
    table = stats.loss_points(tests).set_index("layer")
    assert table.loc["a", "round"] == 2 and table.loc["a", "layer density %"] == pytest.approx(25)
    assert table.loc["a", "sample mean"] == pytest.approx(np.mean([-0.2 - 0.01 * s for s in range(6)]))
    assert table.loc["a", "lower mean"] < table.loc["a", "sample mean"] < table.loc["a", "upper mean"]
    assert math.isnan(table.loc["b", "sample mean"])


def test_accuracy_drop_tests():
    rows = []
    for seed in range(5):
        a0 = 0.98 + 0.001 * seed
        for rnd, rel in enumerate([0.0, 0.0005, 0.02]):
            rows.append(
                {
                    "seed": seed,
                    "round": rnd,
                    "density": 0.5**rnd,
                    "sigma": 0.0,
                    "accuracy": a0 * (1 - rel - 0.0001 * seed),
                }
            )
    res = stats.accuracy_drop_tests(pd.DataFrame(rows)).set_index(["k", "round"])
    assert not res.loc[(0.001, 1), "rejected"]  # drop ~0.07 % is not > 0.1 %
    assert res.loc[(0.001, 2), "rejected"] and res.loc[(0.01, 2), "rejected"]
    assert not res.loc[(0.05, 2), "rejected"]  # 2 % is not > 5 %
