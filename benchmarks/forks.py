"""Table 3's runs of one score from scratch against the same runs sharing rounds.

The plain pruner to α = 2, 1.5 and 1, then its ``-Bound`` variant (in that
order) are run twice on the same data with the same parameters:

* scratch: each run in a runs folder of its own, so each trains every round;
* shared:  all four in one runs folder, so α = 1.5 and α = 1 start from
  α = 2's masks at the last round they share, and ``-Bound`` replays α = 2's
  trained rounds while its masks equal α = 2's (``ramanujan_lth.storage.runs``).

Prints the trainings and seconds of each, checks that the records are equal,
and prints the ratio of the two times, measured in the same run.

    python benchmarks/forks.py [--model lenet_300_100] [--score magnitude] [--iterations 150] [--n-train 2000]
                               [--bound-rounds 25] [--device cpu]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from ramanujan_lth.networks.data import load_dataset, pick_device
from ramanujan_lth.storage.runs import RunParams, run


def table3(runs_dirs, variants, base, data):
    """Run ``variants`` into ``runs_dirs`` (one folder each, or one shared); returns seconds, trainings, records."""
    t0 = time.perf_counter()
    trainings, records = 0, []
    for v, folder in zip(variants, runs_dirs):
        res = run(RunParams(**v, **base), runs_dir=folder, data=data, progress=False)
        fork = json.loads((res.folder / "params.json").read_text()).get("forked_from") or {}
        trainings += len(res.records) - fork.get("rounds_copied", 0) - fork.get("rounds_replayed", 0)
        records.append(json.dumps(res.records, sort_keys=True))
    return time.perf_counter() - t0, trainings, records


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="lenet_300_100")
    ap.add_argument("--score", default="magnitude", choices=["magnitude", "snip", "synflow"])
    ap.add_argument("--bound-rounds", type=int, default=25, help="the -Bound run's round cap")
    ap.add_argument("--iterations", type=int, default=150)
    ap.add_argument("--n-train", type=int, default=2000)
    ap.add_argument("--device", default=None)
    a = ap.parse_args()
    device = pick_device(a.device)
    base = dict(model=a.model, score=a.score, iterations=a.iterations, n_train=a.n_train, n_test=2000, noise_sigmas=())
    variants = [dict(alpha=2.0), dict(alpha=1.5), dict(alpha=1.0), dict(bound=True, rounds=a.bound_rounds)]
    probe = RunParams(**base).resolved()
    data = load_dataset(probe.dataset, device=device, n_train=a.n_train, quiet=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        scratch = table3([tmp / f"scratch{i}" for i in range(len(variants))], variants, base, data)
        shared = table3([tmp / "shared"] * len(variants), variants, base, data)
    same = scratch[2] == shared[2]
    print(
        f"{a.model}, {a.score}: α = 2, 1.5, 1 and -Bound; {a.iterations} iterations per round, "
        f"{a.n_train} training images, {device}"
    )
    print(f"scratch: {scratch[1]:3d} trainings  {scratch[0]:7.1f} s")
    print(f"shared:  {shared[1]:3d} trainings  {shared[0]:7.1f} s")
    print(f"speed-up {scratch[0] / shared[0]:.2f}x; records equal: {same}")
    if not same and device.type == "cpu":
        raise SystemExit("records differ on a CPU: a fork or a replay is not exact")


if __name__ == "__main__":
    main()
