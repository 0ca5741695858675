"""Planned runs executed as Ray tasks on a real local instance (2 CPUs), and inline."""

import json
import os
import signal
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from ramanujan_lth import executor
from ramanujan_lth.evidence.studies import Task
from ramanujan_lth.storage.runs import RunParams, load_run

TINY = dict(model="lenet_300_100", iterations=30, n_train=600, n_test=300, noise_sigmas=())


def test_ray_is_installed():  # a dependency: its absence fails here instead of skipping the module
    import ray

    assert ray.__version__


def key(p):
    return Task("", p).key


def records_text(folder):
    return json.dumps(load_run(folder).records, sort_keys=True)


def interval(log: Path):
    """(start, end) of a run from its log's first line and its records' last write."""
    first = log.read_text().splitlines()[0]  # "--- 2026-01-01 12:00:00 label (pid N)"
    start = datetime.strptime(first[4:23], "%Y-%m-%d %H:%M:%S").timestamp()
    return start, os.path.getmtime(log)


def test_ray_runs_in_parallel_waits_for_dependencies_and_reports_failures(tmp_path):
    donor = RunParams(alpha=1.0, **TINY)
    other = RunParams(alpha=1.0, seed=1, **TINY)
    tasks = [
        Task("donor", donor),
        Task("independent", other),
        Task("fork", RunParams(alpha=0.5, **TINY), after=(key(donor),)),
        Task("control", derive=("control", 0.5, "random"), after=(key(donor),), estimate=1),
        Task("broken", derive=("no such rule",), after=(key(other),)),
        Task(
            "after broken",
            derive=("control", 0.5, "random"),
            after=(Task("broken", derive=("no such rule",), after=(key(other),)).key,),
        ),
    ]
    got = {o.label: o for o in executor.execute_tasks(tasks, tmp_path / "ray", jobs=2, progress=False)}
    assert {k: o.state for k, o in got.items()} == {
        "donor": "done",
        "independent": "done",
        "fork": "done",
        "control": "done",
        "broken": "failed",
        "after broken": "skipped",
    }
    assert "no such rule" in got["broken"].detail and Path(got["broken"].log).exists()
    assert "broken" in got["after broken"].detail
    # the two independent runs overlapped in time
    (a0, a1), (b0, b1) = (interval(Path(got[k].log)) for k in ("donor", "independent"))
    assert a0 < b1 and b0 < a1
    # the fork and the control started only once their donor had finished
    assert interval(Path(got["fork"].log))[0] >= a1 - 1 and interval(Path(got["control"].log))[0] >= a1 - 1
    assert json.loads((Path(got["fork"].folder) / "params.json").read_text())["forked_from"]["rounds_copied"] > 0
    # and everything equals the same plan made inline, one run after another
    inline = {o.label: o for o in executor.execute_tasks(tasks, tmp_path / "inline", executor="inline", progress=False)}
    assert inline["broken"].state == "failed" and inline["after broken"].state == "skipped"
    for label in ("donor", "independent", "fork", "control"):
        assert Path(inline[label].folder).name == Path(got[label].folder).name
        assert records_text(inline[label].folder) == records_text(got[label].folder)


def test_a_killed_worker_is_retried_and_its_run_resumes(tmp_path):
    p = RunParams(rounds=6, **{**TINY, "iterations": 150})
    runs_dir = tmp_path / "ray"
    killed = {}

    def kill_after_first_round():
        deadline = time.time() + 300
        while time.time() < deadline:
            for rec in runs_dir.glob("*/records.json"):
                lock = rec.parent / "running.lock"
                if lock.exists() and len(json.loads(rec.read_text())["records"]) >= 1:
                    pid = json.loads(lock.read_text())["pid"]
                    os.kill(pid, signal.SIGKILL)
                    killed["pid"] = pid
                    return
            time.sleep(0.2)

    watcher = threading.Thread(target=kill_after_first_round, daemon=True)
    watcher.start()
    (out,) = executor.execute_tasks([Task("long", p)], runs_dir, jobs=1, progress=False)
    watcher.join()
    assert killed, "the worker was never killed: the test did not test anything"
    assert out.state == "done"
    log = Path(out.log).read_text()
    assert log.count("--- ") >= 3  # started, started again after the kill, finished
    alone = executor.execute_tasks([Task("long", p)], tmp_path / "inline", executor="inline", progress=False)[0]
    assert records_text(alone.folder) == records_text(out.folder)


