"""Resumable, parameter-identified iterative-pruning runs and the command line."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from ramanujan_lth import export, paths, runs, stored_runs
from ramanujan_lth import prune as P
from ramanujan_lth.networks.models import build_model
from ramanujan_lth.networks.train import evaluate
from ramanujan_lth.storage.runs import RunParams, run

QUICK = dict(model="lenet_300_100", iterations=40, n_train=3000, noise_sigmas=(0.2,))


def records_text(result):
    return json.dumps(result.records, sort_keys=True)


def spy_round_starts(monkeypatch):
    """Patch ``runs.train`` to record the weights and masks each round starts training from."""
    starts = []
    real = runs.train

    def spy(model, data, *a, masks=None, **k):
        starts.append(
            (
                {n: v.detach().clone() for n, v in model.state_dict().items()},
                {n: m.detach().clone() for n, m in masks.items()},
            )
        )
        return real(model, data, *a, masks=masks, **k)

    monkeypatch.setattr(runs, "train", spy)
    return starts


def assert_rewound(state, masks, init):
    """A round's starting weights are the initial weights times its mask; biases the initial ones."""
    for name, mask in masks.items():
        assert torch.equal(state[f"{name}.weight"], init[f"{name}.weight"] * mask), name
        assert torch.equal(state[f"{name}.bias"], init[f"{name}.bias"]), name


def test_resumed_run_equals_uninterrupted(mnist, tmp_path, monkeypatch):
    p = RunParams(rounds=3, **QUICK)
    full = run(p, runs_dir=tmp_path / "a", data=mnist, progress=False)
    part = run(p, runs_dir=tmp_path / "b", data=mnist, progress=False, stop_after=2)
    assert not part.complete and len(part.records) == 2
    starts = spy_round_starts(monkeypatch)
    resumed = run(p, runs_dir=tmp_path / "b", data=mnist, progress=False)
    assert resumed.complete and len(resumed.records) == 4
    assert records_text(resumed) == records_text(full)
    # the resumed rounds 2 and 3 rewind to the initialisation (kept in the checkpoint), not to round 1's weights
    init = build_model("lenet_300_100", seed=0).state_dict()
    assert len(starts) == 2
    for t, (state, masks) in zip((2, 3), starts):
        stored = runs.read_masks(resumed.folder / "rounds" / f"{t}.pt")
        assert all(torch.equal(masks[n], stored[n].float()) for n in masks)
        assert masks["fc1"].sum() == round(784 * 300 * 0.8**t)  # pruned: the check below has weights to miss
        assert_rewound(state, masks, init)
        before = torch.load(resumed.folder / "rounds" / f"{t - 1}.trained.pt", weights_only=True)
        assert not torch.equal(state["fc1.weight"], before["fc1.weight"] * masks["fc1"])


def test_every_round_restarts_from_the_initial_weights_times_its_mask(mnist, tmp_path, monkeypatch):
    """rewind_iteration 0: round t trains build_model(seed) * mask_t, by run() and by run_seeds()."""

    starts = spy_round_starts(monkeypatch)
    res = run(RunParams(rounds=3, seed=2, **QUICK), runs_dir=tmp_path / "one", data=mnist, progress=False)
    init = build_model("lenet_300_100", seed=2).state_dict()
    assert len(starts) == 4
    for t, (state, masks) in enumerate(starts):
        assert {n: int(m.sum()) for n, m in masks.items()} == res.records[t]["remaining"]
        assert_rewound(state, masks, init)
    # the lockstep path of several seeds
    seen = []
    real = runs.train_seeds

    def spy(models, data, *a, masks=None, **k):
        seen.append([({n: v.detach().clone() for n, v in m.state_dict().items()}, mk) for m, mk in zip(models, masks)])
        return real(models, data, *a, masks=masks, **k)

    monkeypatch.setattr(runs, "train_seeds", spy)
    both = runs.run_seeds(
        [RunParams(rounds=2, seed=s, **QUICK) for s in (3, 4)], runs_dir=tmp_path / "two", data=mnist, progress=False
    )
    assert all(r.complete for r in both) and len(seen) == 3
    inits = [build_model("lenet_300_100", seed=s).state_dict() for s in (3, 4)]
    for t, batch in enumerate(seen):
        assert len(batch) == 2
        for (state, masks), init, r in zip(batch, inits, both):
            assert {n: int(m.sum()) for n, m in masks.items()} == r.records[t]["remaining"]
            assert_rewound(state, masks, init)


