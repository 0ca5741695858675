"""The GPU check, one short script (a few minutes on one GPU): Conv4 training
speed in fp32 and bf16, one seed and five seeds trained together, then the
time ``reproduce --profile paper`` and ``--profile subset`` would take there.

Prints iterations per second (seed-iterations per second when batched) for
each setting, the speed-ups, and the dry-run estimates. Needs CUDA and the
CIFAR-10 images under $RAMANUJAN_LTH_DATA.

    python benchmarks/gpu.py [--iterations 200]
"""

from __future__ import annotations

import argparse
import io
import time

import torch
from ramanujan_lth import prune
from ramanujan_lth.batch.reproduce import dry_run
from ramanujan_lth.evidence.results import book_root
from ramanujan_lth.networks.batched import train_seeds
from ramanujan_lth.networks.data import load_dataset, pick_device
from ramanujan_lth.networks.models import build_model
from ramanujan_lth.networks.train import train


def masked(seed: int):
    m = build_model("conv4", seed=seed)
    mk = prune.ones_masks(m)
    return m, prune.prune_layerwise(mk, prune.magnitude(m, mk), prune.layerwise_targets(prune.layer_rates(m), 1))


def timed(fn) -> float:
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--seeds", type=int, default=5)
    a = ap.parse_args()
    device = pick_device("cuda")
    data = load_dataset("cifar10", device=device, quiet=True)
    print(f"{torch.cuda.get_device_name(0)}; Conv4, batch 60, {a.iterations} iterations per measurement")
    speed = {}
    for precision in ("fp32", "bf16"):
        m, mk = masked(0)
        train(m, data, 10, 3e-4, masks=mk, seed=0, progress=False, precision=precision)  # warm up
        t = timed(lambda: train(m, data, a.iterations, 3e-4, masks=mk, seed=1, progress=False, precision=precision))
        speed[precision, 1] = a.iterations / t
        pairs = [masked(s) for s in range(a.seeds)]
        models, masks = [p[0] for p in pairs], [p[1] for p in pairs]
        train_seeds(models, data, 10, 3e-4, list(range(a.seeds)), masks, progress=False, precision=precision)
        t = timed(
            lambda: train_seeds(
                models, data, a.iterations, 3e-4, list(range(a.seeds)), masks, progress=False, precision=precision
            )
        )
        speed[precision, a.seeds] = a.seeds * a.iterations / t
        print(
            f"  {precision}: one seed {speed[precision, 1]:8.1f} it/s   {a.seeds} seeds together "
            f"{speed[precision, a.seeds]:8.1f} seed-it/s",
            flush=True,
        )
    print(
        f"  bf16 / fp32: {speed['bf16', 1] / speed['fp32', 1]:.2f}x (one seed), "
        f"{speed['bf16', a.seeds] / speed['fp32', a.seeds]:.2f}x ({a.seeds} seeds); batching: "
        f"{speed['fp32', a.seeds] / speed['fp32', 1]:.2f}x (fp32), "
        f"{speed['bf16', a.seeds] / speed['bf16', 1]:.2f}x (bf16)"
    )
    for profile in ("paper", "subset"):
        out = io.StringIO()
        seconds = dry_run(
            ["03_regimes", "04_bound_pruner", "06_verdict", "08_report"], profile, book_root(), device="cuda", out=out
        )
        print(
            f"reproduce --profile {profile} --device cuda --dry-run (chapters 3, 4, 6, 8): ~{seconds / 3600:.1f} h "
            "of training, one run at a time"
        )


if __name__ == "__main__":
    main()
