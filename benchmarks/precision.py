"""Training throughput in bfloat16 against float32, through the library's
``train`` (Adam, batch 60, masks applied), one thread, in the same run.

For each model: samples per second in ``fp32`` and ``bf16`` (autocast,
channels-last for conv nets) and their ratio (target for Conv4 on a CPU
with AMX: >= 3x). Then an accuracy check on the CIFAR-10 images present:
Conv4 trained for ``--check-iterations`` in both precisions for two seeds;
the bf16 accuracies should lie within the spread of the fp32 ones (or of
each other's seeds).

    OMP_NUM_THREADS=1 python benchmarks/precision.py [--device cpu] [--check-iterations 2000]
"""

from __future__ import annotations

import argparse
import time

import torch
from ramanujan_lth.networks.data import load_dataset, pick_device
from ramanujan_lth.networks.models import build_model
from ramanujan_lth.networks.train import evaluate, train

MODELS = {"conv4": ("cifar10", 3e-4, 30), "conv2": ("cifar10", 2e-4, 40), "lenet_300_100": ("mnist", 1.2e-3, 1500)}


def throughput(model_name: str, data, lr: float, iterations: int, precision: str) -> float:
    model = build_model(model_name, seed=0)
    train(model, data, 5, lr, seed=0, progress=False, precision=precision)  # warm up kernels
    t0 = time.perf_counter()
    train(model, data, iterations, lr, seed=1, progress=False, precision=precision)
    return iterations * 60 / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default=None)
    ap.add_argument("--check-iterations", type=int, default=2000)
    a = ap.parse_args()
    device = pick_device(a.device)
    torch.set_num_threads(1)
    datasets = {name: load_dataset(name, device=device, quiet=True) for name in ("cifar10", "mnist")}
    print(f"device {device}, {torch.get_num_threads()} thread(s); samples/s through ramanujan_lth.networks.train")
    for name, (dataset, lr, its) in MODELS.items():
        fp32 = throughput(name, datasets[dataset], lr, its, "fp32")
        bf16 = throughput(name, datasets[dataset], lr, its, "bf16")
        print(f"{name:14s} fp32 {fp32:8.0f}   bf16 {bf16:8.0f}   ratio {bf16 / fp32:.2f}x", flush=True)
    cifar = datasets["cifar10"]
    print(
        f"accuracy check: conv4, {a.check_iterations} iterations on {cifar.sizes[0]:,} CIFAR-10 training images, "
        f"tested on {cifar.sizes[1]:,}"
    )
    acc = {}
    for precision in ("fp32", "bf16"):
        for seed in (0, 1):
            model = build_model("conv4", seed=seed)
            train(model, cifar, a.check_iterations, 3e-4, seed=seed, progress=False, precision=precision)
            acc[precision, seed] = evaluate(model, cifar)
        print(f"  {precision}: " + ", ".join(f"seed {s} {100 * acc[precision, s]:.2f} %" for s in (0, 1)), flush=True)
    spread = max(abs(acc["fp32", 0] - acc["fp32", 1]), abs(acc["bf16", 0] - acc["bf16", 1]))
    gap = max(abs(acc["bf16", s] - acc["fp32", s]) for s in (0, 1))
    print(
        f"  largest bf16 - fp32 gap at one seed {100 * gap:.2f} points; seed spread {100 * spread:.2f} points: "
        + ("within" if gap <= spread else "OUTSIDE")
        + " the seed spread"
    )


if __name__ == "__main__":
    main()
