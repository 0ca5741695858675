"""The papermill batch command: chapter selection, plans, execution, failures, skipping."""

import io
import json
import os
import pickle
import shutil
import socket
import subprocess
import sys

import pytest
from ramanujan_lth import estimates as E
from ramanujan_lth import parked, plans
from ramanujan_lth import reproduce as R
from ramanujan_lth import studies as T
from ramanujan_lth.storage.export import export_run
from ramanujan_lth.storage.params import run_dir
from ramanujan_lth.storage.runs import RunParams, run
from ramanujan_lth.storage.stored_runs import book_root

HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

"""


def chapter(body_after_parameters: str) -> str:
    return (
        HEADER
        + """# A chapter

```{code-cell} ipython3
:tags: [parameters]

profile = "quick"
```

```{code-cell} ipython3
"""
        + body_after_parameters
        + "\n```\n"
    )


@pytest.fixture
def toy_book(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "01_fine.md").write_text(chapter('print("profile is", profile)'))
    (tmp_path / "chapters" / "02_broken.md").write_text(chapter('raise ValueError("deliberately broken")'))
    return tmp_path


def test_select_by_name_number_or_word():
    names = ["01_expanders", "03_regimes", "05_significance"]
    assert R.select(None, names) == names
    assert R.select(["3", "05", "expanders"], names) == ["03_regimes", "05_significance", "01_expanders"]
    with pytest.raises(ValueError, match="does not exist"):
        R.select(["9"], names)
    with pytest.raises(ValueError, match="ambiguous"):
        R.select(["e"], names)


def test_execute_injects_the_profile_and_names_the_failing_chapter(toy_book):
    out, err = io.StringIO(), io.StringIO()
    rc = R.reproduce("paper", root=toy_book, progress=False, stdout=out, stderr=err)
    assert rc == 1
    assert "chapter 02_broken failed" in err.getvalue() and "deliberately broken" in err.getvalue()
    executed = toy_book / "book" / "executed" / "paper" / "01_fine.ipynb"
    nb = json.loads(executed.read_text())
    texts = "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))
    assert "profile is paper" in texts  # papermill injected the parameter
    assert nb["metadata"]["ramanujan_lth"]["profile"] == "paper"
    assert not (toy_book / "book" / "executed" / "paper" / "02_broken.ipynb").exists()
    assert not list((toy_book / "book" / "executed" / "paper").glob(".*"))  # no temporary files left

    # a second call skips the up-to-date chapter, and re-executes it once its source changes
    out = io.StringIO()
    assert R.reproduce("paper", ["1"], root=toy_book, progress=False, stdout=out, stderr=io.StringIO()) == 0
    assert "01_fine: up to date" in out.getvalue()
    (toy_book / "chapters" / "01_fine.md").write_text(chapter('print("changed", profile)'))
    out = io.StringIO()
    assert R.reproduce("paper", ["1"], root=toy_book, progress=False, stdout=out, stderr=io.StringIO()) == 0
    assert "executing" in out.getvalue()


def test_execute_runs_chapters_with_the_sliced_kernel_client(toy_book, monkeypatch):
    import nbformat
    import papermill as pm
    from ramanujan_lth.batch.kernel import KernelManager

    seen = {}

    def fake_execute(nb, out, **kwargs):
        seen.update(kwargs)
        nbformat.write(nb, out)

    monkeypatch.setattr(pm, "execute_notebook", fake_execute)
    out = toy_book / "executed" / "01_fine.ipynb"
    R.execute(toy_book / "chapters" / "01_fine.md", out, {"profile": "paper"}, {"profile": "paper"}, progress=False)
    assert seen["kernel_manager_class"] is KernelManager and out.exists()


