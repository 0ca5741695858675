"""Pruning once at initialisation: GraSP, ERK, uniform random, SNIP and SynFlow one-shot."""

import json
import math

import pytest
import torch
from ramanujan_lth import oneshot
from ramanujan_lth import prune as P
from ramanujan_lth.networks.models import build_model
from ramanujan_lth.storage.params import RunParams
from ramanujan_lth.storage.runs import prepare_data, run
from torch import nn

LENET = {"fc1": (300, 784), "fc2": (100, 300), "fc3": (10, 100)}


def test_erk_densities_by_hand():
    # raw (n_in + n_out) / (n_in n_out): fc1 1084/235200, fc2 400/30000, fc3 110/1000; at 10 % of 266,200
    # weights eps = 26,620 / 1,594 would give fc3 1.84 > 1: it stays dense, eps = (26,620 - 1,000) / 1,484
    d = oneshot.erk_densities(LENET, 0.1)
    eps = 25_620 / 1_484
    assert d["fc3"] == 1.0
    assert d["fc1"] == pytest.approx(eps * 1084 / 235_200, rel=1e-12)
    assert d["fc2"] == pytest.approx(eps * 400 / 30_000, rel=1e-12)
    # a convolution counts its kernel dimensions too: (c_out + c_in + kh + kw) / (c_out c_in kh kw)
    d = oneshot.erk_densities({"conv": (8, 4, 3, 3), "fc": (10, 200)}, 0.05)
    eps = 0.05 * (288 + 2000) / (18 + 210)
    assert d["conv"] == pytest.approx(eps * 18 / 288) and d["fc"] == pytest.approx(eps * 210 / 2000)


def test_erk_at_full_density_is_dense_everywhere():
    assert oneshot.erk_densities(LENET, 1.0) == {"fc1": 1.0, "fc2": 1.0, "fc3": 1.0}
    with pytest.raises(ValueError, match="density must be in"):
        oneshot.erk_densities(LENET, 0.0)


def test_exact_counts_add_up_to_the_target():
    sizes = {"a": 10, "b": 7, "c": 3}
    counts = oneshot.exact_counts(sizes, {"a": 0.55, "b": 0.55, "c": 0.55}, 11)
    assert sum(counts.values()) == 11 and all(0 <= counts[n] <= sizes[n] for n in sizes)
    assert counts == {"a": 5, "b": 4, "c": 2}  # floors 5, 3, 1 and the two largest remainders (b .85, c .65)
    with pytest.raises(ValueError, match="cannot keep exactly 8"):  # the floors alone keep 9
        oneshot.exact_counts(sizes, {"a": 0.55, "b": 0.55, "c": 0.55}, 8)
    with pytest.raises(ValueError, match="cannot keep exactly 21"):  # more than the 20 weights there are
        oneshot.exact_counts(sizes, {"a": 1.0, "b": 1.0, "c": 1.0}, 21)


@pytest.mark.parametrize("method", oneshot.METHODS)
@pytest.mark.parametrize("density", [0.0358, 0.01])
def test_every_method_hits_its_target_density_exactly(mnist, method, density):
    model = build_model("lenet_300_100", seed=0)
    masks = oneshot.oneshot_masks(model, method, density, mnist, seed=0)
    total = sum(m.numel() for m in masks.values())
    assert sum(int(m.sum()) for m in masks.values()) == round(density * total)
    assert set(masks) == {"fc1", "fc2", "fc3"} and all(m.shape == torch.Size(LENET[n]) for n, m in masks.items())
    again = oneshot.oneshot_masks(build_model("lenet_300_100", seed=0), method, density, mnist, seed=0)
    assert all(torch.equal(masks[n], again[n]) for n in masks)  # a restarted run builds the same mask


def test_uniform_keeps_every_layer_at_the_target_and_erk_follows_its_densities(mnist):
    model = build_model("lenet_300_100", seed=0)
    uni = oneshot.oneshot_masks(model, "uniform", 0.1, mnist, seed=3)
    for n, m in uni.items():
        assert abs(float(m.mean()) - 0.1) <= 1 / m.numel()
    erk = oneshot.oneshot_masks(model, "erk", 0.1, mnist, seed=3)
    want = oneshot.erk_densities(LENET, 0.1)
    for n, m in erk.items():
        assert abs(float(m.mean()) - want[n]) <= 1 / m.numel()
    other = oneshot.oneshot_masks(model, "erk", 0.1, mnist, seed=4)
    assert not torch.equal(erk["fc1"], other["fc1"])  # placement follows the seed


def _tiny():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 3, bias=False), nn.Tanh(), nn.Linear(3, 2, bias=False))
    x, y = torch.randn(6, 4), torch.tensor([0, 1, 1, 0, 1, 0])
    return net, (x, y)


def test_grasp_score_is_w_times_the_hessian_gradient_product():
    net, (x, y) = _tiny()
    T = 2.0
    w1, w2 = net[0].weight.detach(), net[2].weight.detach()
    theta = torch.cat([w1.flatten(), w2.flatten()]).double()

    def loss(v):
        a, b = v[:12].reshape(3, 4), v[12:].reshape(2, 3)
        return nn.functional.cross_entropy(torch.tanh(x.double() @ a.T) @ b.T / T, y)

    v = theta.clone().requires_grad_()
    g = torch.autograd.grad(loss(v), v)[0]
    H = torch.autograd.functional.hessian(loss, theta)
    expected = theta * (H @ g)
    got = oneshot.grasp_scores(net, None, (x, y), temperature=T)
    flat = torch.cat([got["0"].flatten(), got["2"].flatten()]).double()
    assert torch.allclose(flat, expected, rtol=1e-4, atol=1e-7)


