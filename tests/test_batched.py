"""Seeds trained together: the same training as one seed at a time."""

import dataclasses
import json

import pytest
import torch
from ramanujan_lth import prune as P
from ramanujan_lth import runs
from ramanujan_lth.networks.batched import supports_batching, train_seeds
from ramanujan_lth.networks.models import build_model
from ramanujan_lth.networks.train import train
from ramanujan_lth.storage.runs import RunParams, run, run_seeds


def _pruned_masks(model, rounds=2):
    masks = P.ones_masks(model)
    rates = P.layer_rates(model)
    return P.prune_layerwise(masks, P.magnitude(model, masks), P.layerwise_targets(rates, rounds))


@pytest.mark.parametrize("name", ["lenet_300_100", "conv2"])
def test_batched_training_equals_one_seed_at_a_time(name, mnist, cifar):
    # in float64, so that the comparison is not blurred by Adam magnifying
    # float32 rounding in near-zero gradients (g / (sqrt(v) + eps))
    data = mnist if name == "lenet_300_100" else cifar
    data = dataclasses.replace(
        data,
        x_train=data.x_train[:600].double(),
        y_train=data.y_train[:600],
        mean=data.mean.double(),
        std=data.std.double(),
    )
    seeds = [0, 1, 2] if name == "lenet_300_100" else [0, 1]
    its = 12 if name == "lenet_300_100" else 4
    together = [build_model(name, seed=s).double() for s in seeds]
    alone = [build_model(name, seed=s).double() for s in seeds]
    masks = [_pruned_masks(m) for m in together]
    res = train_seeds(
        together, data, its, 1e-3, [10 + s for s in seeds], masks=masks, rewind_iteration=its // 2, progress=False
    )
    for m, mk, s, r in zip(alone, masks, seeds, res):
        ref = train(m, data, its, 1e-3, masks=mk, seed=10 + s, rewind_iteration=its // 2, progress=False)
        for key, v in ref.rewind_state.items():
            torch.testing.assert_close(r.rewind_state[key], v, rtol=1e-9, atol=1e-11)
    for a, b, mk in zip(together, alone, masks):
        sa, sb = a.state_dict(), b.state_dict()
        for key in sb:
            torch.testing.assert_close(sa[key], sb[key], rtol=1e-9, atol=1e-11)
        for name_, layer in P.prunable_layers(a):
            assert (layer.weight[mk[name_] == 0] == 0).all()  # pruned weights stay exactly zero
    # the seeds really differ from one another (no weight sharing between them)
    assert not torch.equal(together[0].fc1.weight, together[1].fc1.weight)


def test_batched_training_refuses_what_it_cannot_do(mnist):
    m = [build_model("lenet_300_100", seed=s) for s in (0, 1)]
    with pytest.raises(ValueError, match="seeds"):
        train_seeds(m, mnist, 5, 1e-3, [0])
    with pytest.raises(ValueError, match="iterations"):
        train_seeds(m, mnist, 0, 1e-3, [0, 1])
    with pytest.raises(ValueError, match="rewind iteration 6"):
        train_seeds(m, mnist, 5, 1e-3, [0, 1], rewind_iteration=6)
    with pytest.raises(ValueError, match="architecture"):
        train_seeds([m[0], build_model("conv2")], mnist, 5, 1e-3, [0, 1])
    vgg = build_model("vgg19")
    assert not supports_batching(vgg) and supports_batching(m[0])
    with pytest.raises(ValueError, match="batch norm"):
        train_seeds([vgg, build_model("vgg19")], mnist, 5, 1e-3, [0, 1])


QUICK = dict(model="lenet_300_100", iterations=20, n_train=1000, n_test=500, noise_sigmas=(0.2,))


def test_run_seeds_matches_single_runs_and_resumes(mnist, tmp_path):
    ps = [RunParams(rounds=2, seed=s, **QUICK) for s in (0, 1)]
    batched = run_seeds(ps, runs_dir=tmp_path / "a", data=mnist, progress=False)
    single = [run(p, runs_dir=tmp_path / "b", data=mnist, progress=False) for p in ps]
    for a, b in zip(batched, single):
        assert a.complete and a.folder.name == b.folder.name  # same run, same name
        assert [r["remaining"] for r in a.records] == [r["remaining"] for r in b.records]
        for ra, rb in zip(a.records, b.records):
            assert ra["accuracy"] == pytest.approx(rb["accuracy"], abs=0.01)
    # a batched run stopped after one round is finished by the one-seed path, and vice versa
    part = run_seeds(ps, runs_dir=tmp_path / "c", data=mnist, progress=False, stop_after=1)
    assert all(len(r.records) == 1 and not r.complete for r in part)
    done = run(ps[0], runs_dir=tmp_path / "c", data=mnist, progress=False)
    assert done.complete and len(done.records) == 3
    both = run_seeds(ps, runs_dir=tmp_path / "c", data=mnist, progress=False)  # seed 0 done, seed 1 resumes
    assert all(r.complete and len(r.records) == 3 for r in both)
    assert json.dumps(both[0].records, sort_keys=True) == json.dumps(done.records, sort_keys=True)


def test_run_seeds_lets_a_finished_bound_run_leave_the_batch(mnist, tmp_path, monkeypatch):
    """Seed 0's Algorithm 1 is made to hold every layer at round 1: seed 0 stops there, seed 1 trains on alone."""
    from ramanujan_lth import batched, runs

    hold = {}
    real_end, real_prune, real_train = runs._Run.end_round, runs.bound_prune, batched.train_seeds

    def end_round(self, res, seconds=None):
        hold["now"] = self.p.seed == 0 and self.next_round == 1
        return real_end(self, res, seconds)

    def bound_prune(masks, scores, *a, **k):
        new, decisions = real_prune(masks, scores, *a, **k)
        if hold["now"]:
            return {n: m.clone() for n, m in masks.items()}, [
                dataclasses.replace(d, changed=False, accepted_k=None, reason="held") for d in decisions
            ]
        return new, decisions

    batch_sizes = []
    monkeypatch.setattr(runs._Run, "end_round", end_round)
    monkeypatch.setattr(runs, "bound_prune", bound_prune)
    monkeypatch.setattr(
        runs, "train_seeds", lambda models, *a, **k: batch_sizes.append(len(models)) or real_train(models, *a, **k)
    )
    ps = [RunParams(score="synflow", bound=True, rounds=3, seed=s, **QUICK) for s in (0, 1)]
    out = run_seeds(ps, runs_dir=tmp_path, data=mnist, progress=False)
    assert all(r.complete for r in out)
    assert batch_sizes == [2, 2, 1, 1]  # seed 0 leaves the batch after its round 1
    held, alone = out
    assert len(held.records) == 2 and len(alone.records) == 4  # seed 1 ends at the round cap, with no decisions
    assert [d["changed"] for d in held.records[1]["bound_decisions"]] == [False] * 3
    assert "bound_decisions" not in alone.records[-1]
    # every recorded decision is what the next round's masks hold: dense layers take the full rate at k = 0
    rates = {"fc1": 0.2, "fc2": 0.2, "fc3": 0.1}
    for r in out:
        for rec, nxt in zip(r.records, r.records[1:]):
            for d in rec["bound_decisions"]:
                before, after = rec["remaining"][d["layer"]], nxt["remaining"][d["layer"]]
                if d["changed"]:
                    assert d["accepted_k"] == 0 and d["candidates"][0]["decision"] == "accept"
                    assert after == before - round(rates[d["layer"]] * before)
                else:
                    assert after == before
    assert alone.records[-1]["remaining"] == {"fc1": 120422, "fc2": 15360, "fc3": 729}
    assert held.records[-1]["remaining"] == {"fc1": 188160, "fc2": 24000, "fc3": 900}


def test_run_seeds_takes_only_seed_variants(mnist, tmp_path):
    with pytest.raises(ValueError, match="differ only in their seed"):
        run_seeds([RunParams(seed=0, **QUICK), RunParams(seed=1, lr=1e-2, **QUICK)], runs_dir=tmp_path, data=mnist)
    with pytest.raises(ValueError, match="same seed"):
        run_seeds([RunParams(seed=0, **QUICK)] * 2, runs_dir=tmp_path, data=mnist)
    assert run_seeds([], runs_dir=tmp_path) == []


def test_run_all_batches_the_seeds_of_each_configuration(tmp_path, monkeypatch):
    calls = []
    real = runs.run_seeds
    monkeypatch.setattr(runs, "run_seeds", lambda ps, **kw: calls.append([p.seed for p in ps]) or real(ps, **kw))
    ps = [RunParams(rounds=1, seed=s, **QUICK) for s in (0, 1)] + [RunParams(rounds=1, seed=0, lr=2e-3, **QUICK)]
    got = runs.run_all(ps, tmp_path, progress=False, batched=True)
    assert calls == [[0, 1]]  # the lone lr=2e-3 run trains alone
    assert [r.params for r in got] == [p.resolved() for p in ps]