def test_reproduce_resumes_parked_runs_and_drops_them_once_stored(toy_book, mnist, monkeypatch):
    p = RunParams(rounds=2, model="lenet_300_100", iterations=30, n_train=2000, n_test=500, noise_sigmas=())
    part = run(p, runs_dir=toy_book / "elsewhere", data=mnist, progress=False, stop_after=1)
    parked.park(part.folder, toy_book / "book" / "parked")
    out = io.StringIO()
    assert R.reproduce("quick", ["1"], root=toy_book, progress=False, stdout=out, stderr=io.StringIO()) == 0
    assert f"resumes {part.folder.name} from book/parked: 1 training done" in out.getvalue()
    resumed = run(p, runs_dir=toy_book / "runs", data=mnist, progress=False)
    assert resumed.complete and len(resumed.records) == 3
    monkeypatch.setattr(plans, "is_paper_scale", lambda *a: True)
    assert [d.name for d in R.export_paper_runs(toy_book / "runs", toy_book / "book" / "results")] == [part.folder.name]
    assert not (toy_book / "book" / "parked" / part.folder.name).exists()


def test_restore_donors_writes_back_the_stored_run_a_run_to_compute_forks_from(mnist, tmp_path):
    quick = dict(model="lenet_300_100", iterations=30, n_train=2000, n_test=500)
    regime, copy = RunParams(rounds=2, noise_sigmas=(0.2,), **quick), RunParams(rounds=2, noise_sigmas=(), **quick)
    other = RunParams(rounds=2, noise_sigmas=(), score="snip", **quick)  # prunes another way: no donor
    stored, runs_dir = tmp_path / "book" / "results", tmp_path / "runs"
    export_run(run(regime, runs_dir=tmp_path / "old", data=mnist, progress=False), stored)
    tasks = [T.Task("regime", regime), T.Task("copy", copy, after=(T.Task("", regime).key,)), T.Task("snip", other)]
    assert [d.name for d in R.restore_donors(tasks, stored, runs_dir)] == [run_dir(regime, (2000, 500), runs_dir).name]
    assert R.restore_donors(tasks, stored, runs_dir) == []  # there already
    assert [q.status for q in R.plan_tasks(tasks, stored, runs_dir)] == ["stored", "to copy", "to run"]
    copied = run(copy, runs_dir=runs_dir, data=mnist, progress=False)
    assert json.loads((copied.folder / "params.json").read_text())["forked_from"]["rounds_copied"] == 3
    ticket = T.Task("ticket", regime)
    control = T.Task("control", derive=("control", 0.5, "random"), after=(ticket.key,))
    shutil.rmtree(run_dir(regime, (2000, 500), runs_dir))
    assert R.restore_donors([ticket, control], stored, runs_dir) == []  # a control forks from nothing
    (stored / run_dir(regime, (2000, 500), runs_dir).name / "masks.npz").write_bytes(b"not a zip")
    err = io.StringIO()
    shorter = T.Task("shorter", RunParams(rounds=1, noise_sigmas=(), **quick), after=(ticket.key,))
    assert R.restore_donors([ticket, shorter], stored, runs_dir, err=err) == []  # it trains its rounds instead
    assert "cannot restore" in err.getvalue()


def test_plans_count_trainings_and_see_stored_and_cached_runs(mnist, tmp_path):
    stored, runs_dir = tmp_path / "stored", tmp_path / "runs"
    paper = R.plan("03_regimes", "paper", stored, runs_dir)
    lenet = [q for q in paper if q.params.model == "lenet_300_100"]
    # α = 2 with p_fc = 0.2, p_out = 0.1: 21 prunings, 22 trainings of 50,000 iterations
    assert len(lenet) == 10 and all(q.trainings == 22 and q.iterations == 50_000 for q in lenet)
    assert all(q.status == "to run" for q in paper)
    quick = R.plan("03_regimes", "quick", stored, runs_dir)
    p = quick[0].params
    res = run(p, runs_dir=runs_dir, data=mnist, progress=False, stop_after=2)
    again = R.plan("03_regimes", "quick", stored, runs_dir)[0]
    assert again.status == "partial" and again.trainings == quick[0].trainings - 2
    parked.park(res.folder, tmp_path / "parked")  # beside the stored runs
    shutil.rmtree(res.folder)
    kept = R.plan("03_regimes", "quick", stored, runs_dir)[0]
    assert kept.status == "parked" and kept.trainings == quick[0].trainings - 2
    parked.unpark(tmp_path / "parked" / res.folder.name, runs_dir)
    run(p, runs_dir=runs_dir, data=mnist, progress=False)
    assert R.plan("03_regimes", "quick", stored, runs_dir)[0].status == "cached"
    assert res.folder.exists()
    assert R.plan("01_expanders", "paper", stored, runs_dir) == []
    with pytest.raises(ValueError, match="profile"):
        R.plan("03_regimes", "full", stored, runs_dir)


