"""The later literature's claim (IMDB and NaRC rank pruning methods by accuracy), on fabricated
networks whose right verdict is known, and the one-shot runs' place in the network table."""

import json

import numpy as np
import pandas as pd
import pytest
from ramanujan_lth import answer, claims, methods, plans, predict, tables
from ramanujan_lth.catalog import ONESHOT_METHODS
from ramanujan_lth.storage.params import load_run
from test_claims import spectral_rows, write_run

LAYERS = ["fc1", "fc2", "fc3"]
KINDS = ("ticket", "random", "biregular", *ONESHOT_METHODS)


def table(imdb_sign=1.0, narc_sign=1.0, gap=1.0, rounds=(3, 6, 9), seeds=range(3), noise=0.05, seed=0):
    """Eight kinds per (round, seed); kind i is ``gap * i`` points more accurate than kind 0; IMDB
    follows accuracy with ``imdb_sign``, NaRC with ``narc_sign`` (0: unrelated noise)."""
    rng = np.random.default_rng(seed)
    rows = []
    for rnd in rounds:
        for s in seeds:
            for i, kind in enumerate(KINDS):
                acc = 90 - rnd + gap * i + noise * rng.standard_normal()
                row = {"seed": s, "kind": kind, "round": rnd, "density": 0.8**rnd, "accuracy": acc, "share": 1.0}
                for layer in LAYERS:
                    row[f"imdb_{layer}"] = imdb_sign * i + 0.01 * rng.standard_normal() if imdb_sign else rng.normal()
                    row[f"narc_{layer}"] = narc_sign * i + 0.01 * rng.standard_normal() if narc_sign else rng.normal()
                    for q in ("delta", "r", "gap"):
                        row[f"{q}_{layer}"] = rng.normal()
                    row[f"density_{layer}"] = 0.8**rnd
                rows.append(row)
    return pd.DataFrame(rows)


def verdict(df):
    return methods.claim_ranking("lenet_300_100", table=(df, LAYERS))


def test_both_measures_ranking_the_methods_reproduce_the_claim():
    v = verdict(table())
    assert v.verdict == "reproduced" and v.kind == "methods" and v.claim == "6"
    s = {r["quantity"]: r for r in v.numbers["summary"]}
    assert s["imdb"]["mean rho"] == pytest.approx(1.0) and s["imdb"]["rho > 0"] == 1.0
    assert s["imdb"]["cells"] == 9 and s["imdb"]["densities"] == 3
    assert v.numbers["kinds"] == sorted(KINDS)


def test_reversed_measures_contradict_and_one_measure_alone_is_partly():
    assert verdict(table(imdb_sign=-1.0, narc_sign=-1.0)).verdict == "contradicted"
    assert verdict(table(imdb_sign=1.0, narc_sign=0.0)).verdict == "partly"
    assert verdict(table(imdb_sign=0.0, narc_sign=0.0, seed=3)).verdict == "not reproduced"
    assert verdict(table(imdb_sign=1.0, narc_sign=-1.0)).verdict == "not reproduced"  # the measures disagree


def test_a_measure_never_measured_leaves_the_claim_untested():
    df = table()
    imdb = [f"imdb_{layer}" for layer in LAYERS]
    v = verdict(df.assign(**{c: np.nan for c in imdb}))  # NaRC alone ranks: not "partly"
    assert (v.verdict, v.reason) == ("not tested yet", "few_densities")
    one = df.copy()
    one.loc[one["round"] != 3, imdb] = np.nan  # IMDB at one density, NaRC at three
    assert verdict(one).verdict == "not tested yet"
    few = df.copy()
    few.loc[few["kind"].isin(["ticket", "random", "biregular", "snip"]), imdb] = np.nan  # 4 kinds left: too few
    assert verdict(few).verdict == "not tested yet"
    assert verdict(df[df["seed"] == 0]).verdict == "not tested yet"  # one seed: no noise to tie with