def test_grasp_scores_at_its_papers_temperature_by_default():
    """The one-shot path calls ``grasp_scores`` without a temperature: the
    default must be the paper's 200, and the scores' pattern depends on it."""
    net, (x, y) = _tiny()
    w1, w2 = net[0].weight.detach(), net[2].weight.detach()
    theta = torch.cat([w1.flatten(), w2.flatten()]).double()

    def expected(T):
        def loss(v):
            a, b = v[:12].reshape(3, 4), v[12:].reshape(2, 3)
            return nn.functional.cross_entropy(torch.tanh(x.double() @ a.T) @ b.T / T, y)

        v = theta.clone().requires_grad_()
        g = torch.autograd.grad(loss(v), v)[0]
        s = theta * (torch.autograd.functional.hessian(loss, theta) @ g)
        return s / s.abs().max()

    got = oneshot.grasp_scores(net, None, (x, y))
    flat = torch.cat([got["0"].flatten(), got["2"].flatten()]).double()
    flat = flat / flat.abs().max()
    assert torch.allclose(flat, expected(200.0), atol=1e-3)
    assert (expected(1.0) - expected(200.0)).abs().max() > 0.05  # at T = 1 the test would fail


def test_synflow_one_shot_follows_its_papers_schedule(monkeypatch):
    """100 rounds of scoring and global pruning, the density falling as
    ``density^(k/100)``, each round rescored on the masks so far."""
    model = build_model("lenet_300_100", seed=0)
    seen, scored = [], []
    prune_global, synflow = P.prune_global, P.synflow

    def spy_prune(masks, scores, density):
        seen.append(density)
        return prune_global(masks, scores, density)

    def spy_score(model, masks):
        scored.append(sum(int(m.sum()) for m in masks.values()))
        return synflow(model, masks)

    monkeypatch.setattr(oneshot.P, "prune_global", spy_prune)
    monkeypatch.setattr(oneshot.P, "synflow", spy_score)
    masks = oneshot.oneshot_masks(model, "synflow", 0.01, None, seed=0)
    assert seen == pytest.approx([0.01 ** (k / 100) for k in range(1, 101)])
    assert scored[0] == 266_200 and scored[1] == round(0.01 ** (1 / 100) * 266_200)  # rescored after each round
    assert sum(int(m.sum()) for m in masks.values()) == 2_662


def test_grasp_removes_the_largest_minus_w_hg_as_its_paper_does(mnist):
    model = build_model("lenet_300_100", seed=1)
    batch = oneshot.grasp_batch(mnist, seed=1)
    scores = oneshot.grasp_scores(model, None, batch)
    masks = oneshot.oneshot_masks(model, "grasp", 0.2, mnist, seed=1)
    flat_s = torch.cat([scores[n].flatten() for n in masks]).double()
    flat_m = torch.cat([masks[n].flatten() for n in masks])
    paper = -flat_s  # Wang et al.'s S(-w) = -w * Hg: the largest are removed
    removed = flat_m == 0
    assert paper[removed].min() >= paper[~removed].max()
    assert int(flat_m.sum()) == round(0.2 * flat_m.numel())
    assert math.isclose(float(batch[1].bincount().float().std()), 0.0)  # 10 examples of every class


def test_one_shot_parameters_are_checked_and_existing_names_unchanged():
    with pytest.raises(ValueError, match="use schedule 'oneshot'"):
        RunParams(score="grasp", density=0.1).validate()
    with pytest.raises(ValueError, match="give density"):
        RunParams(score="erk", schedule="oneshot").validate()
    with pytest.raises(ValueError, match="not magnitude"):
        RunParams(schedule="oneshot", density=0.1).validate()
    # the new schedule and scores leave every stored run's folder name as it was
    from pathlib import Path

    from ramanujan_lth.storage.params import run_dir

    stored = sorted((Path(__file__).resolve().parents[1] / "book" / "results").glob("*/params.json"))[:40]
    assert stored
    for meta in stored:
        d = json.loads(meta.read_text())
        sizes = (d["data"]["n_train"], d["data"]["n_test"])
        assert run_dir(RunParams.from_dict(d["params"]), sizes, "x").name == meta.parent.name


def test_a_one_shot_run_trains_its_mask_once(mnist, tmp_path):
    p = RunParams(score="grasp", schedule="oneshot", density=0.0358, iterations=20, n_train=600, n_test=500)
    res = run(p, runs_dir=tmp_path, data=mnist, progress=False)
    assert res.complete and len(res.records) == 1 and res.folder.name.startswith("lenet_300_100-mnist-grasp-oneshot-s0")
    total = 266_200
    assert round(res.records[0]["density"] * total) == round(0.0358 * total)  # 9,530 weights
    masks = P.ones_masks(build_model("lenet_300_100"))
    data = prepare_data(p.resolved(), mnist)  # the run's 600 training images: GraSP's batch comes from them
    want = oneshot.oneshot_masks(build_model("lenet_300_100", seed=0), "grasp", 0.0358, data, seed=0)
    assert res.records[0]["layers"] == pytest.approx({n: float(want[n].mean()) for n in masks})
    again = run(p, runs_dir=tmp_path, data=mnist, progress=False)  # loaded, not retrained
    assert json.dumps(again.records, sort_keys=True) == json.dumps(res.records, sort_keys=True)