def test_the_comparison_plan_has_each_table3_run_and_the_output_rate_runs(tmp_path):
    planned = R.plan("04_bound_pruner", "paper", tmp_path / "stored", tmp_path / "runs")
    names = [q.label for q in planned]
    assert names[0] == "lenet_300_100 IMP seed 0"  # the regime run IMP α = 2 copies (it only lacks noisy tests)
    planned = planned[1:]
    names = names[1:]
    assert len(names) == len(set(names)) == 3 * 6
    extra = [q for q in planned if "output layer" in q.label]
    assert [q.params.score for q in extra] == ["magnitude", "snip", "synflow"]
    # all layers at 20 % per round: 0.8^21 < 1 % after 21 prunings, 22 trainings
    assert all(q.params.p_out == 0.2 and q.params.alpha == 2.0 and q.trainings == 22 for q in extra)
    assert not {q.params for q in extra} & {q.params for q in planned if q not in extra}
    # α = 1 (10.3 rounds: 12 trainings alone) and α = 1.5 (15.5: 17) start from α = 2's rounds 10 and 15
    plain = {q.label: q.trainings for q in planned if q.label.startswith("IMP α=") and "output" not in q.label}
    assert plain == {"IMP α=1.0": 2, "IMP α=1.5": 2, "IMP α=2.0": 0}  # α = 2: a copy of the regime run
    assert {q.status for q in planned if q.label.startswith("IMP α=")} == {"to run", "to copy"}
    assert [q.label for q in planned if q.status == "to copy"] == ["IMP α=2.0"]
    assert [q.trainings for q in planned if q.label.startswith("IMP*")] == [2]
    # once α = 2 is only stored (records, no masks) the others run from scratch
    imp2 = [q.params for q in planned if q.label == "IMP α=2.0"][0]
    run_stored = tmp_path / "stored" / "imp2"
    run_stored.mkdir(parents=True)
    (run_stored / "params.json").write_text(json.dumps({"params": imp2.resolved().as_dict(), "data": {}, "rounds": 21}))
    (run_stored / "records.json").write_text(json.dumps({"complete": True, "records": [], "data": {}}))
    again = {q.label: q.trainings for q in R.plan("04_bound_pruner", "paper", tmp_path / "stored", tmp_path / "runs")}
    assert (again["IMP α=1.0"], again["IMP α=1.5"], again["IMP α=2.0"], again["SNIP α=1.0"]) == (12, 17, 0, 2)
    assert again["IMP* (pruned to the -Bound density)"] == 22
    # stored with its masks, reproduce restores it under the runs folder first: the others fork from it
    (run_stored / "masks.npz").write_bytes(b"")
    again = {q.label: q.trainings for q in R.plan("04_bound_pruner", "paper", tmp_path / "stored", tmp_path / "runs")}
    assert (again["IMP α=1.0"], again["IMP α=1.5"], again["IMP α=2.0"]) == (2, 2, 0)
    assert again["IMP* (pruned to the -Bound density)"] == 2
    (run_stored / "masks.npz").unlink()
    # unless a copy of it (with its masks) is under the runs folder too, even unfinished
    run_copy = tmp_path / "runs" / "imp2"
    run_copy.mkdir(parents=True)
    (run_copy / "params.json").write_text((run_stored / "params.json").read_text())
    (run_copy / "records.json").write_text(json.dumps({"complete": False, "records": [], "data": {}}))
    again = {q.label: q.trainings for q in R.plan("04_bound_pruner", "paper", tmp_path / "stored", tmp_path / "runs")}
    assert (again["IMP α=1.0"], again["IMP α=1.5"], again["IMP α=2.0"]) == (2, 2, 0)
    assert again["IMP* (pruned to the -Bound density)"] == 2


