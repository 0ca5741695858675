"""Algorithm 1 on constructed layers whose answer is known."""

import math

import numpy as np
import pytest
import torch
from ramanujan_lth.networks.bound_pruner import bound_prune, bound_prune_layer


def top_two(weight):
    """t1 and t2 (the largest singular value strictly below t1) of a Linear weight's graph, by numpy."""
    s = np.linalg.svd(np.asarray(weight, dtype=np.float64).T, compute_uv=False)
    return s[0], s[s < s[0] * (1 - 1e-9)][0]


def two_blocks(big_score=1.0, small_score=1.0, seed=0):
    """A complete 40 x 20 layer (Linear weight (20, 40)) whose lowest scores are
    the 380 edges between two unequal blocks (25 x 12 and 15 x 8)."""
    g = torch.Generator().manual_seed(seed)
    S = torch.zeros(40, 20, dtype=torch.float64)
    S[:25, :12] = big_score * (1 + 0.01 * torch.rand(25, 12, generator=g, dtype=torch.float64))
    S[25:, 12:] = small_score * (1 + 0.01 * torch.rand(15, 8, generator=g, dtype=torch.float64))
    cross = S == 0
    S[cross] = 1e-3 * (1 + torch.rand(int(cross.sum()), generator=g, dtype=torch.float64))
    return torch.ones(20, 40), S.T.contiguous()


def test_accepted_at_k0_on_a_dense_random_layer():
    g = torch.Generator().manual_seed(1)
    mask, score = torch.ones(60, 120), torch.rand(60, 120, generator=g)
    new, d = bound_prune_layer("fc", mask, score, p=0.2, K=4)
    assert d.changed and d.accepted_k == 0 and len(d.candidates) == 1
    assert d.candidates[0].decision == "accept" and "unweighted" in d.reason
    assert int(new.sum()) == round(0.8 * 7200)
    kept_min = score[new == 1].min()
    assert kept_min >= score[new == 0].max()  # lowest scores went


def test_accepted_only_after_halving():
    mask, score = two_blocks()
    new, d = bound_prune_layer("fc", mask, score, p=0.5, K=3)
    c0, c1 = d.candidates
    # k = 0 prunes 400: every cross edge, leaving two unequal blocks -> both bounds fail
    assert c0.n_pruned == 400 and c0.delta_s < 0 and c0.delta_r < 0
    assert c0.decision == "reject" and c0.score_delta_s < 0  # uniform scores do not rescue it
    # k = 1 prunes 200 cross edges only: still connected, bounds hold
    assert c1.k == 1 and c1.fraction == 0.25 and c1.decision == "accept"
    assert d.accepted_k == 1 and int(new.sum()) == 600
    assert (new.T[:25, :12] == 1).all() and (new.T[25:, 12:] == 1).all()


def test_accepted_through_the_score_weighted_bound_only():
    mask, score = two_blocks(big_score=100.0, small_score=0.01)
    new, d = bound_prune_layer("fc", mask, score, p=0.5, K=3)
    (c0,) = d.candidates
    assert c0.delta_s < 0 and c0.delta_r < 0  # the unweighted graph fails
    assert c0.score_t1 >= 1 and c0.score_delta_s >= 0
    assert c0.decision == "accept" and "score-weighted" in d.reason and d.accepted_k == 0
    # the weighted check is the score-weighted graph of the candidate, by numpy: B = (|score| * mask)^T
    t1, t2 = top_two(np.abs(score.numpy()) * new.numpy())
    assert c0.score_t1 == pytest.approx(t1, rel=1e-9) and c0.score_t2 == pytest.approx(t2, rel=1e-6)
    assert c0.score_delta_s == pytest.approx((2 * math.sqrt(t1 - 1) - t2) / t2, rel=1e-6)
    assert t1 == pytest.approx(100 * math.sqrt(25 * 12), rel=0.01)  # the big block, scores about 100


