"""A stored run that kept no masks gets them back only when training it again repeats every stored value."""

import json
import math
import shutil

import pytest
from ramanujan_lth import __main__ as cli
from ramanujan_lth import export, stored_masks
from ramanujan_lth.storage.recover_masks import NotRepeated, first_difference, recover
from ramanujan_lth.storage.runs import RunParams, load_run, run

LATER = ("r", "imdb", "narc", "spectral_gap")


def test_first_difference_names_the_first_value_that_does_not_come_back():
    stored = {"accuracy": 0.9, "spectral": [{"t2": 1.5, "imdb": math.nan}, {"t2": 2.0}]}
    assert first_difference(stored, json.loads(json.dumps(stored))) is None  # NaN repeats NaN
    assert first_difference(stored, {**stored, "narc": 0.3}) is None  # a measure added since
    changed = {"accuracy": 0.9, "spectral": [{"t2": 1.5, "imdb": math.nan}, {"t2": 2.0000000000000004}]}
    assert first_difference(stored, changed) == "spectral[1].t2: 2.0 stored, 2.0000000000000004 again"
    assert first_difference(stored, {"spectral": stored["spectral"]}) == "accuracy: missing again"
    assert first_difference(stored, {**stored, "spectral": stored["spectral"][:1]}) == (
        "spectral: 2 entries stored, 1 again"
    )
    assert first_difference({"a": [1, 2]}, {"a": [1, 3]}) == "a[1]: 2 stored, 3 again"


def test_spectral_rows_are_matched_by_layer_and_graph():
    rows = [{"layer": "fc1", "graph": "unweighted", "t2": 3.0}, {"layer": "fc1", "graph": "weighted", "t2": 2.0}]
    score = {"layer": "fc1", "graph": "score", "t2": 1.0}  # a graph measured since
    assert first_difference({"spectral": rows}, {"spectral": [score, *rows[::-1]]}) is None
    moved = [rows[0], {**rows[1], "t2": 2.5}, score]
    assert first_difference({"spectral": rows}, {"spectral": moved}) == "spectral[1].t2: 2.0 stored, 2.5 again"
    assert first_difference({"spectral": rows}, {"spectral": [rows[0], score]}) == (
        "spectral[1] (fc1, weighted): missing again"
    )


@pytest.fixture
def stored_without_masks(mnist, tmp_path):
    """A finished run exported as the book's first runs were: no masks, no later measures."""
    p = RunParams(rounds=2, iterations=20, n_train=600, n_test=300, noise_sigmas=())
    original = run(p, runs_dir=tmp_path / "first", data=mnist, progress=False)
    dest = export.export_run(load_run(original.folder), tmp_path / "book")
    (dest / stored_masks.MASKS_FILE).unlink()
    kept = json.loads((dest / "records.json").read_text())
    for rec in kept["records"]:
        for row in rec["spectral"]:
            for f in LATER:
                row.pop(f)
    (dest / "records.json").write_text(json.dumps(kept))
    return dest, original


def test_recover_stores_the_masks_when_every_round_comes_back(stored_without_masks, mnist, tmp_path):
    dest, original = stored_without_masks
    assert recover(dest, tmp_path / "again", data=mnist, progress=False) == dest
    masks = stored_masks.read(dest)
    assert sorted(masks) == [0, 1, 2]
    records = json.loads((dest / "records.json").read_text())["records"]
    for rec, orig in zip(records, original.records, strict=True):
        for layer, kept in rec["remaining"].items():
            assert int(masks[rec["round"]][layer].sum()) == kept
        for a, b in zip(rec["spectral"], orig["spectral"], strict=True):  # the later measures are back
            for f in LATER:
                assert a[f] == pytest.approx(b[f], rel=1e-12, nan_ok=True)
        assert rec["accuracy"] == orig["accuracy"]
    assert recover(dest, tmp_path / "again", data=mnist, progress=False) is None  # has them now


def test_recover_stops_at_the_first_round_that_differs_and_leaves_the_stored_copy(
    stored_without_masks, mnist, tmp_path
):
    dest, _ = stored_without_masks
    kept = json.loads((dest / "records.json").read_text())
    kept["records"][1]["accuracy"] += 0.01  # not what this seed trains to
    (dest / "records.json").write_text(json.dumps(kept))
    before = (dest / "records.json").read_bytes()
    with pytest.raises(NotRepeated, match=r"round 1 does not come back: accuracy"):
        recover(dest, tmp_path / "again", data=mnist, progress=False)
    assert (dest / "records.json").read_bytes() == before
    assert not stored_masks.has_masks(dest)
    (again,) = (tmp_path / "again").iterdir()
    left = load_run(again)
    assert (len(left.records), left.complete) == (2, False)  # stopped before the last round trained


def test_recover_trains_nothing_when_the_parameters_name_another_run(stored_without_masks, mnist, tmp_path):
    dest, _ = stored_without_masks
    other = dest.with_name(dest.name[:-12] + "0" * 12)
    shutil.copytree(dest, other)
    with pytest.raises(NotRepeated, match="nothing was trained"):
        recover(other, tmp_path / "again", data=mnist, progress=False)
    assert not (tmp_path / "again").exists()


def test_recover_masks_command_says_one_line_per_run(stored_without_masks, tmp_path, capsys):
    dest, _ = stored_without_masks
    unfinished = tmp_path / "book" / "unfinished"
    shutil.copytree(dest, unfinished)
    kept = json.loads((unfinished / "records.json").read_text())
    (unfinished / "records.json").write_text(json.dumps({**kept, "complete": False}))
    code = cli.main(["recover-masks", str(unfinished), "--runs-dir", str(tmp_path / "again"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "not a finished run" in err
