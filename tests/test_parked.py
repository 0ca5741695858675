"""Parked runs: an unfinished run kept in the book resumes elsewhere as if never stopped."""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from ramanujan_lth import parked, paths, stored_masks
from ramanujan_lth.storage.export import export_run
from ramanujan_lth.storage.parked import parking
from ramanujan_lth.storage.runs import RunInUse, RunParams, run

QUICK = dict(model="lenet_300_100", iterations=30, n_train=2000, n_test=500, noise_sigmas=(0.2,))


def records_text(result):
    return json.dumps(result.records, sort_keys=True)


def test_a_parked_run_resumes_on_a_machine_without_runs_bit_identically(mnist, tmp_path):
    p = RunParams(rounds=3, **QUICK)
    full = run(p, runs_dir=tmp_path / "a", data=mnist, progress=False)
    part = run(p, runs_dir=tmp_path / "b", data=mnist, progress=False, stop_after=2)
    dest = parked.park(part.folder, tmp_path / "book" / "parked")
    assert dest.name == part.folder.name and parked.parked_rounds(dest) == 2
    assert sorted(p.name for p in dest.iterdir()) == [
        "masks.npz",
        "params.json",
        "provenance.json",
        "records.json",
        "timings.json",
    ]
    masks = stored_masks.read(dest)
    assert sorted(masks) == [0, 1, 2]  # the two finished rounds and the one the run resumes at
    assert masks[2]["fc1"].sum() == round(784 * 300 * 0.8**2)
    shutil.rmtree(tmp_path / "b")  # a fresh machine: no runs/
    back = parked.unpark(dest, tmp_path / "b")
    assert back == part.folder
    resumed = run(p, runs_dir=tmp_path / "b", data=mnist, progress=False)
    assert resumed.complete and records_text(resumed) == records_text(full)
    # the resumed run's round masks are the uninterrupted run's
    for t in range(4):
        a, b = (torch.load(paths.round_masks(f, t), weights_only=False) for f in (full.folder, resumed.folder))
        assert all((a[n][1] == b[n][1]).all() for n in a)


def test_unpark_keeps_a_run_that_is_as_far_and_refuses_one_that_trains(mnist, tmp_path):
    p = RunParams(rounds=3, **QUICK)
    part = run(p, runs_dir=tmp_path / "runs", data=mnist, progress=False, stop_after=1)
    dest = parked.park(part.folder, tmp_path / "parked")
    assert parked.unpark(dest, tmp_path / "runs") is None  # as many rounds there: untouched
    more = run(p, runs_dir=tmp_path / "runs", data=mnist, progress=False, stop_after=1)
    assert len(more.records) == 2
    assert parked.unpark_all(tmp_path / "parked", tmp_path / "runs") == []  # never goes back a round
    shutil.rmtree(part.folder)
    part.folder.mkdir(parents=True)
    (part.folder / paths.LOCK).write_text(json.dumps({"pid": os.getpid(), "host": "another-machine"}))
    # a lock from another machine is stale and taken over; one held by a live process here is not
    restored = parked.unpark_all(tmp_path / "parked", tmp_path / "runs")
    assert restored == [(part.folder, 1)] and not (part.folder / paths.LOCK).exists()
    shutil.rmtree(part.folder)
    part.folder.mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lock = {"pid": holder.pid, "host": socket.gethostname(), "since": "now"}
        (part.folder / paths.LOCK).write_text(json.dumps(lock))
        with pytest.raises(RunInUse):
            parked.unpark(dest, tmp_path / "runs")
    finally:
        holder.kill()


def test_park_refuses_what_it_cannot_resume(mnist, tmp_path):
    done = run(RunParams(rounds=1, **QUICK), runs_dir=tmp_path, data=mnist, progress=False)
    with pytest.raises(ValueError, match="finished: export it"):
        parked.park(done.folder, tmp_path / "parked")
    late = run(
        RunParams(rounds=2, rewind_iteration=5, **QUICK), runs_dir=tmp_path, data=mnist, progress=False, stop_after=1
    )
    with pytest.raises(ValueError, match="rewinds to iteration 5"):
        parked.park(late.folder, tmp_path / "parked")


