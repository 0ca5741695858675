"""Where each run ran (``provenance.json``): recorded per session, outside the run's identity, carried by export
and parking, and "not recorded" for runs from before the file."""

import json
import platform
import shutil

import pytest
import torch
from ramanujan_lth import parked, paths, provenance
from ramanujan_lth.storage.export import export_run
from ramanujan_lth.storage.runs import RunParams, run, run_dir
from ramanujan_lth.storage.status import run_status

TINY = dict(model="lenet_300_100", iterations=10, n_train=600, n_test=500, noise_sigmas=())
#: the folder names these runs had before provenance existed: recording it must not rename a run
FOLDERS = {
    "fp32": "lenet_300_100-mnist-magnitude-layerwise-s0-94a74a13a81f",
    "bf16": "lenet_300_100-mnist-magnitude-layerwise-s0-ee65c61ca2cc",
}
ENVIRONMENT_KEYS = {"torch", "python", "cpu_capability", "native_bf16", "threads", "device", "sessions"}


@pytest.fixture
def threads():
    """Restores torch's thread count after a test that changes it."""
    before = torch.get_num_threads()
    yield before
    torch.set_num_threads(before)


def sessions(folder):
    rec = provenance.of(folder)
    assert isinstance(rec, dict), rec
    return rec["sessions"]


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_a_run_records_where_it_ran_beside_parameters_that_do_not_change(mnist, tmp_path, precision):
    p = RunParams(rounds=1, precision=precision, **TINY)
    res = run(p, runs_dir=tmp_path, data=mnist, progress=False)
    assert res.folder.name == FOLDERS[precision] == run_dir(p, (600, 500), tmp_path).name
    meta = json.loads((res.folder / paths.PARAMS).read_text())
    assert set(meta) == {"params", "data", "rounds"} and meta["params"] == p.resolved().as_dict()
    assert not ENVIRONMENT_KEYS & set(meta["params"]) and not ENVIRONMENT_KEYS & set(meta["data"])
    (s,) = sessions(res.folder)
    assert s["round"] == 0 and s["precision"] == precision and s["threads"] == torch.get_num_threads()
    assert s["torch"] == torch.__version__ and s["python"] == platform.python_version() and s["device"] == "cpu"
    assert s["cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    assert s["native_bf16"] == bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    # loading the finished run records no session
    run(p, runs_dir=tmp_path, data=mnist, progress=False)
    assert len(sessions(res.folder)) == 1


def test_a_resume_under_another_thread_count_says_so_in_one_line(mnist, tmp_path, capsys, threads):
    p = RunParams(rounds=2, **TINY)
    part = run(p, runs_dir=tmp_path, data=mnist, progress=False, stop_after=1)
    run(p, runs_dir=tmp_path, data=mnist, progress=False, stop_after=1)  # the same threads: nothing said
    assert capsys.readouterr().err.strip() == ""
    torch.set_num_threads(threads + 1)
    done = run(p, runs_dir=tmp_path, data=mnist, progress=False)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert done.complete and len(lines) == 1, lines
    assert f"threads {threads + 1}" in lines[0] and f"threads {threads}" in lines[0]
    assert part.folder.name in lines[0] and "will not equal an uninterrupted run's" in lines[0]
    got = sessions(done.folder)
    assert [s["round"] for s in got] == [0, 1, 2]
    assert [s["threads"] for s in got] == [threads, threads, threads + 1]
    assert provenance.describe(provenance.of(done.folder)).count("→") == 1


def test_runs_without_the_file_are_not_recorded(tmp_path):
    folder = tmp_path / "older-run"
    folder.mkdir()
    (folder / paths.PARAMS).write_text(json.dumps({"params": RunParams(rounds=1).resolved().as_dict(), "rounds": 1}))
    (folder / paths.RECORDS).write_text(json.dumps({"complete": True, "records": []}))
    assert provenance.of(folder) is provenance.NOT_RECORDED
    assert provenance.describe(provenance.of(folder)) == "not recorded"
    assert run_status(tmp_path).loc[0, "provenance"] == "not recorded"
    (folder / paths.PROVENANCE).write_text("{torn")  # a damaged file reads as none
    assert provenance.of(folder) is provenance.NOT_RECORDED


def test_export_parking_and_status_carry_it_and_summary_counts_it(mnist, tmp_path):
    p = RunParams(rounds=2, **TINY)
    part = run(p, runs_dir=tmp_path / "runs", data=mnist, progress=False, stop_after=1)
    dest = parked.park(part.folder, tmp_path / "parked")
    assert (dest / paths.PROVENANCE).read_bytes() == (part.folder / paths.PROVENANCE).read_bytes()
    shutil.rmtree(tmp_path / "runs")  # another machine: the parked history comes back and the resume adds to it
    parked.unpark(dest, tmp_path / "runs")
    done = run(p, runs_dir=tmp_path / "runs", data=mnist, progress=False)
    assert [s["round"] for s in sessions(done.folder)] == [0, 1]
    here = provenance.describe(provenance.of(done.folder))
    assert here.endswith(f"torch {torch.__version__}") and "→" not in here
    assert run_status(tmp_path / "runs").loc[0, "provenance"] == here
    stored = export_run(done, tmp_path / "results")
    assert (stored / paths.PROVENANCE).read_bytes() == (done.folder / paths.PROVENANCE).read_bytes()
    # a run that forks from it starts its history with the rounds it took, naming their run
    fork = run(RunParams(rounds=1, **TINY), runs_dir=tmp_path / "runs", data=mnist, progress=False)
    got = sessions(fork.folder)
    assert [(s["round"], s.get("run")) for s in got] == [(0, done.folder.name), (1, None)]
    # the summary: one row per provenance, and the runs stored without one
    older = tmp_path / "results" / "older-run"
    older.mkdir()
    shutil.copyfile(stored / paths.PARAMS, older / paths.PARAMS)
    table = provenance.summary(tmp_path / "results")
    assert list(table.columns) == ["torch", "cpu_capability", "threads", "device", "precision", "runs"]
    assert table.to_dict("records") == [
        {
            "torch": torch.__version__,
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "threads": str(torch.get_num_threads()),
            "device": "cpu",
            "precision": "fp32",
            "runs": 1,
        },
        dict(dict.fromkeys(provenance.ARITHMETIC, "not recorded"), runs=1),
    ]