def test_inline_and_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="executor"):
        executor.execute_tasks([], tmp_path, executor="slurm")
    with pytest.raises(ValueError, match="jobs"):
        executor.execute_tasks([], tmp_path, jobs=0)
    assert executor.execute_tasks([], tmp_path) == []


class _TwoNodes:
    """Ray's calls that ``_check_shared`` makes, on two nodes: the driver's
    sees every path, the worker's only paths under ``shared``."""

    def __init__(self, shared: Path):
        self.shared = shared

    def nodes(self):
        return [
            {"NodeID": "a" * 56, "Alive": True, "NodeManagerAddress": "10.0.0.1"},
            {"NodeID": "b" * 56, "Alive": True, "NodeManagerAddress": "10.0.0.2"},
            {"NodeID": "c" * 56, "Alive": False, "NodeManagerAddress": "10.0.0.3"},
        ]

    def remote(self, **_):
        ray = self

        class Fn:
            def __init__(self, fn, node=None):
                self.fn, self.node = fn, node

            def options(self, scheduling_strategy):
                return Fn(self.fn, scheduling_strategy.node_id)

            def remote(self, path):
                assert self.node != "c" * 56, "a dead node is asked"
                on_worker = self.node == "b" * 56
                return self.fn(path) and (not on_worker or Path(path).is_relative_to(ray.shared))

        return Fn

    def get(self, refs):
        return list(refs)


def test_every_folder_the_workers_write_must_be_shared(tmp_path):
    ray = _TwoNodes(tmp_path / "shared")
    runs, parked = tmp_path / "shared" / "runs", tmp_path / "shared" / "parked"
    executor._check_shared(ray, {"runs folder": runs, "park folder": parked})  # both shared: no error
    local = tmp_path / "book" / "parked"  # a park folder outside the shared filesystem
    with pytest.raises(RuntimeError, match=r"park folder .*node\(s\) 10\.0\.0\.2:.*--no-park"):
        executor._check_shared(ray, {"runs folder": runs, "park folder": local})
    with pytest.raises(RuntimeError, match=r"runs folder .*node\(s\) 10\.0\.0\.2:"):
        executor._check_shared(ray, {"runs folder": tmp_path / "runs"})
    assert not list(tmp_path.rglob(".probe-*"))  # the probes are removed, refused or not


def test_on_done_runs_as_each_run_finishes_and_cannot_stop_the_batch(tmp_path):
    import io

    first, second = RunParams(alpha=1.0, **TINY), RunParams(alpha=1.0, seed=1, **TINY)
    tasks = [Task("first", first), Task("second", second)]
    seen = []

    def on_done(o):  # both runs' state when each is reported
        seen.append((o.label, [load_run(f).complete for f in sorted((tmp_path / "a").glob("*-*"))]))
        return [f"handled {o.label}"]

    out = io.StringIO()
    got = executor.execute_tasks(tasks, tmp_path / "a", executor="inline", progress=False, out=out, on_done=on_done)
    assert [o.state for o in got] == ["done", "done"]
    assert seen == [("first", [True]), ("second", [True, True])]  # the first, before the second started
    lines = out.getvalue().splitlines()
    assert lines.index("handled first") < [i for i, t in enumerate(lines) if t.startswith("[start]   second")][0]

    def broken(o):
        raise OSError("disk full")

    out = io.StringIO()
    got = executor.execute_tasks(tasks, tmp_path / "b", executor="inline", progress=False, out=out, on_done=broken)
    assert [o.state for o in got] == ["done", "done"]
    assert out.getvalue().count("[warning] after") == 2 and "disk full" in out.getvalue()
