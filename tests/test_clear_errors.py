"""What a new user gets wrong gets one line naming the problem and the fix, and a non-zero exit;
a damaged run folder is rebuilt from its snapshots where it can be."""

import json
import subprocess
import sys

import pytest
import torch
from ramanujan_lth import status
from ramanujan_lth.storage.runs import RunParams, run

TINY = ["--model", "lenet_300_100", "--iterations", "5", "--n-train", "300", "--rounds", "1", "--quiet"]


def cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "ramanujan_lth", *args], capture_output=True, text=True, timeout=300, cwd=cwd
    )


def one_line_error(res, *fragments):
    assert res.returncode != 0
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    for f in fragments:
        assert f in lines[0], lines[0]


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu(tmp_path):
    one_line_error(cli("run", *TINY, "--device", "cuda", "--runs-dir", str(tmp_path)), "no CUDA GPU", "cpu")


def test_unknown_device(tmp_path):
    one_line_error(cli("run", *TINY, "--device", "tpu", "--runs-dir", str(tmp_path)), "unknown device 'tpu'")


def test_a_model_on_the_wrong_dataset(tmp_path):
    one_line_error(
        cli("run", "--model", "conv4", "--dataset", "mnist", "--runs-dir", str(tmp_path)),
        "conv4 takes (3, 32, 32) images",
        "mnist has (1, 28, 28)",
        "cifar10",
    )


def test_noise_must_be_a_finite_number(tmp_path):
    one_line_error(cli("run", *TINY, "--noise", "nan", "--runs-dir", str(tmp_path)), "finite")


P = RunParams(rounds=3, iterations=20, n_train=600, n_test=300, noise_sigmas=(0.2,))


def records_text(result):
    return json.dumps(result.records, sort_keys=True)


def test_a_truncated_records_file_is_rebuilt_from_the_checkpoint(mnist, tmp_path):
    whole = run(P, runs_dir=tmp_path / "a", data=mnist, progress=False)
    part = run(P, runs_dir=tmp_path / "b", data=mnist, progress=False, stop_after=2)
    records = part.folder / "records.json"
    records.write_text(records.read_text()[:100])  # cut off mid-way
    resumed = run(P, runs_dir=tmp_path / "b", data=mnist, progress=False)
    assert records_text(resumed) == records_text(whole)
    json.loads(records.read_text())  # readable again


def test_a_truncated_checkpoint_is_rebuilt_from_the_rounds_snapshots(mnist, tmp_path, monkeypatch):
    whole = run(P, runs_dir=tmp_path / "a", data=mnist, progress=False)
    part = run(P, runs_dir=tmp_path / "b", data=mnist, progress=False, stop_after=2)
    ckpt = part.folder / "checkpoint.pt"
    ckpt.write_bytes(ckpt.read_bytes()[:500])
    from ramanujan_lth import runs as runs_lib

    trained = []
    real = runs_lib.train
    monkeypatch.setattr(runs_lib, "train", lambda *a, **k: trained.append(k["seed"]) or real(*a, **k))
    resumed = run(P, runs_dir=tmp_path / "b", data=mnist, progress=False)
    assert trained == [2, 3]  # rounds 0 and 1 were not trained again: round 1 was rebuilt from its weights
    assert records_text(resumed) == records_text(whole)


def test_a_run_that_cannot_be_rebuilt_says_which_files_and_what_to_do(mnist, tmp_path):
    part = run(P, runs_dir=tmp_path, data=mnist, progress=False, stop_after=1)
    for name in ("checkpoint.pt", "records.json"):
        f = part.folder / name
        f.write_bytes(f.read_bytes()[:50])
    args = [
        "run",
        "--iterations",
        "20",
        "--n-train",
        "600",
        "--n-test",
        "300",
        "--noise",
        "0.2",
        "--rounds",
        "3",
        "--quiet",
        "--runs-dir",
        str(tmp_path),
    ]
    one_line_error(cli(*args), "damaged", f"delete {part.folder}")


def test_status_lists_a_foreign_folder_as_unreadable_and_goes_on(mnist, tmp_path):
    run(P, runs_dir=tmp_path, data=mnist, progress=False, stop_after=1)
    foreign = tmp_path / "not-ours"
    foreign.mkdir()
    (foreign / "params.json").write_text(json.dumps({"learning_rate": 0.1}))
    table = status.run_status(tmp_path)
    assert len(table) == 2
    row = table.set_index("run").loc["not-ours"]
    assert row["what"] == "unreadable params.json" and "skipped" in row["state"]
    res = cli("status", "--runs-dir", str(tmp_path))
    assert res.returncode == 0 and "not-ours" in res.stdout
