"""`python -m ramanujan_lth status`: where each run folder stands."""

import json
import os
import socket

import pytest
from ramanujan_lth.__main__ import main
from ramanujan_lth.storage.runs import RunParams
from ramanujan_lth.storage.status import describe_params, run_status


def fake_run(root, name, params, n_records, planned, complete=False, seconds=(), lock_pid=None):
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "params.json").write_text(json.dumps({"params": params.resolved().as_dict(), "rounds": planned}))
    records = [{"round": t, "density": 0.8**t, "accuracy": 0.9 - 0.01 * t} for t in range(n_records)]
    (folder / "records.json").write_text(json.dumps({"complete": complete, "records": records}))
    (folder / "timings.json").write_text(json.dumps({"seconds_per_round": list(seconds)}))
    if lock_pid is not None:
        (folder / "running.lock").write_text(json.dumps({"pid": lock_pid, "host": socket.gethostname(), "since": "x"}))
    return folder


def test_runs_are_named_by_what_they_do():
    d = RunParams().resolved().as_dict()
    assert describe_params(dict(d, score="magnitude", alpha=2.0)) == "IMP α=2"
    assert describe_params(dict(d, score="snip", bound=True, rounds=60)) == "SNIP-Bound (≤60 rounds)"
    assert describe_params(dict(d, score="synflow", density=0.012021, p_out=0.2)) == "SynFlow to 1.2 %, p_out=0.2"
    assert describe_params(dict(d, score="magnitude", rounds=5, schedule="global")) == "IMP (5 rounds), global"


def test_state_progress_and_time_left(tmp_path):
    fake_run(tmp_path, "done", RunParams(alpha=2.0), 22, 21, complete=True, seconds=[100.0] * 22)
    # 7 of 22 rounds recorded, recent rounds at 100-300 s: median of the last five is 200 s, 15 rounds left
    fake_run(
        tmp_path,
        "live",
        RunParams(alpha=2.0, score="synflow"),
        7,
        21,
        seconds=[900, 100, 200, 300, 200, 100, 300],
        lock_pid=os.getpid(),
    )
    fake_run(
        tmp_path, "dead", RunParams(score="snip", bound=True, rounds=60), 15, 60, seconds=[60.0], lock_pid=2**22 + 12345
    )  # no such process
    fake_run(tmp_path, "fresh", RunParams(rounds=3), 0, 3)
    table = run_status(tmp_path).set_index("run")
    assert list(table.index[:1]) == ["live"] and table.index[-1] == "done"  # running first, finished last
    assert table.loc["done", "state"] == "finished" and table.loc["done", "rounds done"] == "22/22"
    assert table.loc["done", "time left"] == "" and table.loc["done", "density"] == pytest.approx(0.8**21)
    live = table.loc["live"]
    assert live["state"].startswith(f"running (pid {os.getpid()}") and live["rounds done"] == "7/22"
    assert live["time left"] == "50 min" and live["what"] == "SynFlow α=2"
    dead = table.loc["dead"]  # a -Bound run may stop before its cap: an upper bound
    assert dead["state"].startswith("stopped") and dead["rounds done"] == "15/61" and dead["time left"] == "≤46 min"
    assert table.loc["fresh", "rounds done"] == "0/4" and table.loc["fresh", "time left"] == ""
    assert set(run_status(tmp_path, unfinished_only=True)["run"]) == {"live", "dead", "fresh"}


def test_the_command_prints_the_table(tmp_path, capsys):
    assert main(["status", "--runs-dir", str(tmp_path)]) == 0
    assert "no runs under" in capsys.readouterr().out
    fake_run(tmp_path, "done", RunParams(alpha=1.0), 12, 11, complete=True)
    assert main(["status", "--runs-dir", str(tmp_path), "--unfinished"]) == 0
    assert "no unfinished runs" in capsys.readouterr().out
    assert main(["status", "--runs-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "IMP α=1" in out and "12/12" in out and "finished" in out
    # parked runs not under the runs dir are listed after them
    kept = tmp_path.parent / f"{tmp_path.name}-parked"
    fake_run(kept, "elsewhere", RunParams(alpha=2.0, score="snip"), 9, 21)
    fake_run(kept, "done", RunParams(alpha=1.0), 5, 11)  # under the runs dir too: listed there only
    assert main(["status", "--runs-dir", str(tmp_path), "--parked", str(kept)]) == 0
    out = capsys.readouterr().out
    parked_part = out.split(f"parked under {kept}")[1]
    assert "elsewhere" in parked_part and "9/22" in parked_part and "parked (unpark to resume)" in parked_part
    assert "IMP α=1" not in parked_part and "SNIP α=2" in parked_part


def test_status_reads_run_folders_without_torch():
    import subprocess
    import sys

    code = "import sys, ramanujan_lth.storage.status, ramanujan_lth.storage.paths; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
