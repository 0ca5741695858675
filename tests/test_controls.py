"""Controls at matched density: exact degree counts, orientation, and the control runs."""

import json

import numpy as np
import pytest
import torch
from ramanujan_lth import controls, plans
from ramanujan_lth.maths.spectral import biadjacency
from ramanujan_lth.networks.models import build_model
from ramanujan_lth.storage.runs import RunParams, identity, load_run, run

SIZES = [(784, 300, 2352), (784, 300, 120_000), (300, 100, 30_000 - 7), (100, 10, 890), (576, 128, 5), (7, 5, 35)]


@pytest.mark.parametrize("n_left,n_right,n_edges", SIZES)
def test_biregular_degrees_and_edge_count(n_left, n_right, n_edges):
    B = controls.biregular_biadjacency(n_left, n_right, n_edges, np.random.default_rng(1))
    assert B.shape == (n_left, n_right) and B.dtype == bool
    assert int(B.sum()) == n_edges  # a repeated edge would be lost in the 0/1 matrix
    for deg, n in ((B.sum(axis=1), n_left), (B.sum(axis=0), n_right)):
        assert set(np.unique(deg)) <= {n_edges // n, -(-n_edges // n)}
        assert deg.max() - deg.min() <= 1


def test_biregular_switches_do_not_repeat_edges():
    left, right = [0, 0, 1, 1], [0, 1, 0, 1]  # K_{2,2}: every switch would repeat an edge
    controls._switch(left, right, 2, 100, np.random.default_rng(0))
    assert sorted(zip(left, right)) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    left, right = [0, 1, 2], [0, 1, 2]  # a perfect matching stays one under switches
    controls._switch(left, right, 3, 100, np.random.default_rng(0))
    assert sorted(left) == [0, 1, 2] and sorted(right) == [0, 1, 2]


def test_seeds_give_different_graphs_and_the_same_seed_the_same():
    a, b, c = (controls.biregular_biadjacency(300, 100, 3000, np.random.default_rng(s)) for s in (1, 2, 1))
    assert not np.array_equal(a, b) and np.array_equal(a, c)
    r1, r2 = (controls.random_biadjacency(300, 100, 3000, np.random.default_rng(s)) for s in (1, 2))
    assert r1.sum() == r2.sum() == 3000 and not np.array_equal(r1, r2)


def test_random_graph_has_uneven_degrees():
    R = controls.random_biadjacency(784, 300, 2352, np.random.default_rng(0))
    assert R.sum() == 2352 and R.sum(axis=1).max() - R.sum(axis=1).min() > 1


def test_masks_have_the_weight_shape_and_the_biadjacency_orientation():
    shapes = {"conv2": (64, 64, 3, 3), "fc3": (10, 256)}
    edges = {"conv2": 64 * 64 * 9 // 10, "fc3": 777}
    m = controls.control_masks("biregular", shapes, edges, seed=3, round_=4)
    for name, shape in shapes.items():
        assert m[name].shape == shape and int(m[name].sum()) == edges[name]
        B = biadjacency(m[name])
        left, right = B.sum(axis=1), B.sum(axis=0)  # left: (channel, row, column) of a kernel; right: output channels
        assert B.shape == (int(np.prod(shape[1:])), shape[0])
        assert left.max() - left.min() <= 1 and right.max() - right.min() <= 1
    with pytest.raises(ValueError, match="unknown control"):
        controls.control_masks("ramanujan", shapes, edges, 0, 0)
    with pytest.raises(ValueError, match="no edge count"):
        controls.control_masks("random", shapes, {"fc3": 3}, 0, 0)


QUICK = dict(model="lenet_300_100", iterations=30, n_train=600, n_test=300, noise_sigmas=(0.2,))


@pytest.fixture(scope="module")
def ticket(mnist, tmp_path_factory):
    return run(RunParams(rounds=3, **QUICK), runs_dir=tmp_path_factory.mktemp("t"), data=mnist, progress=False)


@pytest.mark.parametrize("kind", controls.CONTROLS)
def test_control_run_trains_the_ticket_counts_from_its_initialisation(ticket, mnist, tmp_path, kind, monkeypatch):
    p = controls.control_params(ticket, 2, kind)
    assert (p.control, p.control_round, p.control_ticket) == (kind, 2, ticket.folder.name)
    assert dict(p.control_edges) == ticket.records[2]["remaining"]
    seen = {}
    from ramanujan_lth import runs as runs_lib

    real_train = runs_lib.train

    def spy(model, data, iterations, lr, batch_size, masks, seed, **kw):
        seen["seed"], seen["iterations"], seen["lr"] = seed, iterations, lr
        seen["start"] = {n: w.detach().clone() for n, w in model.state_dict().items()}
        seen["masks"] = {n: m.clone() for n, m in masks.items()}
        return real_train(model, data, iterations, lr, batch_size, masks=masks, seed=seed, **kw)

    monkeypatch.setattr(runs_lib, "train", spy)
    res = run(p, runs_dir=tmp_path, data=mnist, progress=False)
    assert res.complete and len(res.records) == 1 and kind in res.folder.name
    assert res.records[0]["remaining"] == ticket.records[2]["remaining"]
    assert seen["seed"] == ticket.params.seed * 10_007 + 2  # the ticket round's batch order
    assert (seen["iterations"], seen["lr"]) == (ticket.params.resolved().iterations, ticket.params.resolved().lr)
    init = build_model("lenet_300_100", seed=ticket.params.seed).state_dict()
    for n, w in seen["start"].items():
        mask = seen["masks"].get(n.removesuffix(".weight")) if n.endswith(".weight") else None
        assert torch.equal(w, init[n] * mask if mask is not None else init[n])
    ticket_mask = torch.load(ticket.folder / "rounds" / "2.pt", weights_only=False)
    fc1 = np.unpackbits(ticket_mask["fc1"][1], count=300 * 784).reshape(300, 784)
    assert not np.array_equal(fc1, seen["masks"]["fc1"].numpy().astype(np.uint8))  # not the ticket's own mask
    stored = json.loads((res.folder / "params.json").read_text())["params"]
    assert RunParams.from_dict(stored) == p.resolved()
    assert load_run(res.folder).params == p.resolved()


def test_control_params_validate_and_default_runs_keep_their_names(ticket):
    p = controls.control_params(ticket, 1, "random")
    with pytest.raises(ValueError, match="control"):
        RunParams(**{**p.as_dict(), "noise_sigmas": (0.2,), "control_edges": None}).validate()
    with pytest.raises(ValueError, match="fixed mask"):
        RunParams.from_dict({**p.as_dict(), "alpha": 2.0}).validate()
    with pytest.raises(ValueError, match="no round"):
        controls.control_params(ticket, 9, "random")
    assert not {"control", "control_edges", "control_round", "control_ticket"} & set(identity(ticket.params))


def test_control_plan_picks_the_rounds_nearest_each_density(ticket):
    densities = [r["density"] for r in ticket.records]  # 1, .8, .64, .51 (rounded)
    plan = plans.control_plan([ticket], densities=(0.63, 0.52, 0.5), kinds=("random",))
    assert [p.control_round for p in plan] == [2, 3]  # 0.52 and 0.5 both nearest round 3: one control
    assert controls.rounds_nearest(ticket, [densities[1] * 1.01]) == [1]