def test_dry_run_counts_a_shared_run_once(tmp_path, monkeypatch):
    out = io.StringIO()
    # keep the test fast: no timing (and leave the module's measurements as they were)
    monkeypatch.setattr(E, "_SPEED", {("lenet_300_100", "cpu", "fp32"): 0.001, ("conv4", "cpu", "fp32"): 0.1})
    seconds = R.dry_run(["03_regimes", "05_significance"], "paper", tmp_path, device="cpu", out=out)
    text = out.getvalue()
    assert "in 03_regimes" in text  # LeNet seeds 0-9 belong to both chapters
    lenet = 10 * 22 * 50_000 * 0.001  # ten distinct LeNet seeds
    conv4 = 10 * 27 * 25_000 * 0.1  # ten Conv4 seeds (Table 5)
    assert seconds == pytest.approx(lenet + conv4)
    assert "training on this machine now" not in text


def test_dry_run_gives_the_wall_clock_time_of_runs_in_parallel(tmp_path, monkeypatch):
    monkeypatch.setattr(E, "_SPEED", {("lenet_300_100", "cpu", "fp32"): 0.001, ("conv4", "cpu", "fp32"): 0.1})
    out = io.StringIO()
    seconds = R.dry_run(["03_regimes"], "paper", tmp_path, device="cpu", out=out, jobs=2)
    # ten Conv4 runs of 67,500 s, five on each worker; then the ten LeNet runs (1,100 s each), five each
    assert seconds == pytest.approx(10 * 67_500 + 10 * 1_100)
    last = out.getvalue().splitlines()[-1]
    assert "~190.6 h of training on one core" in last and "~95.3 h with 2 at once" in last


def test_wall_clock_starts_the_longest_runs_first():
    assert R.wall_clock([2, 3, 5, 2, 3], 2) == 8  # 5+3 | 3+2+2
    assert R.wall_clock([61, 2, 2], 4) == 61  # one run's rounds are not split
    assert R.wall_clock([4, 1, 2], 1) == 7
    assert R.wall_clock([], 2) == 0
    with pytest.raises(ValueError, match="at least 1"):
        R.wall_clock([1], 0)


def test_cpu_timing_uses_one_thread_like_each_run(monkeypatch):
    seen = []
    monkeypatch.setattr(E, "_SPEED", {})
    monkeypatch.setattr(E, "_time_step", lambda *a: seen.append(E.torch.get_num_threads()) or 0.5)
    before = E.torch.get_num_threads()
    E.torch.set_num_threads(2)
    try:
        assert R.seconds_per_iteration("conv4", E.torch.device("cpu"), precision="bf16") == 0.5
        assert seen == [1] and E.torch.get_num_threads() == 2
    finally:
        E.torch.set_num_threads(before)


def test_dry_run_says_when_runs_train_beside_its_timings(tmp_path, monkeypatch):
    monkeypatch.setattr(E, "_SPEED", {("lenet_300_100", "cpu", "fp32"): 0.001, ("conv4", "cpu", "fp32"): 0.1})
    for name, pid in (("live", os.getpid()), ("stopped", None)):
        folder = tmp_path / "runs" / name
        folder.mkdir(parents=True)
        (folder / "params.json").write_text(json.dumps({"params": RunParams().resolved().as_dict(), "rounds": 3}))
        if pid is not None:
            lock = {"pid": pid, "host": socket.gethostname(), "since": "x"}
            (folder / "running.lock").write_text(json.dumps(lock))
    out = io.StringIO()
    R.dry_run(["03_regimes"], "paper", tmp_path, device="cpu", out=out)
    assert out.getvalue().splitlines()[1].startswith("(1 run training on this machine now")


def test_paper_scale_runs_are_recognised():
    assert plans.is_paper_scale(RunParams(alpha=2.0))
    assert not plans.is_paper_scale(RunParams(alpha=2.0, iterations=300))
    assert not plans.is_paper_scale(RunParams(alpha=2.0, n_train=4000))