def test_park_and_unpark_from_the_command_line(mnist, tmp_path):
    p = RunParams(rounds=2, **QUICK)
    part = run(p, runs_dir=tmp_path / "runs", data=mnist, progress=False, stop_after=1)
    cli = [sys.executable, "-m", "ramanujan_lth"]
    out = subprocess.run(
        [*cli, "park", str(part.folder), "--to", str(tmp_path / "parked")], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "1 of 3 trainings" in out.stdout
    shutil.rmtree(tmp_path / "runs")
    out = subprocess.run(
        [*cli, "unpark", str(tmp_path / "parked" / part.folder.name), "--runs-dir", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert (part.folder / paths.CHECKPOINT).exists()
    finished = run(p, runs_dir=tmp_path / "runs", data=mnist, progress=False)
    out = subprocess.run(
        [*cli, "park", str(finished.folder), "--to", str(tmp_path / "parked")], capture_output=True, text=True
    )
    assert out.returncode == 2 and "export it instead" in out.stderr
    # exporting the finished run removes its parked copy beside the destination
    out = subprocess.run(
        [*cli, "export", str(finished.folder), "--to", str(tmp_path / "results")], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert not (tmp_path / "parked" / part.folder.name).exists()
    # a stored run written back from the command line, once
    restore = [*cli, "restore", str(tmp_path / "results" / finished.folder.name), "--runs-dir", str(tmp_path / "r2")]
    out = subprocess.run(restore, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "r2" / finished.folder.name / paths.CHECKPOINT).exists()
    out = subprocess.run(restore, capture_output=True, text=True)
    assert out.returncode == 0 and "finished under the runs dir already" in out.stdout


def test_a_stored_run_restored_on_a_fresh_machine_gives_its_rounds_to_forks(mnist, tmp_path):
    regime = RunParams(rounds=3, **QUICK)  # noisy test sets at σ 0.2
    trained = run(regime, runs_dir=tmp_path / "old", data=mnist, progress=False)
    stored = export_run(trained, tmp_path / "results")
    fresh = tmp_path / "runs"  # a machine that never trained it
    back = parked.restore(stored, fresh)
    assert back.name == trained.folder.name and parked.restore(stored, fresh) is None  # once
    # the same run without noisy tests is a copy of it: nothing trained, the clean records equal
    clean = RunParams(rounds=3, **dict(QUICK, noise_sigmas=()))
    copied = run(clean, runs_dir=fresh, data=mnist, progress=False)
    meta = json.loads((copied.folder / paths.PARAMS).read_text())
    assert meta["forked_from"] == {"run": back.name, "rounds_copied": 4}
    alone = run(clean, runs_dir=tmp_path / "alone", data=mnist, progress=False)
    assert records_text(copied) == records_text(alone)
    # a copy keeps the masks, not the trained weights (its donor has them), and writes its checkpoint last
    assert (copied.folder / paths.CHECKPOINT).exists() and not list(copied.folder.glob("rounds/*.trained.pt"))
    # the copy keeps every round's masks too, so once stored it can give its rounds in turn
    kept = stored_masks.read(export_run(copied, tmp_path / "results2"))
    theirs = stored_masks.read(stored)
    assert sorted(kept) == [0, 1, 2, 3] and all((kept[t][n] == theirs[t][n]).all() for t in kept for n in kept[t])
    # a run pruning one round less far copies rounds 0-1 and trains round 2 as if never forked
    shorter = RunParams(rounds=2, **QUICK)
    forked = run(shorter, runs_dir=fresh, data=mnist, progress=False)
    meta = json.loads((forked.folder / paths.PARAMS).read_text())
    assert meta["forked_from"]["rounds_copied"] == 2
    assert records_text(forked) == records_text(run(shorter, runs_dir=tmp_path / "alone", data=mnist, progress=False))


def test_a_finished_run_kept_without_its_checkpoint_is_replaced_by_the_stored_copy(mnist, tmp_path):
    """Older code left finished runs without a checkpoint: such a folder gives
    no rounds to a run pruning less far, so restoring must not skip it."""
    trained = run(RunParams(rounds=3, **QUICK), runs_dir=tmp_path / "runs", data=mnist, progress=False)
    stored = export_run(trained, tmp_path / "results")
    (trained.folder / paths.CHECKPOINT).unlink()
    shutil.rmtree(trained.folder / paths.ROUNDS_DIR)
    assert parked.restore(stored, tmp_path / "runs") == trained.folder
    assert (trained.folder / paths.CHECKPOINT).exists()
    assert parked.restore(stored, tmp_path / "runs") is None  # now it has one: kept
    shorter = RunParams(rounds=2, **QUICK)
    forked = run(shorter, runs_dir=tmp_path / "runs", data=mnist, progress=False)
    assert json.loads((forked.folder / paths.PARAMS).read_text())["forked_from"]["rounds_copied"] == 2


def test_restore_refuses_what_cannot_give_rounds(mnist, tmp_path):
    part = run(RunParams(rounds=2, **QUICK), runs_dir=tmp_path / "runs", data=mnist, progress=False, stop_after=1)
    dest = parked.park(part.folder, tmp_path / "parked")
    with pytest.raises(ValueError, match="unfinished run: unpark it"):
        parked.restore(dest, tmp_path / "elsewhere")
    done = run(RunParams(rounds=1, **QUICK), runs_dir=tmp_path / "runs", data=mnist, progress=False)
    stored = export_run(done, tmp_path / "results")
    with pytest.raises(ValueError, match="finished run: restore it"):
        parked.unpark(stored, tmp_path / "elsewhere")
    (stored / paths.MASKS).unlink()
    with pytest.raises(ValueError, match="keeps no masks"):
        parked.restore(stored, tmp_path / "elsewhere")


def test_a_run_parks_itself_after_every_round_and_a_lost_machine_resumes_there(mnist, tmp_path, capsys):
    p = RunParams(rounds=3, **QUICK)
    full = run(p, runs_dir=tmp_path / "a", data=mnist, progress=False)
    book = tmp_path / "book" / "parked"
    part = run(p, runs_dir=tmp_path / "b", data=mnist, progress=False, stop_after=2, after_round=parking(book))
    assert parked.parked_rounds(book / part.folder.name) == 2
    shutil.rmtree(tmp_path / "b")  # the machine is gone; the book is not
    parked.unpark(book / part.folder.name, tmp_path / "b")
    resumed = run(p, runs_dir=tmp_path / "b", data=mnist, progress=False, after_round=parking(book))
    assert records_text(resumed) == records_text(full)
    assert parked.parked_rounds(book / part.folder.name) == 3  # its last round is not parked: it is exported
    late = RunParams(rounds=2, rewind_iteration=5, **QUICK)
    capsys.readouterr()
    run(late, runs_dir=tmp_path / "b", data=mnist, progress=False, after_round=parking(book))
    assert capsys.readouterr().err.count("not parked: ") == 1  # said once, and the run went on


def test_the_executor_parks_the_runs_it_trains(mnist, tmp_path):
    from ramanujan_lth.batch.executor import execute_tasks
    from ramanujan_lth.evidence.studies import Task

    p = RunParams(rounds=2, **dict(QUICK, n_train=500, n_test=200))
    book = tmp_path / "book" / "parked"
    [done] = execute_tasks([Task("tiny", p)], tmp_path / "runs", executor="inline", progress=False, park_to=book)
    assert done.state == "done"
    assert [f.name for f in book.iterdir()] == [Path(done.folder).name]
    assert parked.parked_rounds(book / Path(done.folder).name) == 2


def test_what_an_interrupted_park_leaves_is_cleaned_and_never_unparked(mnist, tmp_path, capsys):
    p = RunParams(rounds=3, **QUICK)
    part = run(p, runs_dir=tmp_path / "runs", data=mnist, progress=False, stop_after=1)
    root = tmp_path / "parked"
    dest = parked.park(part.folder, root)
    for left in (f".{dest.name}.old", f".{dest.name}.x1y2"):  # killed between its renames, or while writing
        shutil.copytree(dest, root / left)
    broken = root / "not-a-run"
    shutil.copytree(dest, broken)  # parameters of another folder name: refused, and the others go on
    restored = parked.unpark_all(root, tmp_path / "elsewhere")
    assert [(d.name, k) for d, k in restored] == [(dest.name, 1)]
    assert "cannot unpark" in capsys.readouterr().err
    more = run(p, runs_dir=tmp_path / "runs", data=mnist, progress=False, stop_after=1)
    parked.park(more.folder, root)
    assert sorted(f.name for f in root.iterdir()) == sorted([dest.name, "not-a-run"])
    assert parked.parked_rounds(dest) == 2
