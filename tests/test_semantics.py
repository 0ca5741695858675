"""What the scores and the significance tests compute, checked against independent recomputations."""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from ramanujan_lth import prune as P
from ramanujan_lth import runs, stats
from ramanujan_lth.networks.models import build_model
from ramanujan_lth.storage.runs import RunParams, run


# ------------------------------------------------------------------ SNIP
def snip_by_hand(model, data, batch_size, seed):
    """|w * dL/dw| of LeNet's cross-entropy on the first batch of the shuffled training images (seeded
    permutation, MNIST normalisation), computed without the library."""
    n = len(data.y_train)
    idx = torch.randperm(n, generator=torch.Generator().manual_seed(seed))[: min(batch_size, n)]
    x, y = (data.x_train[idx] - 0.1307) / 0.3081, data.y_train[idx]
    weights = [model.fc1.weight, model.fc2.weight, model.fc3.weight]
    grads = torch.autograd.grad(F.cross_entropy(model(x), y), weights)
    return {name: (w * g).abs().detach() for name, w, g in zip(("fc1", "fc2", "fc3"), weights, grads)}


def test_snip_batch_is_drawn_from_the_normalised_training_data(mnist):
    """SNIP without a batch: |w * dL/dw| of the cross-entropy on the first shuffled batch of ``seed``."""
    data = dataclasses.replace(mnist, x_train=mnist.x_train[:500], y_train=mnist.y_train[:500])
    model = build_model("lenet_300_100", seed=0)
    got = P.snip(model, None, data, batch_size=64, seed=9)
    for name, want in snip_by_hand(model, data, 64, 9).items():
        torch.testing.assert_close(got[name], want, rtol=1e-5, atol=1e-9)
    assert all(p.grad is None for p in model.parameters())  # the model itself is left alone
    other = P.snip(model, None, data, batch_size=64, seed=10)  # another seed, another batch
    assert not torch.allclose(other["fc1"], got["fc1"])
    # a batch larger than the training set takes all of it
    whole = P.snip(model, None, data, batch_size=10_000, seed=9)
    torch.testing.assert_close(whole["fc3"], snip_by_hand(model, data, 500, 9)["fc3"], rtol=1e-4, atol=1e-9)


def test_snip_runs_score_the_trained_weights_of_every_round(mnist, tmp_path, monkeypatch):
    """Each round's SNIP scores come from the weights that round trained to (not the initial ones), on the
    run's training data, and the next round's mask keeps exactly their top share per layer."""
    calls = []
    real = P.SCORES["snip"]

    def spy(model, masks, data=None, **k):
        out = real(model, masks, data, **k)
        calls.append(
            {
                "state": {n: v.detach().clone() for n, v in model.state_dict().items()},
                "masks": {n: m.clone() for n, m in masks.items()},
                "n_train": len(data.y_train),
                "kwargs": k,
                "scores": out,
            }
        )
        return out

    monkeypatch.setitem(P.SCORES, "snip", spy)
    p = RunParams(
        score="snip",
        rounds=2,
        model="lenet_300_100",
        iterations=30,
        n_train=800,
        n_test=300,
        noise_sigmas=(),
        snip_batch=100,
    )
    res = run(p, runs_dir=tmp_path, data=mnist, progress=False)
    assert res.complete and len(calls) == 2  # rounds 0 and 1 prune; the last round only measures
    init = build_model("lenet_300_100", seed=0).state_dict()
    rates = {"fc1": 0.2, "fc2": 0.2, "fc3": 0.1}
    for t, call in enumerate(calls):
        assert call["n_train"] == 800 and call["kwargs"]["batch_size"] == 100
        trained = torch.load(res.folder / "rounds" / f"{t}.trained.pt", weights_only=True)
        for name, v in call["state"].items():
            assert torch.equal(v, trained[name]), name
        for name, mask in call["masks"].items():
            assert not torch.equal(call["state"][f"{name}.weight"], init[f"{name}.weight"] * mask)
        # the scores are SNIP's of those trained weights, on a batch of the run's 800 training images
        model = build_model("lenet_300_100")
        model.load_state_dict(trained)
        data = dataclasses.replace(mnist, x_train=mnist.x_train[:800], y_train=mnist.y_train[:800])
        for name, want in snip_by_hand(model, data, 100, call["kwargs"]["seed"]).items():
            torch.testing.assert_close(call["scores"][name], want * call["masks"][name], rtol=1e-5, atol=1e-9)
        nxt = runs.read_masks(res.folder / "rounds" / f"{t + 1}.pt")
        for name, mask in call["masks"].items():
            keep = round((1 - rates[name]) ** (t + 1) * mask.numel())
            assert torch.equal(nxt[name], P.keep_top(call["scores"][name], mask, keep).bool()), (t, name)
    # the two rounds' scores differ: they were computed again, on other weights and another batch
    assert not torch.equal(calls[0]["scores"]["fc3"] * calls[1]["masks"]["fc3"], calls[1]["scores"]["fc3"])