def test_cli_dry_run_and_bad_chapter():
    root = book_root()
    bad = subprocess.run(
        [sys.executable, "-m", "ramanujan_lth", "reproduce", "--profile", "quick", "--chapters", "99"],
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "does not exist" in bad.stderr
    dry = subprocess.run(
        [
            sys.executable,
            "-m",
            "ramanujan_lth",
            "reproduce",
            "--profile",
            "quick",
            "--dry-run",
            "--chapters",
            "01",
            "--device",
            "cpu",
        ],
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert dry.returncode == 0 and "01_expanders: 0 runs" in dry.stdout and "total:" in dry.stdout


def _stored_subset_run(stored, data_root):
    """One stored subset-profile Conv4 run on 5,085 images under ``stored``
    and a CIFAR-10 data root of 10,000 images."""
    folder = stored / "conv4-s0"
    folder.mkdir(parents=True)
    p = RunParams(model="conv4", iterations=2543, precision="bf16")
    data = {"n_train": 5085, "n_test": 1017, "subset": True, "note": ""}
    (folder / "params.json").write_text(json.dumps({"params": p.resolved().as_dict(), "data": data}))
    (data_root / "cifar-10-batches-py").mkdir(parents=True)
    for i in range(1, 6):
        (data_root / "cifar-10-batches-py" / f"data_batch_{i}").write_bytes(pickle.dumps({"labels": [0] * 2000}))


def test_subset_runs_train_only_on_the_images_of_the_stored_ones(tmp_path):
    """The subset profile's iterations are scaled to the stored runs' 5,085
    images: reproduce refuses to train them on 10,000 (or 50,000) others."""
    stored, data_root = tmp_path / "results", tmp_path / "data"
    _stored_subset_run(stored, data_root)
    train = T.Task("conv4 IMP-Bound", RunParams(model="conv4", iterations=2543, precision="bf16", bound=True))
    star = T.Task("conv4 IMP*", after=(train.key,), derive=("star", "magnitude", {}))
    lenet = T.Task("lenet", RunParams(model="lenet_300_100"))
    with pytest.raises(ValueError, match=r"5,085 images .* holds 10,000"):
        R.check_subset_data([train], stored, data_root)
    with pytest.raises(ValueError, match=r"5,085 .* 10,000"):  # a derived run: its donor's model
        R.check_subset_data([T.Task("conv4 IMP-Bound", train.params, stored=True), star], stored, data_root)
    R.check_subset_data(
        [lenet, T.Task("conv4", train.params, stored=True)], stored, data_root
    )  # nothing of conv4 to train
    R.check_subset_data([train], tmp_path / "nothing stored", data_root)
    R.check_subset_data([train], stored, tmp_path / "no images")  # the run itself says so


def test_dry_run_says_when_reproduce_would_refuse_the_data(tmp_path, monkeypatch):
    data_root = tmp_path / "data"
    _stored_subset_run(tmp_path / "book" / "results", data_root)
    monkeypatch.setenv("RAMANUJAN_LTH_DATA", str(data_root))
    monkeypatch.setattr(E, "_SPEED", {("lenet_300_100", "cpu", "fp32"): 0.001, ("conv4", "cpu", "bf16"): 0.1})
    out = io.StringIO()
    R.dry_run(["03_regimes"], "subset", tmp_path, device="cpu", out=out)
    refusals = [line for line in out.getvalue().splitlines() if line.startswith("reproduce would refuse")]
    assert len(refusals) == 1 and "5,085" in refusals[0] and "10,000" in refusals[0]
    out = io.StringIO()
    R.dry_run(["03_regimes"], "paper", tmp_path, device="cpu", out=out)  # no subset runs to train
    assert "would refuse" not in out.getvalue()


def test_reproduce_stores_each_run_as_it_finishes(toy_book, mnist, monkeypatch):
    """A batch of many hours keeps each finished run in book/results at once,
    not only when the last run is done."""
    from ramanujan_lth.batch.executor import Outcome

    p = RunParams(rounds=1, model="lenet_300_100", iterations=30, n_train=2000, n_test=500, noise_sigmas=())
    monkeypatch.setattr(R.T, "tasks", lambda name, profile, stored_root: [T.Task("tiny", p)])
    monkeypatch.setattr(plans, "is_paper_scale", lambda *a: True)
    stored_then = []

    def execute(tasks, runs_dir, stored_root, on_done=None, **kw):
        done = run(p, runs_dir=runs_dir, data=mnist, progress=False)
        lines = on_done(Outcome("tiny", "done", str(done.folder)))
        stored_then.append((stored_root / done.folder.name / "records.json").exists())
        assert lines == [f"    stored book/results/{done.folder.name}"]
        return [Outcome("tiny", "done", str(done.folder))]

    monkeypatch.setattr(R, "execute_tasks", execute)
    assert R.reproduce("paper", ["1"], root=toy_book, progress=False, stdout=io.StringIO(), runs_only=True) == 0
    assert stored_then == [True]


def _order_tasks():
    tiny = dict(model="lenet_300_100", iterations=100, n_train=600, n_test=300, noise_sigmas=())
    short, long_ = RunParams(rounds=1, **tiny), RunParams(rounds=5, seed=1, **tiny)
    tail = RunParams(rounds=9, seed=2, **tiny)
    s, lg = T.Task("short", short), T.Task("long", long_)
    t = T.Task("tail", tail, after=(s.key,))
    c = T.Task("control", derive=("control", 0.5, "random"), after=(lg.key,), estimate=7)
    return s, lg, t, c


def test_the_batch_starts_the_longest_chain_of_training_first(tmp_path, monkeypatch):
    """2 trainings, 6, and 10 after the 2: the 2 heads the longest chain (12),
    then the 10 it frees; a derived run (7 trainings) counts for the run it
    waits on (6 + 7 = 13, ahead of all)."""
    monkeypatch.setattr(E, "_SPEED", {("lenet_300_100", "cpu", "fp32"): 0.001})
    s, lg, t, c = _order_tasks()
    order = lambda tasks: [x.label for x in R.start_order(tasks, tmp_path / "results", tmp_path / "runs", "cpu")]  # noqa: E731
    assert order([s, lg]) == ["long", "short"]
    assert order([s, lg, t]) == ["short", "tail", "long"]
    assert order([s, lg, t, c]) == ["long", "short", "tail", "control"]
    assert R.wall_clock([2 + 10, 6], 2) == 12  # what the dry run assumes for the three


def test_the_batch_can_start_the_shortest_run_first(tmp_path, monkeypatch):
    """Shortest first: the 2 (then the 10 it frees waits behind the 6 and the
    derived run's 7): each run is stored as early as it can be."""
    monkeypatch.setattr(E, "_SPEED", {("lenet_300_100", "cpu", "fp32"): 0.001})
    s, lg, t, c = _order_tasks()
    order = lambda tasks: [  # noqa: E731
        x.label for x in R.start_order(tasks, tmp_path / "results", tmp_path / "runs", "cpu", first="shortest")
    ]
    assert order([lg, s]) == ["short", "long"]
    assert order([s, lg, t, c]) == ["short", "long", "control", "tail"]
    assert R.wall_clock([2, 3, 5, 2, 3], 2, first="shortest") == 10  # 2+3+5 | 2+3, against 8 longest first
    with pytest.raises(ValueError, match="first must be one of longest, shortest"):
        R.start_order([s], tmp_path / "results", tmp_path / "runs", "cpu", first="soonest")


def test_reproduce_hands_the_executor_the_longest_chain_first(toy_book, monkeypatch):
    monkeypatch.setattr(E, "_SPEED", {("lenet_300_100", "cpu", "fp32"): 0.001})
    s, lg, t, _ = _order_tasks()
    monkeypatch.setattr(R.T, "tasks", lambda name, profile, stored_root: [s, lg, t])
    seen = []
    monkeypatch.setattr(R, "execute_tasks", lambda tasks, *a, **kw: seen.extend(x.label for x in tasks) or [])
    assert (
        R.reproduce("quick", ["1"], root=toy_book, device="cpu", progress=False, stdout=io.StringIO(), runs_only=True)
        == 0
    )
    assert seen == ["short", "tail", "long"]
