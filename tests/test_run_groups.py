"""The report's list of long run groups counts what is stored, group by group."""

import json

import pytest
from ramanujan_lth import plans, run_groups


def store(root, params, name, records=None, rounds=None):
    folder = root / name
    folder.mkdir(parents=True)
    data = {"n_train": 5085, "n_test": 1017, "subset": True, "note": ""}
    meta = {"params": params.resolved().as_dict(), "data": data, **({"rounds": rounds} if rounds else {})}
    (folder / "params.json").write_text(json.dumps(meta))
    recs = records or [{"round": 0, "density": 1.0, "accuracy": 0.5}]
    (folder / "records.json").write_text(json.dumps({"complete": True, "records": recs, "data": data}))


def test_nothing_stored_counts_zero_of_each_plan(tmp_path):
    table = run_groups.run_groups(tmp_path).set_index("group")
    assert list(table.index) == list(run_groups.GROUPS)
    assert table.loc["Conv4 regime runs, seeds 0-9", "stored"] == "0 of 10"
    assert table.loc["LeNet one-shot masks, seeds 0-4", "stored"] == "0 of 150"
    assert table.loc["Conv4 controls, seeds 0-4", "stored"] == "0 of 60"
    assert set(table["runs"]) == {"none stored yet"}


def test_a_stored_output_rate_run_and_a_bound_run_with_its_star_are_counted(tmp_path):
    imp, snip, _ = run_groups.group_params("Conv4 at the 20 % output rate")
    assert (imp.p_out, snip.score, imp.precision) == (0.2, "snip", "bf16")
    store(tmp_path, imp, "rate-imp")
    bound = run_groups.group_params("Conv4 IMP-Bound and IMP*, seeds 1-2")[0]
    store(tmp_path, bound, "bound-s1", [{"round": 0, "density": 1.0}, {"round": 1, "density": 0.0321}])
    table = run_groups.run_groups(tmp_path).set_index("group")
    assert table.loc["Conv4 at the 20 % output rate", "stored"] == "1 of 3"
    assert table.loc["Conv4 IMP-Bound and IMP*, seeds 1-2", "stored"] == "1 of 4"  # its * not yet
    star = plans.table3_params("magnitude", plans.comparison_base("conv4", "subset", 1), ("star", 0.0321))
    store(tmp_path, star, "star-s1")
    table = run_groups.run_groups(tmp_path).set_index("group")
    assert table.loc["Conv4 IMP-Bound and IMP*, seeds 1-2", "stored"] == "2 of 4"
    assert "subset profile" in table.loc["Conv4 IMP-Bound and IMP*, seeds 1-2", "runs"]


def test_the_report_counts_the_numbers_it_lacks_by_their_first_code():
    import pandas as pd
    from ramanujan_lth import report

    rows = pd.DataFrame(
        {
            "quantity": ["conv4 a", "conv4 b", "lenet_300_100 c", "conv4 d"],
            "reproduced": [None, 1.0, None, None],
            "reason": ["not_run_output_rate", "", "never_rejected+low_accuracy", "not_run_output_rate"],
        }
    )
    iclr = pd.DataFrame({"reproduced": [1.0, None]})
    assert report.coverage_line(rows, iclr) == "Ours beside 1 of the paper's 4 numbers; ICLR Table 4: 1 of 2."
    got = report.missing_counts(rows)["missing numbers"].to_dict()
    assert got == {("conv4", "not_run_output_rate"): 2, ("lenet_300_100", "never_rejected"): 1}


def test_only_derived_groups_know_no_run_in_advance():
    unknown = [group for group in run_groups.GROUPS if not run_groups.group_params(group)]
    assert unknown == list(run_groups.DERIVED)
    with pytest.raises(ValueError, match="unknown group"):
        run_groups.group_params("ResNet seeds")


def test_reproduce_plans_every_group_it_lists(tmp_path):
    """A group the report lists as still training is one that ``reproduce``
    runs: its runs are in some chapter's subset-profile plan."""
    from ramanujan_lth import studies

    planned = {t.key for c in ("03_regimes", "07_appendix", "08_report") for t in studies.tasks(c, "subset", tmp_path)}
    for group in run_groups.GROUPS:  # a derived group knows none: chapter 6's plan, tested with the controls
        missing = [p for p in run_groups.group_params(group) if p.key() not in planned]
        assert missing == [], group


def test_a_parked_run_says_how_far_it_has_come(tmp_path):
    stored_root = tmp_path / "book" / "results"
    stored_root.mkdir(parents=True)
    conv6 = run_groups.group_params("Conv6 layer-wise, seeds 0-1")[1]
    parked = tmp_path / "book" / "parked"
    recs = [{"round": r, "density": 0.9**r, "accuracy": 0.5} for r in range(3)]
    store(parked, conv6, "conv6-s1", recs, rounds=38)  # α = 2 at p = 0.2 and 0.1: 38 rounds, not the default 10
    (parked / "conv6-s1" / "records.json").write_text(json.dumps({"complete": False, "records": recs, "data": {}}))
    bound = run_groups.group_params("Conv4 IMP-Bound and IMP*, seeds 1-2")[1]
    store(parked, bound, "bound-s2", recs[:2], rounds=60)
    (parked / "bound-s2" / "records.json").write_text(json.dumps({"complete": False, "records": recs[:2], "data": {}}))
    table = run_groups.run_groups(stored_root).set_index("group")
    assert table.loc["Conv6 layer-wise, seeds 0-1", "parked, unfinished"] == "seed 1: 3 of 39 trainings"
    assert table.loc["Conv6 layer-wise, seeds 0-1", "stored"] == "0 of 2"
    assert table.loc["Conv4 IMP-Bound and IMP*, seeds 1-2", "parked, unfinished"] == "seed 2: 2 of at most 61 trainings"
    assert table.loc["VGG19 global, seeds 0-1", "parked, unfinished"] == "–"


def test_the_appendix_shows_a_parked_run_as_far_as_it_has_come(tmp_path):
    from ramanujan_lth import stored_runs, studies

    stored_root = tmp_path / "book" / "results"
    stored_root.mkdir(parents=True)
    parked = tmp_path / "book" / "parked"
    conv6 = run_groups.group_params("Conv6 layer-wise, seeds 0-1")[0]
    recs = [{"round": r, "density": 0.9**r, "accuracy": 0.5} for r in range(3)]
    store(parked, conv6, "conv6-s0", recs, rounds=38)
    (parked / "conv6-s0" / "records.json").write_text(json.dumps({"complete": False, "records": recs, "data": {}}))
    plan = studies.appendix(["Conv6, layer-wise"], "quick", stored_root)["Conv6, layer-wise"]
    assert isinstance(plan, studies.Unfinished) and all(t.stored for t in plan.tasks)  # nothing to train
    runs, source = plan.load(tmp_path / "runs")
    assert [len(r.records) for r in runs] == [3] and not runs[0].complete
    assert source == "unfinished subset-profile runs, parked (1 seed)"
    assert stored_runs.describe(runs).endswith("; unfinished, seed 0: 3 of 39 trainings")  # the chart's subtitle
    (parked / "conv6-s0" / "records.json").write_text(json.dumps({"complete": False, "records": recs[:1], "data": {}}))
    plan = studies.appendix(["Conv6, layer-wise"], "quick", stored_root)["Conv6, layer-wise"]
    assert plan.source == "quick profile"  # one round is no path yet: the pipeline check