def test_layer_never_accepted_stays_untouched():
    mask, score = two_blocks()
    new, d = bound_prune_layer("fc", mask, score, p=0.5, K=1)
    assert not d.changed and d.accepted_k is None and torch.equal(new, mask)
    assert [c.decision for c in d.candidates] == ["reject"]  # K = 1: one try, rejected, nothing halved


def test_collapse_guard_fires_on_average_degree():
    # a 40-cycle as a bipartite layer: every degree 2; any pruning drops the average below 2
    mask = (torch.eye(20) + torch.roll(torch.eye(20), 1, dims=1)).T.contiguous()
    score = torch.rand(20, 20, generator=torch.Generator().manual_seed(0)) + 1
    new, d = bound_prune_layer("fc", mask, score, p=0.2, K=5)
    assert not d.changed and torch.equal(new, mask)
    assert len(d.candidates) == 1 and d.candidates[0].decision == "guard"  # no halving after the guard
    assert min(d.candidates[0].d_avg_left, d.candidates[0].d_avg_right) < 2


def test_minimum_degree_guard_is_stricter():
    # dense layer plus one output joined to just two inputs: pruning one of them
    # leaves a degree-1 vertex while the average degrees stay high
    mask = torch.ones(11, 30)
    mask[10] = 0
    mask[10, :2] = 1
    score = torch.rand(11, 30, generator=torch.Generator().manual_seed(0)) + 1
    score[10, 0] = 0.001  # the lowest score
    _, avg = bound_prune_layer("fc", mask, score, p=0.01, K=1, guard="average")
    _, mini = bound_prune_layer("fc", mask, score, p=0.01, K=1, guard="minimum")
    assert avg.candidates[0].decision != "guard"
    assert mini.candidates[0].decision == "guard" and mini.candidates[0].min_degree == 1


def test_rounds_stop_when_no_layer_changes():
    g = torch.Generator().manual_seed(0)
    masks = {"a": torch.ones(30, 60), "b": torch.ones(10, 30)}
    scores = {n: torch.rand(m.shape, generator=g) for n, m in masks.items()}
    rates = {"a": 0.2, "b": 0.1}
    history = []
    for _ in range(200):
        new, decisions = bound_prune(masks, scores, rates, K=4)
        history.append([d.changed for d in decisions])
        for n in masks:
            assert (new[n] <= masks[n]).all()  # nested
        if not any(d.changed for d in decisions):
            break
        masks = new
    assert not any(history[-1]) and len(history) < 200
    assert any(history[0])
    # random scores keep both layers random-like graphs, inside the bounds, so k = 0 is accepted round after
    # round until the collapse guard stops each layer: one candidate at k = 0 whose smaller average degree
    # is below 2, though its own Δ would have accepted it; the mask it stops at still has both averages >= 2
    for d in decisions:
        assert not d.changed and d.accepted_k is None
        assert torch.equal(new[d.layer], masks[d.layer])
        (c,) = d.candidates
        assert c.k == 0 and c.decision == "guard" and c.reason == d.reason
        remaining = int(masks[d.layer].sum())
        assert c.n_pruned == round(rates[d.layer] * remaining) and c.remaining == remaining - c.n_pruned
        assert min(c.d_avg_left, c.d_avg_right) < 2 and max(c.delta_s, c.delta_r) > 0
        B = masks[d.layer].T.numpy()
        held = (remaining / (B.sum(axis=1) > 0).sum(), remaining / (B.sum(axis=0) > 0).sum())
        assert min(held) >= 2
    assert {n: int(m.sum()) for n, m in masks.items()} == {"a": 99, "b": 45}


def test_bad_arguments():
    with pytest.raises(ValueError, match="p must be"):
        bound_prune_layer("x", torch.ones(2, 2), torch.ones(2, 2), p=1.5)
    with pytest.raises(ValueError, match="K must be"):
        bound_prune_layer("x", torch.ones(2, 2), torch.ones(2, 2), p=0.5, K=0)
    with pytest.raises(ValueError, match="guard"):
        bound_prune_layer("x", torch.ones(2, 2), torch.ones(2, 2), p=0.5, guard="max")