# ------------------------------------------------------------------ SynFlow
W1 = torch.tensor([[1.0, -2.0, 0.5], [-3.0, -1.0, -1.0]], dtype=torch.float64)  # hidden 1: all weights negative
B1 = torch.tensor([-1.0, 2.0], dtype=torch.float64)
W2 = torch.tensor([[2.0, -1.0], [-0.5, 4.0]], dtype=torch.float64)
B2 = torch.tensor([-3.0, 0.25], dtype=torch.float64)


def tiny_with_biases(signs=1.0):
    net = nn.Sequential()
    net.add_module("fc1", nn.Linear(3, 2))
    net.add_module("relu", nn.ReLU())
    net.add_module("fc2", nn.Linear(2, 2))
    with torch.no_grad():
        for layer, w, b in ((net.fc1, W1, B1), (net.fc2, W2, B2)):
            layer.weight.copy_(signs * w)
            layer.bias.copy_(signs * b)
    net.input_shape = (3,)
    return net


def test_synflow_by_hand_with_biases_and_a_dead_unit():
    """R = 1^T (|W2| (|W1| 1 + |b1|) + |b2|) on an all-ones input: dR/dW1[i, j] = sum_k |W2[k, i]| and
    dR/dW2[k, i] = sum_j |W1[i, j]| + |b1[i]|; hidden unit 1 (all weights negative) would be dead
    without the absolute values."""
    s = P.synflow(tiny_with_biases())
    col = W2.abs().sum(dim=0)  # [2.5, 5]
    h = W1.abs().sum(dim=1) + B1.abs()  # [4.5, 7]
    torch.testing.assert_close(s["fc1"].double(), W1.abs() * col[:, None])
    torch.testing.assert_close(s["fc2"].double(), W2.abs() * h[None, :])
    assert s["fc2"][1, 1] == pytest.approx(4.0 * 7.0) and s["fc1"][1, 0] == pytest.approx(3.0 * 5.0)


def test_synflow_is_the_same_for_any_signs():
    """SynFlow replaces every parameter by its absolute value: a network and its sign-flipped or absolute
    copy score alike."""
    torch.testing.assert_close(P.synflow(tiny_with_biases(-1.0)), P.synflow(tiny_with_biases()))
    model = build_model("lenet_300_100", seed=3)
    for p in model.parameters():  # biases of mixed signs too
        nn.init.normal_(p, generator=torch.Generator().manual_seed(p.numel()))
    absolute = build_model("lenet_300_100", seed=3)
    absolute.load_state_dict({k: v.abs() for k, v in model.state_dict().items()})
    assert (model.fc1.weight < 0).any() and (model.fc2.bias < 0).any()
    a, b = P.synflow(model), P.synflow(absolute)
    for name in ("fc1", "fc2", "fc3"):
        torch.testing.assert_close(a[name], b[name], rtol=1e-6, atol=0)
    assert (model.fc1.weight < 0).any()  # the model itself is left alone


# ------------------------------------------------------------------ t-test with a NaN
def test_a_nan_in_one_seed_gives_nan_and_no_rejection():
    """one_sided_t needs every value finite: one NaN makes the mean, t and p NaN and H0 is kept, even
    where the other seeds alone reject it (read as: an undefined Δ in one run blocks the test)."""
    x = [-0.3, -0.1, -0.25, -0.2, -0.15]
    assert stats.one_sided_t(x, 0.0, "less")["rejected"]
    r = stats.one_sided_t(x[:4] + [math.nan], 0.0, "less")
    assert r["n"] == 5 and not r["rejected"]
    assert all(math.isnan(r[k]) for k in ("mean", "t", "p", "lower", "upper"))
    rows = []
    for seed in range(5):
        for rnd, dens in enumerate([1.0, 0.5]):
            for layer in ("a", "b"):
                v = x[seed] if rnd == 1 else math.inf
                if layer == "b" and rnd == 1 and seed == 2:
                    v = math.nan  # Δ undefined in one run of b
                rows.append(
                    {
                        "seed": seed,
                        "round": rnd,
                        "graph": "unweighted",
                        "layer": layer,
                        "overall_density": dens,
                        "density": dens,
                        "max_delta": v,
                    }
                )
    tests = stats.delta_tests(pd.DataFrame(rows), ["a", "b"]).set_index(["layer", "round"])
    assert tests.loc[("a", 1), "rejected"] and tests.loc[("a", 1), "p"] < 0.05
    assert not tests.loc[("b", 1), "rejected"] and math.isnan(tests.loc[("b", 1), "p"])
    loss = stats.loss_points(tests.reset_index()).set_index("layer")
    assert loss.loc["a", "round"] == 1 and pd.isna(loss.loc["b", "round"])  # b is never found to lose the property
    assert np.isnan(loss.loc["b", "sample mean"]) and loss.loc["b", "runs"] == 5
