"""Data loading and the training loop on the real (offline) MNIST / CIFAR-10 subsets."""
import os
from pathlib import Path

import pytest
import torch

from ramanujan_lth import data as D
from ramanujan_lth import prune as P
from ramanujan_lth.models import build_model
from ramanujan_lth.train import evaluate, train


def test_mnist_subset_loads_and_says_so(mnist, capsys):
    assert mnist.sizes == (17_435, 10_000)
    assert mnist.subset and "17,435 of 60,000" in mnist.note
    assert mnist.x_train.shape[1:] == (1, 28, 28)
    assert 0.0 <= mnist.x_train.min() and mnist.x_train.max() <= 1.0
    D.load_dataset("mnist", device="cpu", n_train=101)
    assert "SUBSET" in capsys.readouterr().out
    D.load_dataset("mnist", device="cpu", n_train=101)  # said once per process, not once per run
    assert capsys.readouterr().out == ""
    D.load_dataset("mnist", device="cpu", n_train=102)  # another subset is said again
    assert "102 of 60,000" in capsys.readouterr().out


def test_cifar_subset_loads_despite_checksums(cifar):
    assert cifar.sizes == (5_085, 1_017)
    assert cifar.x_train.shape[1:] == (3, 32, 32)
    assert set(cifar.y_train.unique().tolist()) == set(range(10))


def test_missing_dataset_names_path_and_variable(tmp_path):
    with pytest.raises(D.DatasetNotFound) as e:
        D.load_dataset("cifar10", root=tmp_path)
    assert str(tmp_path) in str(e.value) and "RAMANUJAN_LTH_DATA" in str(e.value)
    with pytest.raises(ValueError, match="unknown dataset"):
        D.load_dataset("imagenet")


def test_data_root_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("RAMANUJAN_LTH_DATA", str(tmp_path))
    assert D.data_root() == tmp_path
    assert D.data_root("/x") == Path("/x")  # an argument wins over the variable


def test_batches_are_reproducible_and_normalised(mnist):
    a = [b for _, b in zip(range(3), mnist.batches(60, seed=5))]
    b = [b for _, b in zip(range(3), mnist.batches(60, seed=5))]
    for (xa, ya), (xb, yb) in zip(a, b):
        assert torch.equal(xa, xb) and torch.equal(ya, yb)
    x, _ = a[0]
    assert x.shape == (60, 1, 28, 28) and x.min() < 0  # normalised


def test_noisy_test_set_is_seeded(mnist):
    model = build_model("lenet_300_100", seed=0)
    train(model, mnist, 200, 1.2e-3, progress=False)
    clean = evaluate(model, mnist)
    n1 = evaluate(model, mnist, sigma=1.0, seed=3)
    assert n1 == evaluate(model, mnist, sigma=1.0, seed=3)
    assert n1 < clean - 0.05  # heavy noise hurts
    g = torch.Generator().manual_seed(0)
    x = torch.zeros(20000)
    noise = D.noisy(x, 0.3, g)
    assert abs(noise.mean()) < 0.01 and abs(noise.std() - 0.3) < 0.01


def test_same_seed_gives_bit_identical_training(mnist):
    models = []
    for _ in range(2):
        m = build_model("lenet_300_100", seed=1)
        train(m, mnist, 30, 1.2e-3, seed=4, progress=False)
        models.append(m)
    for p, q in zip(models[0].parameters(), models[1].parameters()):
        assert torch.equal(p, q)


def test_masked_weights_stay_exactly_zero(mnist):
    model = build_model("lenet_300_100", seed=0)
    g = torch.Generator().manual_seed(0)
    masks = {n: (torch.rand(m.shape, generator=g) < 0.3).float() for n, m in P.ones_masks(model).items()}
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    train(model, mnist, 50, 1.2e-3, masks=masks, progress=False)
    for name, mask in masks.items():
        w = getattr(model, name).weight
        assert (w[mask == 0] == 0).all()
        assert not torch.equal(w[mask == 1], before[f"{name}.weight"][mask == 1])


def test_rewind_state_is_the_weights_at_that_iteration(mnist):
    model = build_model("lenet_300_100", seed=0)
    res = train(model, mnist, 20, 1.2e-3, rewind_iteration=10, progress=False)
    again = build_model("lenet_300_100", seed=0)
    train(again, mnist, 10, 1.2e-3, progress=False)
    for k, v in again.state_dict().items():
        assert torch.equal(res.rewind_state[k], v)


def test_lenet_learns_mnist_subset(mnist):
    model = build_model("lenet_300_100", seed=0)
    res = train(model, mnist, 3000, 1.2e-3, eval_every=1000, progress=False)
    assert res.history[-1]["accuracy"] > 0.95, res.history


def test_conv_models_run_a_step(cifar):
    for name in ("conv2", "vgg19"):
        model = build_model(name, seed=0)
        res = train(model, cifar, 2, 3e-4, batch_size=8, eval_every=2, progress=False)
        assert 0 <= res.history[-1]["accuracy"] <= 1


def test_bad_training_parameters(mnist):
    model = build_model("lenet_300_100", seed=0)
    with pytest.raises(ValueError, match="iterations"):
        train(model, mnist, 0, 1e-3)
    with pytest.raises(ValueError, match="lr"):
        train(model, mnist, 1, -1.0)
    with pytest.raises(ValueError, match="unknown layer"):
        train(model, mnist, 1, 1e-3, masks={"conv9": torch.ones(1)})