def test_finished_run_is_loaded_not_trained(mnist, tmp_path, monkeypatch):
    p = RunParams(rounds=1, **QUICK)
    first = run(p, runs_dir=tmp_path, data=mnist, progress=False)

    def boom(*a, **k):
        raise AssertionError("a finished run must not train again")

    monkeypatch.setattr(runs, "train", boom)
    again = run(p, runs_dir=tmp_path, data=mnist, progress=False)
    assert records_text(again) == records_text(first)
    assert runs.load_run(first.folder).complete


def test_run_records_densities_accuracy_and_spectra(mnist, tmp_path):
    p = RunParams(rounds=3, **QUICK)
    res = run(p, runs_dir=tmp_path, data=mnist, progress=False)
    df = res.frame()
    assert list(df["round"]) == [0, 1, 2, 3]
    sizes = {"fc1": 784 * 300, "fc2": 300 * 100, "fc3": 100 * 10}
    for rec in res.records:
        k = rec["round"]
        for layer, rate in (("fc1", 0.2), ("fc2", 0.2), ("fc3", 0.1)):
            assert abs(rec["remaining"][layer] - sizes[layer] * (1 - rate) ** k) <= 1
        assert rec["accuracy"] > 0.5  # 10 classes: chance is 0.1; 40 iterations reach about 0.88
        assert list(rec["noisy_accuracy"]) == ["0.2"]
        # the recorded accuracies are those of the weights the round trained to
        model = build_model("lenet_300_100")
        model.load_state_dict(torch.load(res.folder / "rounds" / f"{k}.trained.pt", weights_only=True))
        assert rec["accuracy"] == evaluate(model, mnist)
        assert rec["noisy_accuracy"]["0.2"] == evaluate(model, mnist, sigma=0.2, seed=10_000)
        assert rec["noisy_accuracy"]["0.2"] < rec["accuracy"]
    spec = res.spectral()
    assert set(spec["graph"]) == {"unweighted", "weighted", "score"}
    # unweighted and weighted graphs every round; the score graph where a score was computed (not the last)
    assert len(spec) == 4 * 3 * 2 + 3 * 3
    assert spec[spec["graph"] == "score"]["round"].max() == 2
    dense = spec[(spec["round"] == 0) & (spec["graph"] == "unweighted")]
    assert (dense["t2"] == 0).all()  # complete bipartite before pruning
    last = spec[(spec["round"] == 3) & (spec["graph"] == "unweighted")].set_index("layer")
    for layer, d in res.records[-1]["layers"].items():
        assert last.loc[layer, "density"] == pytest.approx(d)
    assert last.loc["fc3", "density"] == pytest.approx(0.9**3, abs=1e-3)
    assert res.data["n_train"] == 3000
    assert (res.folder / "checkpoint.pt").exists() and (res.folder / "params.json").exists()


def test_run_identity_follows_parameters(mnist):
    a = runs.run_dir(RunParams(rounds=2, **QUICK), mnist.sizes)
    assert a == runs.run_dir(RunParams(rounds=2, **QUICK), mnist.sizes)
    assert a != runs.run_dir(RunParams(rounds=3, **QUICK), mnist.sizes)
    assert a != runs.run_dir(RunParams(rounds=2, **QUICK), (60_000, 10_000))


@pytest.mark.parametrize("score", ["snip", "synflow"])
def test_global_run_to_exact_alpha(mnist, tmp_path, score):
    p = RunParams(score=score, schedule="global", alpha=0.5, **QUICK)
    res = run(p, runs_dir=tmp_path, data=mnist, progress=False)
    total = 784 * 300 + 300 * 100 + 100 * 10
    assert abs(res.records[-1]["density"] * total - round(10**-0.5 * total)) <= 1
    # t* = log(10^-0.5) / log(0.8) = 5.16, so 6 pruning rounds and 7 trainings
    assert len(res.records) == 7
    # each round's new mask keeps the globally highest scores of this score on the weights the round trained
    # to (SNIP: a batch of 256 of the run's 3000 training images), not IMP's largest magnitudes
    data = runs.prepare_data(p.resolved(), mnist)
    targets = [0.8**t for t in range(1, 6)] + [10**-0.5]
    for t, target in enumerate(targets):
        masks = {n: m.float() for n, m in runs.read_masks(res.folder / "rounds" / f"{t}.pt").items()}
        after = runs.read_masks(res.folder / "rounds" / f"{t + 1}.pt")
        model = build_model("lenet_300_100")
        model.load_state_dict(torch.load(res.folder / "rounds" / f"{t}.trained.pt", weights_only=True))
        scores = P.SCORES[score](model, masks, data, batch_size=256, seed=p.seed * 10_007 + t)
        ours = P.prune_global(masks, scores, target)
        imp = P.prune_global(masks, P.magnitude(model, masks), target)
        assert all(torch.equal(ours[n].bool(), after[n]) for n in after), t
        assert sum(int((imp[n].bool() != after[n]).sum()) for n in after) > 0.01 * total, t


