"""bfloat16 training: identity of stored runs, determinism, resume, what stays float32."""

import json
from pathlib import Path

import pytest
import torch
from ramanujan_lth import plans
from ramanujan_lth.networks.models import build_model
from ramanujan_lth.networks.train import train
from ramanujan_lth.storage.runs import RunParams, identity, run, run_dir

ROOT = Path(__file__).resolve().parents[1]
CONV = dict(model="conv4", iterations=4, n_train=300, n_test=200, noise_sigmas=(0.2,), precision="bf16")


def records_text(result):
    return json.dumps(result.records, sort_keys=True)


def test_default_precision_keeps_every_stored_run_identity():
    stored = sorted((ROOT / "book" / "results").glob("*/params.json"))
    assert stored, "the book stores full runs"
    assert any(json.loads(m.read_text())["params"].get("precision", "fp32") == "fp32" for m in stored)
    for meta in stored:
        m = json.loads(meta.read_text())
        p = RunParams.from_dict(m["params"])
        # the default leaves the identity as it was; bf16 (the subset profile's Conv4 runs) is named
        assert ("precision" in identity(p)) == (p.precision != "fp32")
        assert run_dir(p, (m["data"]["n_train"], m["data"]["n_test"]), "x").name == meta.parent.name


def test_bf16_is_part_of_a_run_name():
    p = RunParams(**CONV)
    assert identity(p)["precision"] == "bf16"
    assert run_dir(p, (300, 200), "x") != run_dir(RunParams(**{**CONV, "precision": "fp32"}), (300, 200), "x")
    with pytest.raises(ValueError, match="precision"):
        RunParams(**{**CONV, "precision": "fp16"}).validate()


def test_bf16_run_is_deterministic_and_resumes_bit_identically(cifar, tmp_path):
    p = RunParams(rounds=2, **CONV)
    a = run(p, runs_dir=tmp_path / "a", data=cifar, progress=False)
    b = run(p, runs_dir=tmp_path / "b", data=cifar, progress=False)
    assert records_text(a) == records_text(b)
    part = run(p, runs_dir=tmp_path / "c", data=cifar, progress=False, stop_after=1)
    assert len(part.records) == 1
    resumed = run(p, runs_dir=tmp_path / "c", data=cifar, progress=False)
    assert records_text(resumed) == records_text(a)


def test_bf16_trains_float32_weights_in_the_usual_layout_and_differs_from_fp32(cifar):
    w0 = build_model("conv4", seed=0).conv2.weight.detach().clone()
    models = {}
    for precision in ("fp32", "bf16"):
        m = build_model("conv4", seed=0)
        train(m, cifar, 3, 3e-4, seed=1, progress=False, precision=precision)
        models[precision] = m
    w = models["bf16"].conv2.weight
    assert w.dtype == torch.float32 and w.is_contiguous()
    assert not torch.equal(w, models["fp32"].conv2.weight)  # the products really ran in bfloat16
    # but the three steps moved the weights the same way: compare the updates, not the weights
    # (a 1e-2 tolerance on weights would pass even if the updates had nothing in common)
    u16, u32 = (w - w0).detach().flatten(), (models["fp32"].conv2.weight - w0).detach().flatten()
    assert u32.norm() > 0
    assert torch.nn.functional.cosine_similarity(u16, u32, dim=0) > 0.95
    assert abs(u16.norm() / u32.norm() - 1) < 0.05


def test_bf16_keeps_pruned_weights_at_zero(cifar):
    m = build_model("conv4", seed=0)
    mask = (torch.rand_like(m.conv2.weight) > 0.5).float()
    train(m, cifar, 3, 3e-4, seed=1, masks={"conv2": mask}, progress=False, precision="bf16")
    assert torch.all(m.conv2.weight[mask == 0] == 0)


def test_subset_profile_scales_iterations_to_the_images_present():
    assert plans.subset_iterations("conv4", 5085) == 2543  # 25,000 x 5,085 / 50,000 = 2,542.5
    assert plans.subset_iterations("conv4", 50_000) == 25_000
    p = plans.lth_params("conv4", "subset", [0], n_train=5085)[0]
    assert (p.iterations, p.precision, p.alpha) == (2543, "bf16", 2.0)
    # MNIST networks: the subset profile is the paper profile
    assert plans.lth_params("lenet_300_100", "subset", [3]) == plans.lth_params("lenet_300_100", "paper", [3])