def test_tickets_without_imdb_are_left_out_of_its_ranking_and_named():
    df = table()
    df.loc[df["kind"] == "ticket", [f"imdb_{layer}" for layer in LAYERS]] = np.nan  # stored before IMDB
    v = verdict(df)
    s = {r["quantity"]: r for r in v.numbers["summary"]}
    assert v.verdict == "reproduced"
    assert (s["imdb"]["kinds"], s["imdb"]["without"]) == ("7", "ticket")
    assert (s["narc"]["kinds"], s["narc"]["without"]) == ("8", "–")
    assert "without ticket" in claims.sentence(v)


def test_a_quantity_equal_for_every_kind_cannot_rank_them():
    rhos = methods.rank_correlations(table(), LAYERS, quantities=("share",))  # share 1.0 for every network
    assert rhos["rho"].tolist() == [0.0] * 9
    s = methods.rank_summary(rhos).iloc[0]
    assert (s["mean rho"], s["rho > 0"], s["call"]) == (0.0, 0.0, "no ranking")


def test_kinds_within_the_seed_noise_are_ties():
    # five kinds, accuracies 1.0, 1.2, 3, 4, 5 (+1 and +2 in the other seeds: a seed noise of exactly 1 point):
    # rounded to the noise the first two tie, so accuracy ranks 1.5, 1.5, 3, 4, 5 against IMDB ranks 2, 1, 3, 4, 5:
    # rho = 9.5 / sqrt(9.5 * 10) (without the tie it would be 0.9)
    rows = []
    for s in range(3):
        for kind, acc, q in zip(("ticket", "random", "biregular", "snip", "erk"), (1.0, 1.2, 3, 4, 5), (2, 1, 3, 4, 5)):
            row = {"seed": s, "kind": kind, "round": 1, "density": 0.5, "accuracy": acc + s, "share": 1.0}
            row.update({f"imdb_{layer}": float(q) for layer in LAYERS})
            rows.append(row)
    rhos = methods.rank_correlations(pd.DataFrame(rows), LAYERS, quantities=("imdb",))
    assert rhos["noise"].iloc[0] == pytest.approx(1.0)
    assert rhos["rho"].tolist() == pytest.approx([9.5 / np.sqrt(95)] * 3)
    # accuracies 0.01 apart by kind, seeds a point apart: every kind ties, nothing is ranked (without the
    # ties IMDB and NaRC, which follow the kind exactly, would rank them perfectly: "reproduced")
    flat = table(gap=0.01, noise=0.0)
    flat["accuracy"] = 50 + 0.01 * flat["kind"].map({k: i for i, k in enumerate(KINDS)}) + flat["seed"]
    v = verdict(flat)
    assert (v.verdict, v.reason) == ("not tested yet", "few_densities")


def test_rank_correlation_by_hand():
    # five kinds: accuracies 1, 2, 3, 4, 5 (no noise), IMDB 1, 3, 2, 4, 5 -> Spearman 1 - 6 * 2 / (5 * 24) = 0.9
    rows = []
    for s in range(2):
        for kind, acc, q in zip(("ticket", "random", "biregular", "snip", "erk"), (1, 2, 3, 4, 5), (1, 3, 2, 4, 5)):
            row = {"seed": s, "kind": kind, "round": 1, "density": 0.5, "accuracy": float(acc), "share": 1.0}
            row.update({f"imdb_{layer}": float(q) for layer in LAYERS})
            rows.append(row)
    rhos = methods.rank_correlations(pd.DataFrame(rows), LAYERS, quantities=("imdb",))
    assert rhos["noise"].iloc[0] == 0.0  # the same accuracies in both seeds
    assert rhos["rho"].tolist() == pytest.approx([0.9, 0.9])