def test_bad_run_parameters():
    for kw, msg in [
        (dict(p_fc=1.5), "p_fc must be in"),
        (dict(p_conv=0), "p_conv must be in"),
        (dict(model="resnet"), "unknown model"),
        (dict(score="random"), "unknown score"),
        (dict(alpha=-0.5), "alpha"),
        (dict(iterations=0), "iterations"),
        (dict(rewind_iteration=10, iterations=5), "rewind_iteration"),
    ]:
        with pytest.raises(ValueError, match=msg):
            RunParams(**kw).validate()


def cli(*args):
    return subprocess.run([sys.executable, "-m", "ramanujan_lth", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "args,msg",
    [
        (["--p-fc", "1.5"], "p_fc must be in (0, 1)"),
        (["--p-out", "0"], "p_out must be in (0, 1)"),
        (["--alpha", "-1"], "alpha must be >= 0"),
        (["--iterations", "0"], "iterations must be a positive integer"),
        (["--model", "resnet"], "invalid choice"),
        (["--score", "random"], "invalid choice"),
        (["--seeds", "0", "0"], "lists a seed twice"),
        (["--seeds", "0", "1", "--eval-every", "5"], "records no history"),
    ],
)
def test_cli_rejects_bad_parameters_in_one_line(args, msg):
    res = cli("run", *args)
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and msg in res.stderr
    assert res.stdout == ""


def test_cli_help_and_missing_data(tmp_path):
    res = cli("run", "--help")
    assert res.returncode == 0 and "--alpha" in res.stdout
    res = cli("run", "--data-root", str(tmp_path), "--iterations", "2", "--runs-dir", str(tmp_path / "r"))
    assert res.returncode == 2 and "RAMANUJAN_LTH_DATA" in res.stderr and str(tmp_path) in res.stderr


def test_cli_runs_an_experiment(tmp_path):
    res = cli("run", "--iterations", "20", "--rounds", "1", "--n-train", "600", "--runs-dir", str(tmp_path), "--quiet")
    assert res.returncode == 0, res.stderr
    assert "run folder" in res.stdout and "SUBSET" in res.stdout


def test_bound_run_records_decisions_and_score_graph(mnist, tmp_path):
    p = RunParams(score="synflow", bound=True, rounds=2, **QUICK)
    res = run(p, runs_dir=tmp_path, data=mnist, progress=False)
    assert "synflow-bound" in res.folder.name
    assert len(res.records) == 3 and "bound_decisions" not in res.records[-1]  # ended by the round cap
    # the layers of a dense network (100 %, then 80 % / 90 %) are nearly complete bipartite graphs, far
    # inside both bounds: in rounds 0 and 1 every layer takes the full rate at k = 0 on the unweighted bounds
    rates = {"fc1": 0.2, "fc2": 0.2, "fc3": 0.1}
    spec = res.spectral()
    for rec, nxt in zip(res.records, res.records[1:]):
        assert [d["layer"] for d in rec["bound_decisions"]] == ["fc1", "fc2", "fc3"]
        for d in rec["bound_decisions"]:
            layer, before = d["layer"], rec["remaining"][d["layer"]]
            assert d["changed"] and d["accepted_k"] == 0 and len(d["candidates"]) == 1
            (c,) = d["candidates"]
            assert c["decision"] == "accept" and c["accepted_by"] == "unweighted"
            assert max(c["delta_s"], c["delta_r"]) > 0
            assert c["n_pruned"] == round(rates[layer] * before)
            assert nxt["remaining"][layer] == before - c["n_pruned"] == c["remaining"]
            # the accepted candidate is the next round's unweighted graph
            row = spec[(spec["round"] == nxt["round"]) & (spec["graph"] == "unweighted") & (spec["layer"] == layer)]
            assert row["t2"].item() == pytest.approx(c["t2"]) and row["delta_s"].item() == pytest.approx(c["delta_s"])
    assert nxt["remaining"] == {"fc1": 150528, "fc2": 19200, "fc3": 810}
    # unweighted, weighted and score graphs of the 3 layers in every round (a bound run scores every round)
    assert spec.groupby(["graph", "round"]).size().to_dict() == {
        (g, t): 3 for g in ("score", "unweighted", "weighted") for t in range(3)
    }
    # the score graph is |SynFlow| of the trained weights on the round's mask: fc3's t1 by numpy
    model = build_model("lenet_300_100")
    model.load_state_dict(torch.load(res.folder / "rounds" / "0.trained.pt", weights_only=True))
    s = P.synflow(model)["fc3"].double().numpy()
    row = spec[(spec["round"] == 0) & (spec["graph"] == "score") & (spec["layer"] == "fc3")]
    assert row["t1"].item() == pytest.approx(np.linalg.svd(np.abs(s.T), compute_uv=False)[0], rel=1e-9)


def test_density_target_and_parameter_conflicts(mnist, tmp_path):
    res = run(RunParams(density=0.5, **QUICK), runs_dir=tmp_path, data=mnist, progress=False)
    total = 784 * 300 + 300 * 100 + 100 * 10
    assert abs(res.records[-1]["density"] * total - 0.5 * total) <= 3  # one weight per layer
    for kw, msg in [
        (dict(alpha=1, density=0.1), "not both"),
        (dict(bound=True, alpha=1), "no alpha"),
        (dict(bound=True, schedule="global"), "layerwise"),
        (dict(density=0), "density"),
    ]:
        with pytest.raises(ValueError, match=msg):
            RunParams(**kw).validate()


def test_export_and_find_stored(mnist, tmp_path, monkeypatch):

    p = RunParams(rounds=1, **QUICK)
    res = run(p, runs_dir=tmp_path / "runs", data=mnist, progress=False)
    out = cli("export", str(res.folder), "--to", str(tmp_path / "stored"))
    assert out.returncode == 0, out.stderr
    stored = tmp_path / "stored" / res.folder.name
    assert sorted(f.name for f in stored.iterdir()) == [
        "masks.npz",
        "params.json",
        "provenance.json",
        "records.json",
        "timings.json",
    ]
    found = stored_runs.find_stored(p, tmp_path / "stored")
    assert found is not None and records_text(found) == records_text(res)
    assert stored_runs.find_stored(RunParams(rounds=2, **QUICK), tmp_path / "stored") is None

    def boom(*a, **k):
        raise AssertionError("stored runs must not be recomputed")

    monkeypatch.setattr(runs, "train", boom)
    from ramanujan_lth import studies

    task = studies.Task("exported", p)
    got, source = studies.execute([task], tmp_path / "stored", tmp_path / "other", progress=False)
    assert source == "stored" and records_text(got[0]) == records_text(res)


def test_export_refuses_unfinished_runs(mnist, tmp_path):
    part = run(RunParams(rounds=2, **QUICK), runs_dir=tmp_path, data=mnist, progress=False, stop_after=1)
    with pytest.raises(ValueError, match="not finished"):
        export.export_run(part, tmp_path / "stored")


FORK = dict(model="lenet_300_100", iterations=10, n_train=600, n_test=500)


def test_a_run_that_prunes_less_far_starts_from_a_longer_runs_rounds(mnist, tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    long = run(RunParams(alpha=1.0, noise_sigmas=(0.2, 0.3), **FORK), runs_dir=shared, data=mnist, progress=False)
    assert len(long.records) == 12 and (long.folder / "rounds" / "11.pt").exists()
    trained = []
    real_train = runs.train
    monkeypatch.setattr(runs, "train", lambda *a, **k: trained.append(k["seed"]) or real_train(*a, **k))
    # 10^-0.5 = 31.6 % overall: about 5.2 rounds of 20 % (fc1, fc2) and 10 % (fc3), so 6 prunings;
    # the first 5 are those of α = 1, so rounds 0-4 are copied and rounds 5 and 6 trained
    short_p = RunParams(alpha=0.5, noise_sigmas=(0.2,), **FORK)
    short = run(short_p, runs_dir=shared, data=mnist, progress=False)
    meta = json.loads((short.folder / "params.json").read_text())
    assert meta["forked_from"] == {"run": long.folder.name, "rounds_copied": 5}
    assert len(short.records) == 7 and trained == [5, 6]  # the training seeds are seed * 10007 + round
    assert short.records[-1]["density"] == pytest.approx(10**-0.5, abs=2e-3)
    assert all(set(r["noisy_accuracy"]) == {"0.2"} for r in short.records)
    monkeypatch.undo()
    alone = run(short_p, runs_dir=tmp_path / "alone", data=mnist, progress=False)
    assert "forked_from" not in json.loads((alone.folder / "params.json").read_text())
    assert records_text(short) == records_text(alone)


def test_a_damaged_round_file_of_the_donor_is_said_and_only_the_rounds_before_it_are_shared(mnist, tmp_path, capsys):
    shared = tmp_path / "shared"
    long = run(RunParams(alpha=1.0, **FORK), runs_dir=shared, data=mnist, progress=False)
    damaged = long.folder / "rounds" / "3.pt"
    damaged.write_bytes(damaged.read_bytes()[:100])  # truncated, as a copy cut short leaves it
    capsys.readouterr()
    short_p = RunParams(alpha=0.5, **FORK)
    short = run(short_p, runs_dir=shared, data=mnist, progress=False)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "3.pt is damaged" in err[0]
    meta = json.loads((short.folder / "params.json").read_text())
    assert meta["forked_from"] == {"run": long.folder.name, "rounds_copied": 2}  # round 2's masks start it
    alone = run(short_p, runs_dir=tmp_path / "alone", data=mnist, progress=False)
    assert records_text(short) == records_text(alone)


def test_runs_that_train_differently_share_no_rounds(mnist, tmp_path):
    import dataclasses

    base = RunParams(alpha=0.5, noise_sigmas=(0.2,), **FORK)
    run(base, runs_dir=tmp_path, data=mnist, progress=False)

    def forked(p):
        res = run(p, runs_dir=tmp_path, data=mnist, progress=False, stop_after=1)
        return json.loads((res.folder / "params.json").read_text()).get("forked_from")

    # 10^-0.3 = 50.1 %: about 3.1 rounds (0.8^3 = 51.2 %), so rounds 0-2 are copied from α = 0.5
    donor = run(base, runs_dir=tmp_path, data=mnist).folder.name
    assert forked(dataclasses.replace(base, alpha=0.3)) == {"run": donor, "rounds_copied": 3}
    for change in (dict(p_out=0.2), dict(seed=1), dict(lr=1e-3), dict(n_train=500), dict(score="snip")):
        assert forked(dataclasses.replace(base, alpha=0.31, **change)) is None, change
    # other noise levels: the noisy test sets are seeded by position, so no records can be copied, but the
    # trained weights are the same: the run replays them (measuring its own noisy test sets) and equals a fresh run
    other_noise = dataclasses.replace(base, alpha=0.31, noise_sigmas=(0.3,))
    replayed = run(other_noise, runs_dir=tmp_path, data=mnist, progress=False)
    fork = json.loads((replayed.folder / "params.json").read_text())["forked_from"]
    assert set(fork) == {"run", "rounds_replayed"} and fork["rounds_replayed"] >= 3
    alone = run(other_noise, runs_dir=tmp_path / "alone", data=mnist, progress=False)
    assert records_text(replayed) == records_text(alone)


def test_a_run_that_differs_only_in_noise_levels_is_copied_whole(mnist, tmp_path, monkeypatch):
    p = RunParams(alpha=0.3, noise_sigmas=(0.2, 0.3), **FORK)
    donor = run(p, runs_dir=tmp_path / "shared", data=mnist, progress=False)

    def boom(*a, **k):
        raise AssertionError("every round is shared: nothing to train")

    monkeypatch.setattr(runs, "train", boom)
    fewer = RunParams(alpha=0.3, noise_sigmas=(0.2,), **FORK)
    copy = run(fewer, runs_dir=tmp_path / "shared", data=mnist, progress=False)
    assert copy.complete and copy.folder != donor.folder and len(copy.records) == len(donor.records) == 5
    assert json.loads((copy.folder / "params.json").read_text())["forked_from"] == {
        "run": donor.folder.name,
        "rounds_copied": 5,
    }
    assert runs.load_run(copy.folder).complete
    # a later noise level only is not a prefix (the noisy test sets are seeded by position), so no records are
    # copied; the trained weights of every round are replayed and measured on this run's own noisy test set
    later = run(
        RunParams(alpha=0.3, noise_sigmas=(0.3,), **FORK), runs_dir=tmp_path / "shared", data=mnist, progress=False
    )
    assert (
        later.complete and json.loads((later.folder / "params.json").read_text())["forked_from"]["rounds_replayed"] == 5
    )
    assert [r["accuracy"] for r in later.records] == [r["accuracy"] for r in donor.records]
    assert all(set(r["noisy_accuracy"]) == {"0.3"} for r in later.records)
    monkeypatch.undo()
    alone = run(fewer, runs_dir=tmp_path / "alone", data=mnist, progress=False)
    assert records_text(copy) == records_text(alone)


def test_seeds_trained_together_take_their_forks_too(mnist, tmp_path):
    from ramanujan_lth.storage.runs import run_seeds

    run(RunParams(alpha=0.5, noise_sigmas=(), seed=0, **FORK), runs_dir=tmp_path, data=mnist, progress=False)
    both = run_seeds(
        [RunParams(alpha=0.3, noise_sigmas=(), seed=s, **FORK) for s in (0, 1)],
        runs_dir=tmp_path,
        data=mnist,
        progress=False,
    )
    forks = [json.loads((r.folder / "params.json").read_text()).get("forked_from") for r in both]
    assert forks[0]["rounds_copied"] == 3 and forks[1] is None  # seed 1 has no run to start from
    assert all(r.complete and len(r.records) == 5 for r in both)
    assert [r["round"] for r in both[0].records] == list(range(5))


def test_a_bound_run_replays_the_plain_runs_rounds_while_their_masks_agree(mnist, tmp_path, monkeypatch):
    import dataclasses

    import torch

    shared = tmp_path / "shared"
    plain = run(RunParams(alpha=1.0, noise_sigmas=(0.2,), **FORK), runs_dir=shared, data=mnist, progress=False)
    assert (plain.folder / "rounds" / "11.trained.pt").exists()
    bound_p = RunParams(score="magnitude", bound=True, rounds=14, noise_sigmas=(0.3,), **FORK)
    alone = run(bound_p, runs_dir=tmp_path / "alone", data=mnist, progress=False)
    # where Algorithm 1's masks first differ from the plain schedule's (the runs agree before it)
    agree = 0
    while (plain.folder / "rounds" / f"{agree}.pt").exists() and (alone.folder / "rounds" / f"{agree}.pt").exists():
        a, b = (torch.load(f / "rounds" / f"{agree}.pt", weights_only=False) for f in (plain.folder, alone.folder))
        if any((a[n][0], a[n][1].tobytes()) != (b[n][0], b[n][1].tobytes()) for n in a):
            break
        agree += 1
    assert 1 <= agree < len(alone.records), f"the test needs runs that agree for a while, then part: {agree}"
    trained = []
    real_train = runs.train
    monkeypatch.setattr(runs, "train", lambda *a, **k: trained.append(k["seed"]) or real_train(*a, **k))
    replayed = run(bound_p, runs_dir=shared, data=mnist, progress=False)
    monkeypatch.undo()
    meta = json.loads((replayed.folder / "params.json").read_text())
    assert meta["forked_from"] == {"run": plain.folder.name, "rounds_replayed": agree}
    assert trained == list(range(agree, len(alone.records)))  # seed 0: the training seed is the round
    assert records_text(replayed) == records_text(alone)
    assert "forked_from" not in json.loads((alone.folder / "params.json").read_text())
    # a run that trains differently replays nothing
    other = run(dataclasses.replace(bound_p, lr=1e-3), runs_dir=shared, data=mnist, progress=False, stop_after=1)
    assert "forked_from" not in json.loads((other.folder / "params.json").read_text())


def _write_lock(folder, pid, host=None):
    import socket

    folder.mkdir(parents=True, exist_ok=True)
    (folder / paths.LOCK).write_text(json.dumps({"pid": pid, "host": host or socket.gethostname(), "since": "earlier"}))


def test_a_run_in_use_by_a_live_process_is_not_trained_twice(mnist, tmp_path, monkeypatch):
    p = RunParams(rounds=2, **QUICK)
    folder = runs.run_dir(p, runs.prepare_data(p, mnist).sizes, tmp_path)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _write_lock(folder, other.pid)
        monkeypatch.setattr(runs, "train", lambda *a, **k: pytest.fail("a run in use must not train"))
        with pytest.raises(runs.RunInUse, match=f"process {other.pid}"):
            run(p, runs_dir=tmp_path, data=mnist, progress=False)
        assert json.loads((folder / paths.LOCK).read_text())["pid"] == other.pid  # left to its owner
        cli = subprocess.run(
            [
                sys.executable,
                "-m",
                "ramanujan_lth",
                "run",
                "--model",
                "lenet_300_100",
                "--rounds",
                "2",
                "--iterations",
                "40",
                "--n-train",
                "3000",
                "--noise",
                "0.2",
                "--runs-dir",
                str(tmp_path),
                "--quiet",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert cli.returncode == 3 and f"process {other.pid}" in cli.stderr and "Traceback" not in cli.stderr
    finally:
        other.kill()
        other.wait()


def test_a_stale_or_own_or_foreign_lock_is_taken_over_and_released(mnist, tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        for i, (pid, host) in enumerate([(gone.pid, None), (os.getpid(), None), (live.pid, "another-machine")]):
            p = RunParams(rounds=1, seed=i, **QUICK)
            folder = runs.run_dir(p, runs.prepare_data(p, mnist).sizes, tmp_path)
            _write_lock(folder, pid, host)
            part = run(p, runs_dir=tmp_path, data=mnist, progress=False, stop_after=1)
            assert not part.complete and not (folder / paths.LOCK).exists()  # released when it stops
            assert run(p, runs_dir=tmp_path, data=mnist, progress=False).complete
            assert not (folder / paths.LOCK).exists()
    finally:
        live.kill()
        live.wait()


def test_the_lock_is_released_when_a_round_fails(mnist, tmp_path, monkeypatch):
    p = RunParams(rounds=1, **QUICK)

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(runs, "train", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(p, runs_dir=tmp_path, data=mnist, progress=False)
    assert not (runs.run_dir(p, runs.prepare_data(p, mnist).sizes, tmp_path) / paths.LOCK).exists()


def test_single_criterion_bound_runs_replay_the_plain_run_and_record_the_criterion(mnist, tmp_path):
    shared = tmp_path / "shared"
    run(RunParams(alpha=1.0, noise_sigmas=(0.2,), **FORK), runs_dir=shared, data=mnist, progress=False)
    for criterion in ("UE", "WD"):
        p = RunParams(score="magnitude", bound=True, rounds=6, bound_criteria=(criterion,), noise_sigmas=(0.2,), **FORK)
        assert runs.identity(p)["bound_criteria"] == (criterion,)
        replayed = run(p, runs_dir=shared, data=mnist, progress=False)
        alone = run(p, runs_dir=tmp_path / criterion, data=mnist, progress=False)
        assert records_text(replayed) == records_text(alone)
        cands = [c for rec in alone.records for d in rec.get("bound_decisions", []) for c in d["candidates"]]
        assert cands and all(set(c["criteria"]) == {criterion} for c in cands if c["decision"] != "guard")
        assert {c["accepted_by"] for c in cands if c["decision"] == "accept"} <= {criterion}
        stored = json.loads((alone.folder / "params.json").read_text())["params"]
        assert runs.RunParams.from_dict(stored) == p.resolved()
    default = RunParams(score="magnitude", bound=True, rounds=6, **FORK)
    assert "bound_criteria" not in runs.identity(default)
    with pytest.raises(ValueError, match="bound_criteria"):
        RunParams(bound_criteria=("UE",), **FORK).validate()


def test_a_diverged_round_is_recorded_and_said_not_dropped(mnist, tmp_path, monkeypatch):
    from ramanujan_lth import stored_runs

    real_train = runs.train

    def blow_up(model, *a, **k):
        res = real_train(model, *a, **k)
        with torch.no_grad():
            next(iter(model.parameters())).fill_(float("nan"))
        return res

    monkeypatch.setattr(runs, "train", blow_up)
    res = run(RunParams(rounds=3, **QUICK), runs_dir=tmp_path, data=mnist, progress=False)
    first = res.records[0]
    assert res.complete and len(res.records) == 1  # nothing to prune a diverged network by: the run ends there
    assert first["diverged"] and first["at_chance"]
    weighted = [r for r in first["spectral"] if r["graph"] == "weighted"]
    assert weighted and all(np.isnan(r["t2"]) and not r["ramanujan"] for r in weighted)
    assert "1 diverged (non-finite weights) and 1 at chance accuracy" in stored_runs.describe([res])
