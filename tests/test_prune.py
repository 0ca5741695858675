"""Scores computed by hand on a tiny network, and the pruning schedules."""

import math

import numpy as np
import pytest
import torch
import torch.nn as nn
from ramanujan_lth import prune as P
from ramanujan_lth.networks.models import build_model, prunable_layers

W1 = np.array([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0]])  # (2 hidden, 3 inputs)
W2 = np.array([[2.0, -1.0], [0.5, 4.0]])  # (2 outputs, 2 hidden)


def tiny():
    net = nn.Sequential()
    net.add_module("fc1", nn.Linear(3, 2, bias=False))
    net.add_module("relu", nn.ReLU())
    net.add_module("fc2", nn.Linear(2, 2, bias=False))
    with torch.no_grad():
        net.fc1.weight.copy_(torch.tensor(W1))
        net.fc2.weight.copy_(torch.tensor(W2))
    net.input_shape = (3,)
    return net


def test_synflow_by_hand():
    # R = 1^T |W2| |W1| 1: dR/dW1[i,j] = sum_k |W2[k,i]|, dR/dW2[k,i] = sum_j |W1[i,j]|
    s = P.synflow(tiny())
    col = np.abs(W2).sum(axis=0)  # [2.5, 5]
    row = np.abs(W1).sum(axis=1)  # [3.5, 5]
    assert np.allclose(s["fc1"].numpy(), np.abs(W1) * col[:, None])
    assert np.allclose(s["fc2"].numpy(), np.abs(W2) * row[None, :])
    assert s["fc1"][1, 0] == pytest.approx(15.0)  # |3| * 5
    assert s["fc2"][1, 1] == pytest.approx(20.0)  # |4| * 5


def test_synflow_through_batch_norm_by_hand():
    # eval-mode batch norm on |parameters|: BN(h)_i = |γ_i| (h_i - μ_i) / sqrt(v_i + eps) + |β_i|, its running
    # statistics (buffers, not parameters) as they are; the model's own statistics and weights stay untouched
    net = tiny()
    bn = nn.BatchNorm1d(2)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([-2.0, 0.5]))
        bn.bias.copy_(torch.tensor([1.0, -1.0]))
        bn.running_var.copy_(torch.tensor([4.0, 1.0]))
        bn.running_mean.copy_(torch.tensor([0.5, 1.0]))
    net = nn.Sequential(net.fc1, bn, nn.ReLU(), net.fc2)
    net.input_shape = (3,)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    s = P.synflow(net)
    scale = np.array([2.0, 0.5]) / np.sqrt(np.array([4.0, 1.0]) + bn.eps)
    h = np.abs(W1).sum(axis=1)  # [3.5, 5]
    out = scale * (h - np.array([0.5, 1.0])) + 1.0  # both positive: the ReLU passes them
    col = np.abs(W2).sum(axis=0)
    assert np.allclose(s["0"].numpy(), np.abs(W1) * (col * scale)[:, None])
    assert np.allclose(s["3"].numpy(), np.abs(W2) * out[None, :])
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert net.training  # the score ran on a copy in eval mode


def test_synflow_respects_masks():
    masks = P.ones_masks(tiny())
    masks["fc1"][0, 1] = 0.0  # prune W1[0,1] = -2: hidden 0's row sum drops to 1.5
    s = P.synflow(tiny(), masks)
    assert s["fc1"][0, 1] == 0
    assert s["fc2"][0, 0] == pytest.approx(2.0 * 1.5)
    assert s["fc2"][1, 0] == pytest.approx(0.5 * 1.5)


def test_snip_by_hand():
    x = np.array([1.0, 0.5, -1.0])
    y = 0
    z1 = W1 @ x  # [-0.5, 4.5]
    h = np.maximum(z1, 0)
    z = W2 @ h
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    dz = p - np.eye(2)[y]
    g2 = np.outer(dz, h)
    dz1 = (W2.T @ dz) * (z1 > 0)
    g1 = np.outer(dz1, x)
    batch = (torch.tensor(x[None], dtype=torch.float32), torch.tensor([y]))
    s = P.snip(tiny(), batch=batch)
    assert np.allclose(s["fc1"].numpy(), np.abs(W1 * g1), atol=1e-6)
    assert np.allclose(s["fc2"].numpy(), np.abs(W2 * g2), atol=1e-6)
    assert s["fc1"][0].abs().sum() == 0  # hidden unit 0 is inactive: no sensitivity