# ------------------------------------------------------------------ single criteria (ICLR appendix A.1)
def degree_but_not_eigenvalue():
    """A 4 x 27 layer (Linear weight (27, 4)) whose top half by score is K_{2,17} beside
    K_{2,10}: t1 = sqrt(34), t2 = sqrt(20) = 4.472 lies between the eigenvalue bound
    2 sqrt(t1 - 1) = 4.396 and the degree bound sqrt(13.5 - 1) + sqrt(2 - 1) = 4.536."""
    B = torch.ones(4, 27)
    B[:2, :17] = 2
    B[2:, 17:] = 2
    return torch.ones(27, 4), B.T.contiguous()


def test_degree_bound_accepts_what_the_eigenvalue_bound_rejects():
    mask, score = degree_but_not_eigenvalue()
    new, d = bound_prune_layer("fc", mask, score, p=0.5, K=1, criteria=("UD",))
    (c,) = d.candidates
    assert c.n_pruned == 54 and c.t2 == pytest.approx(math.sqrt(20)) and c.t1 == pytest.approx(math.sqrt(34))
    assert c.criteria["UD"] > 0 and d.changed and c.accepted_by == "UD" and int(new.sum()) == 54
    _, d = bound_prune_layer("fc", mask, score, p=0.5, K=1, criteria=("UE",))
    (c,) = d.candidates
    assert c.criteria["UE"] < 0 and not d.changed and c.decision == "reject"
    _, d = bound_prune_layer("fc", mask, score, p=0.5, K=1)  # Algorithm 1's own rule: either bound
    assert d.changed and d.candidates[0].accepted_by == "unweighted"


def one_heavy_weight(heavy=30.0):
    """two_blocks' layer with tiny trained weights but one heavy one inside the big block."""
    mask, score = two_blocks()
    W = torch.full((20, 40), 1e-3)
    W[0, 0] = heavy
    return mask, score, W


def test_weighted_eigenvalue_bound_alone_accepts_and_the_weighted_degree_guard_rejects():
    mask, score, W = one_heavy_weight()
    new, d = bound_prune_layer("fc", mask, score, p=0.5, K=1, criteria=("UE", "UD", "WE", "WD"), weight=W)
    (c,) = d.candidates
    assert c.criteria["UE"] < 0 and c.criteria["UD"] < 0  # two unequal blocks
    assert c.criteria["WE"] > 0 and c.accepted_by == "WE" and d.changed
    # |W| * M by numpy: t1 = 30 (about), t2 of the order of the tiny weights
    A = np.abs(W.double().numpy()) * new.numpy()
    t1, t2 = top_two(A)
    assert t1 == pytest.approx(30.0, rel=1e-3) and t2 < 0.05
    assert c.criteria["WE"] == pytest.approx((2 * math.sqrt(t1 - 1) - t2) / t2, rel=1e-6)
    # WD: average weighted degree (30 + ...) / 40 < 1 -> the guard refuses it, whatever its Δ
    _, d = bound_prune_layer("fc", mask, score, p=0.5, K=1, criteria=("WD",), weight=W)
    assert math.isnan(d.candidates[0].criteria["WD"]) and not d.changed
    assert A.sum() / (A.T.sum(axis=1) > 0).sum() < 1  # per left vertex (layer input)
    # with heavier weights the average degrees pass 1 and WD decides by its Δ
    _, d = bound_prune_layer("fc", mask, score, p=0.5, K=1, criteria=("WD",), weight=W * 100)
    assert not math.isnan(d.candidates[0].criteria["WD"])


def test_criteria_are_checked():
    mask, score, W = one_heavy_weight()
    with pytest.raises(ValueError, match="trained weight"):
        bound_prune_layer("fc", mask, score, p=0.5, criteria=("WE",))
    with pytest.raises(ValueError, match="criteria"):
        bound_prune_layer("fc", mask, score, p=0.5, criteria=("XX",), weight=W)
    with pytest.raises(ValueError, match="criteria"):
        bound_prune_layer("fc", mask, score, p=0.5, criteria=("UE", "UE"), weight=W)
