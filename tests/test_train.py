"""Data loading and the training loop on the real (offline) MNIST / CIFAR-10 subsets."""

import dataclasses
import math
from pathlib import Path

import pytest
import torch
from ramanujan_lth import data as D
from ramanujan_lth import prune as P
from ramanujan_lth.networks.models import build_model
from ramanujan_lth.networks.train import evaluate, train


def test_mnist_subset_loads_and_says_so(mnist, capsys):
    # the offline subset (17,435 training images) or the full MNIST (60,000); always the 10,000 test images
    n_train = mnist.sizes[0]
    assert n_train in (17_435, 60_000) and mnist.sizes[1] == 10_000
    assert mnist.subset == (n_train < 60_000)
    assert (f"{n_train:,} of 60,000" in mnist.note) if mnist.subset else mnist.note == ""
    assert mnist.x_train.shape[1:] == (1, 28, 28)
    assert 0.0 <= mnist.x_train.min() and mnist.x_train.max() <= 1.0
    D.load_dataset("mnist", device="cpu", n_train=101)
    assert "SUBSET" in capsys.readouterr().out
    D.load_dataset("mnist", device="cpu", n_train=101)  # said once per process, not once per run
    assert capsys.readouterr().out == ""
    D.load_dataset("mnist", device="cpu", n_train=102)  # another subset is said again
    assert "102 of 60,000" in capsys.readouterr().out


def test_cifar_subset_loads_despite_checksums(cifar):
    assert cifar.sizes in ((5_085, 1_017), (50_000, 10_000))  # the offline subset or the full set
    assert cifar.subset == (cifar.sizes[0] < 50_000)
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
    assert evaluate(model, mnist, sigma=1.0, seed=4) != n1  # another seed, another noisy test set
    g = torch.Generator().manual_seed(0)
    x = torch.zeros(20000)
    noise = D.noisy(x, 0.3, g)
    assert abs(noise.mean()) < 0.01 and abs(noise.std() - 0.3) < 0.01
    # recomputed by hand on 1,000 test images (one batch): the N(0, 0.3^2) noise goes on the [0, 1] pixels,
    # then the MNIST normalisation; the same noise on the normalised inputs is 1 / 0.3081 times weaker
    small = dataclasses.replace(mnist, x_test=mnist.x_test[:1000], y_test=mnist.y_test[:1000])
    noise = torch.randn(small.x_test.shape, generator=torch.Generator().manual_seed(7)) * 0.3
    with torch.no_grad():

        def accuracy(x):
            return int((model(x).argmax(1) == small.y_test).sum()) / 1000

        before = accuracy((small.x_test + noise - 0.1307) / 0.3081)
        after = accuracy((small.x_test - 0.1307) / 0.3081 + noise)
    assert before != after  # the check below can tell the two orders apart
    assert evaluate(model, small, sigma=0.3, seed=7) == before


def test_noise_goes_on_the_pixels_before_normalisation(mnist):
    """evaluate feeds the model normalize(x + noise), x in [0, 1]: the exact inputs are checked."""

    class Recorder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inputs = []

        def forward(self, x):
            self.inputs.append(x.clone())
            return torch.zeros(len(x), 10)

    small = dataclasses.replace(mnist, x_test=mnist.x_test[:300], y_test=mnist.y_test[:300])
    rec = Recorder()
    evaluate(rec, small, sigma=0.2, seed=5)
    (x,) = rec.inputs
    noise = torch.randn(300, 1, 28, 28, generator=torch.Generator().manual_seed(5)) * 0.2
    torch.testing.assert_close(x, (small.x_test + noise - 0.1307) / 0.3081, rtol=0, atol=1e-6)
    assert (x - (small.x_test - 0.1307) / 0.3081 - noise).abs().max() > 0.5  # not noise after normalising
    assert evaluate(rec, small) == int((small.y_test == 0).sum()) / 300  # all-zero logits answer class 0
    torch.testing.assert_close(rec.inputs[-1], (small.x_test - 0.1307) / 0.3081, rtol=0, atol=1e-6)  # sigma 0: clean


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
    small = dataclasses.replace(cifar, x_test=cifar.x_test[:200], y_test=cifar.y_test[:200])
    mean = torch.tensor([0.4914, 0.4822, 0.4465]).view(1, 3, 1, 1)
    std = torch.tensor([0.2470, 0.2435, 0.2616]).view(1, 3, 1, 1)
    for name in ("conv2", "vgg19"):
        model = build_model(name, seed=0)
        before = [p.detach().clone() for p in model.parameters()]
        res = train(model, small, 2, 3e-4, batch_size=8, eval_every=2, progress=False)
        assert [h["iteration"] for h in res.history] == [2] and math.isfinite(res.history[-1]["loss"])
        assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))  # the steps moved weights
        # the recorded accuracy is that of the trained weights on the normalised test images, in eval mode
        model.eval()
        with torch.no_grad():
            correct = int((model((small.x_test - mean) / std).argmax(1) == small.y_test).sum())
        assert res.history[-1]["accuracy"] == correct / 200


def test_bad_training_parameters(mnist):
    model = build_model("lenet_300_100", seed=0)
    with pytest.raises(ValueError, match="iterations"):
        train(model, mnist, 0, 1e-3)
    with pytest.raises(ValueError, match="lr"):
        train(model, mnist, 1, -1.0)
    with pytest.raises(ValueError, match="unknown layer"):
        train(model, mnist, 1, 1e-3, masks={"conv9": torch.ones(1)})
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(ValueError, match="rewind iteration 6 is past the last iteration 5"):
        train(model, mnist, 5, 1e-3, rewind_iteration=6)
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())  # refused before any step
    with pytest.raises(ValueError, match="precision"):
        train(model, mnist, 1, 1e-3, precision="fp8")
