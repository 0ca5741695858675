"""Run parameters and reading stored results need no torch; the catalogue of
names agrees with what the library implements."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ramanujan_lth import catalog, params

ROOT = Path(__file__).resolve().parents[1]
STORED = ROOT / "book" / "results"

READ_STORED = f"""
import json, sys
from ramanujan_lth import answer, report
stored = {str(STORED)!r}
t3 = report.table3_rows("lenet_300_100", stored)
loss = report.loss_rows("lenet_300_100", stored)
verdicts = answer.verdict_table(stored)
print(json.dumps({{"table3": len(t3), "loss": len(loss), "verdicts": len(verdicts), "torch": "torch" in sys.modules}}))
"""


def test_reading_stored_results_imports_no_torch():
    out = subprocess.run([sys.executable, "-c", READ_STORED], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["torch"] is False
    # the three tables are built from the stored runs, not empty
    assert got["table3"] >= 15 and got["loss"] >= 3 and got["verdicts"] == 21  # 5 claims x 2 models x 2 kinds + 1


def test_the_graph_mathematics_imports_no_torch():
    # spectra and later measures of matrices; the layers of a network (which need torch) load on first use
    code = (
        "import sys, json, ramanujan_lth, ramanujan_lth.maths.spectral,"
        " ramanujan_lth.maths.metrics, ramanujan_lth.maths.graphs;"
        "print(json.dumps('torch' in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) is False


@pytest.mark.parametrize("command", [["status", "--runs-dir", "{tmp}"], ["run", "--help"], ["export", "--help"]])
def test_commands_that_read_start_without_torch(tmp_path, command):
    argv = [c.replace("{tmp}", str(tmp_path)) for c in command]
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ramanujan_lth", *argv], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")}
    assert "ramanujan_lth.storage.params" in imported  # the report of imports is there
    assert "torch" not in imported


def test_catalogue_names_what_the_library_implements():
    from ramanujan_lth import models, oneshot, prune

    assert set(models.MODELS) == set(catalog.MODEL_DATASET) == set(catalog.DEFAULTS)
    assert set(prune.SCORES) | set(oneshot.METHODS) == set(catalog.PRUNING_SCORES)
    assert set(catalog.ONESHOT_ONLY) == set(oneshot.METHODS) - set(prune.SCORES)
    assert set(catalog.MODEL_DATASET.values()) <= set(catalog.DATASETS)


@pytest.mark.parametrize("name", ["mnist", "cifar10"])
def test_train_images_counted_without_torch_match_the_loaded_data(name, request):
    data = request.getfixturevalue("mnist" if name == "mnist" else "cifar")
    assert catalog.count_train_images(name) == data.sizes[0]


def test_counting_images_says_what_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError):
        catalog.count_train_images("mnist", tmp_path)
    with pytest.raises(ValueError, match="unknown dataset"):
        catalog.count_train_images("imagenet", tmp_path)
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "train-labels-idx1-ubyte").write_bytes((2049).to_bytes(4, "big") + (1234).to_bytes(4, "big") + b"\0" * 1234)
    assert catalog.count_train_images("mnist", tmp_path) == 1234
    (raw / "train-labels-idx1-ubyte").write_bytes(b"\0" * 16)
    with pytest.raises(ValueError, match="not an MNIST label file"):
        catalog.count_train_images("mnist", tmp_path)


def test_from_dict_inverts_as_dict_for_every_kind_of_run():
    kinds = [
        params.RunParams(),
        params.RunParams(model="conv4", alpha=2.0, precision="bf16", noise_sigmas=(0.3,)),
        params.RunParams(bound=True, rounds=60, bound_criteria=("UE", "WD")),
        params.RunParams(control="random", control_ticket="t", control_round=3, control_edges=(("fc1", 10),), rounds=0),
    ]
    for p in kinds:
        back = params.RunParams.from_dict(json.loads(json.dumps(p.as_dict())))
        assert back == p and params.identity(back) == params.identity(p)
