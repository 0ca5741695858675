"""Tickets against their controls at matched density, on a network table whose differences are known."""

import re

import pandas as pd
import pytest
from ramanujan_lth import matched


def networks():
    rows = []
    for seed in (0, 1, 2):
        for rnd, density in ((3, 0.5), (7, 0.2)):
            for kind, acc in (("ticket", 95.0), ("random", 93.0 - rnd), ("biregular", 93.5 - rnd + 0.5 * seed)):
                rows.append(
                    {
                        "seed": seed,
                        "round": rnd,
                        "density": density,
                        "kind": kind,
                        "accuracy": acc,
                        "accuracy_0.3": acc - 10,
                    }
                )
        rows.append({"seed": seed, "round": 5, "density": 0.3, "kind": "ticket", "accuracy": 94.0, "accuracy_0.3": 80})
    return pd.DataFrame(rows)


def test_differences_are_taken_within_seed_and_round():
    d = matched.paired_differences(networks())
    assert set(d["round"]) == {3, 7}  # the ticket round without controls has no pair
    one = d[(d["pair"] == "ticket − random") & (d["test set"] == "clean")].set_index(["seed", "round"])["difference"]
    assert one.loc[(0, 3)] == pytest.approx(5.0) and one.loc[(2, 7)] == pytest.approx(9.0)
    br = d[(d["pair"] == "biregular − random") & (d["test set"] == "σ = 0.3")]
    assert sorted(br["difference"].round(6).unique()) == [0.5, 1.0, 1.5]


def test_summary_table_and_ranges():
    s = matched.difference_summary(matched.paired_differences(networks()))
    row = s[(s["pair"] == "biregular − random") & (s["test set"] == "clean") & (s["round"] == 3)].iloc[0]
    assert (
        row["mean"] == pytest.approx(1.0)
        and row["sd"] == pytest.approx(0.5)
        and (row["positive"], row["seeds"]) == (3, 3)
    )
    table = matched.difference_table(s, test_sets=("clean",))
    assert list(table.columns) == ["50 %", "20 %"]
    assert table.loc[("ticket − random", "clean"), "20 %"] == "+9.00 (3/3)"
    lines = matched.pair_ranges(s, "clean")
    # the numbers of the line: the range of the mean differences, the densities, the positive pairs of all
    assert lines[0].startswith("ticket − random, clean")
    assert re.findall(r"[+-]?\d+(?:\.\d+)?", lines[0]) == ["+5.00", "+9.00", "2", "0", "6", "6"]
