"""Scale-out: four independent quick LeNet-300-100 runs as Ray tasks, one at a
time (``--jobs 1``) against two at a time (``--jobs 2``), in the same run.

Each setting starts its own local Ray instance and trains the runs into its
own empty folder, so both do the same work; the wall time includes starting
Ray. Prints both times and their ratio (target on a 2-core machine: >= 1.7x).

    python benchmarks/scale_out.py [--runs 4] [--iterations 300]
"""

from __future__ import annotations

import argparse
import tempfile
import time

from ramanujan_lth import executor
from ramanujan_lth.evidence.studies import Task
from ramanujan_lth.storage.runs import RunParams


def plan(n_runs: int, iterations: int) -> list[Task]:
    return [
        Task(
            f"quick LeNet seed {s}",
            RunParams(alpha=1.5, iterations=iterations, n_train=4000, seed=s, noise_sigmas=(0.2,)),
        )
        for s in range(n_runs)
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--iterations", type=int, default=300)
    a = ap.parse_args()
    times = {}
    for jobs in (1, 2):
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            out = executor.execute_tasks(plan(a.runs, a.iterations), d, jobs=jobs, progress=False)
            times[jobs] = time.perf_counter() - t0
            assert all(o.state == "done" for o in out), out
        print(f"--jobs {jobs}: {a.runs} runs in {times[jobs]:.1f} s", flush=True)
    print(f"speed-up with 2 jobs: {times[1] / times[2]:.2f}x")


if __name__ == "__main__":
    main()