def test_snip_takes_the_absolute_value_of_mixed_signs():
    x = np.array([2.0, -1.0, 1.0])  # both hidden units active: z1 = [4.5, 4.0]
    y = 1
    z1 = W1 @ x
    h = np.maximum(z1, 0)
    z = W2 @ h
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    dz = p - np.eye(2)[y]
    g1, g2 = np.outer((W2.T @ dz) * (z1 > 0), x), np.outer(dz, h)
    assert (W1 * g1).min() < 0 < (W1 * g1).max() and (W2 * g2).min() < 0 < (W2 * g2).max()
    s = P.snip(tiny(), batch=(torch.tensor(x[None], dtype=torch.float32), torch.tensor([y])))
    assert np.allclose(s["fc1"].numpy(), np.abs(W1 * g1), atol=1e-5)
    assert np.allclose(s["fc2"].numpy(), np.abs(W2 * g2), atol=1e-5)


def test_magnitude():
    masks = P.ones_masks(tiny())
    masks["fc2"][0, 0] = 0
    s = P.magnitude(tiny(), masks)
    assert np.allclose(s["fc1"].numpy(), np.abs(W1))
    assert s["fc2"][0, 0] == 0 and s["fc2"][1, 1] == 4


def test_keep_top_is_nested_and_exact():
    score = torch.tensor([5.0, 1.0, 9.0, 3.0, 7.0])
    mask = torch.tensor([1.0, 1.0, 0.0, 1.0, 1.0])  # weight 2 (score 9) already pruned
    new = P.keep_top(score, mask, 2)
    assert new.tolist() == [1.0, 0.0, 0.0, 0.0, 1.0]
    assert P.keep_top(score, mask, 10).tolist() == mask.tolist()  # cannot revive


@pytest.mark.parametrize("model_name", ["lenet_300_100", "conv2"])
def test_layerwise_density_after_k_rounds(model_name):
    model = build_model(model_name, seed=0)
    rates = P.layer_rates(model, p_fc=0.2, p_conv=0.1, p_out=0.1)
    masks = P.ones_masks(model)
    sizes = P.layer_sizes(masks)
    g = torch.Generator().manual_seed(0)
    for k in range(1, 8):
        scores = {n: torch.rand(m.shape, generator=g) for n, m in masks.items()}
        new = P.prune_layerwise(masks, scores, P.layerwise_targets(rates, k))
        for n in masks:
            assert (new[n] <= masks[n]).all()  # nested
            assert abs(new[n].sum().item() - sizes[n] * (1 - rates[n]) ** k) <= 1.0
        masks = new
    out = prunable_layers(model)[-1][0]
    assert rates[out] == 0.1
    if model_name == "conv2":
        assert rates["conv1"] == 0.1 and rates["fc1"] == 0.2


def test_global_pruning_keeps_globally_largest():
    masks = {"a": torch.ones(4), "b": torch.ones(3)}
    scores = {"a": torch.tensor([0.1, 0.9, 0.3, 0.8]), "b": torch.tensor([0.5, 0.05, 0.7])}
    new = P.prune_global(masks, scores, 3 / 7)
    assert new["a"].tolist() == [0, 1, 0, 1] and new["b"].tolist() == [0, 0, 1]
    # on a real model: one threshold separates kept from pruned across layers
    model = build_model("lenet_300_100", seed=0)
    m = P.ones_masks(model)
    s = P.magnitude(model, m)
    new = P.prune_global(m, s, 0.2)
    kept = torch.cat([s[n][new[n] == 1] for n in m])
    pruned = torch.cat([s[n][new[n] == 0] for n in m])
    assert kept.min() >= pruned.max()
    assert kept.numel() == round(0.2 * sum(P.layer_sizes(m).values()))


def test_rounds_for_density():
    model = build_model("conv4", seed=0)
    rates = P.layer_rates(model)
    sizes = P.layer_sizes(P.ones_masks(model))
    for alpha in (1.0, 1.5, 2.0):
        target = P.density_target(alpha)
        t = P.rounds_for_density(target, rates, sizes)
        d = P.layerwise_targets(rates, t)
        overall = sum(sizes[n] * d[n] for n in sizes) / sum(sizes.values())
        assert overall == pytest.approx(target, rel=1e-9)
    assert P.rounds_for_density(0.01, p_global=0.2) == pytest.approx(math.log(0.01) / math.log(0.8))
    assert P.density_target(1.5) == pytest.approx(0.0316227766)


@pytest.mark.parametrize(
    "call,msg",
    [
        (lambda m: P.layer_rates(m, p_fc=1.0), "p_fc must be in"),
        (lambda m: P.layer_rates(m, p_out=0.0), "p_out must be in"),
        (lambda m: P.density_target(-1), "alpha"),
        (lambda m: P.prune_global(P.ones_masks(m), P.magnitude(m), 1.5), "density"),
    ],
)
def test_bad_parameters(call, msg):
    with pytest.raises(ValueError, match=msg):
        call(build_model("lenet_300_100", seed=0))