def test_not_tested_without_one_shot_runs_and_outside_the_answer(tmp_path):
    df = table()
    assert verdict(df[~df["kind"].isin(ONESHOT_METHODS)]).verdict == "not tested yet"
    assert verdict(df[df["round"] == 3]).reason == "few_densities"
    assert "6" not in answer.DECIDING
    v = verdict(df)
    row = v.row()
    assert row["rule"] == methods.RULE and "mean ρ +1.00" in row["evidence"]
    path = claims.Verdict("5", "lenet_300_100", "not tested yet", "no_runs").row()
    controls = claims.Verdict("5", "lenet_300_100", "not tested yet", "no_controls", kind="controls").row()
    html = tables.verdict_summary_html(pd.DataFrame([path, controls, row]))
    assert "<td colspan='2'><span class=\"verdict verdict-reproduced\">reproduced</span> across pruning methods" in html
    assert "across pruning methods" in html and "reproduced" in html


def _records(densities, sizes):
    out = []
    for t, d in enumerate(densities):
        kept = {layer: round(d * n) for layer, n in sizes.items()}
        total = sum(kept.values()) / sum(sizes.values())
        out.append(
            {
                "round": t,
                "density": total,
                "layers": {layer: kept[layer] / n for layer, n in sizes.items()},
                "remaining": kept,
                "accuracy": 0.9,
                "noisy_accuracy": {"0.3": 0.8},
                "spectral": spectral_rows(0.2, d),
            }
        )
    return out


def test_one_shot_runs_join_the_network_table_at_their_tickets_round(tmp_path):
    sizes = {"fc1": 235_200, "fc2": 30_000, "fc3": 1_000}
    ticket_p = plans.lth_params("lenet_300_100", "paper", [0])[0]
    ticket = load_run(write_run(tmp_path, "ticket", ticket_p, _records([1.0, 0.5, 0.2, 0.05], sizes)))
    p = plans.oneshot_params(ticket, 2, "grasp")
    assert p.schedule == "oneshot" and p.score == "grasp" and p.seed == 0 and p.rounds == 0
    assert round(p.density * 266_200) == sum(ticket.records[2]["remaining"].values())  # the ticket's count exactly
    shot = load_run(write_run(tmp_path, "shot", p, _records([0.2], sizes)))
    t = predict.network_table([ticket], [], LAYERS, oneshot=[shot])
    row = t[t["kind"] == "grasp"].iloc[0]
    assert row["round"] == 2 and row["run"] == "shot"
    assert json.loads((shot.folder / "params.json").read_text())["params"]["schedule"] == "oneshot"
    assert len(plans.oneshot_plan([ticket], densities=(0.5, 0.05))) == 2 * len(ONESHOT_METHODS)


def test_coverage_lists_the_tickets_that_kept_no_masks_and_how_long_they_took(tmp_path):
    sizes = {"fc1": 235_200, "fc2": 30_000, "fc3": 1_000}
    folders = []
    for p, seconds in zip(plans.lth_params("lenet_300_100", "paper", [0, 1, 7]), (600.0, 900.0, 50.0)):
        folder = write_run(tmp_path, f"ticket{p.seed}", p, _records([1.0, 0.5], sizes))
        (folder / "timings.json").write_text(json.dumps({"seconds_per_round": [seconds, seconds]}))
        folders.append(folder)
    (folders[1] / "masks.npz").write_bytes(b"")  # seed 1 kept its masks
    cov = methods.coverage("lenet_300_100", tmp_path)
    assert (cov["planned"], cov["stored"], cov["tickets"]) == (2 * len(ONESHOT_METHODS), 0, 2)  # not seed 7
    assert [f.name for f in cov["unmasked"]] == ["ticket0"]
    assert cov["unmasked_hours"] == pytest.approx(1200 / 3600)
    line = methods.coverage_line(cov, compared=False)
    assert "0 of the 10 one-shot runs" in line and "1 of the 2 tickets" in line and "about 0.3 h" in line
    assert "tickets" not in methods.coverage_line({**cov, "unmasked": []}, compared=True)
