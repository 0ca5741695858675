"""Seeds trained together against seeds trained one after another.

For each model, the same S seeds (own initialisation, batch order and a
pruned mask each) train for the same number of iterations:

* loop:    ``ramanujan_lth.networks.train.train`` once per seed (the one-model loop);
* batched: ``ramanujan_lth.networks.batched.train_seeds`` with all seeds at once.

Prints seed-iterations per second (and seeds per second at this length) for
each and their ratio, in the same run
on the same device (a GPU is where batching pays: one small model leaves it
mostly idle; on a CPU the matrix products are already compute-bound).

    python benchmarks/batched_seeds.py [--device cuda] [--seeds 5] [--lenet-iters 300] [--conv4-iters 20]
"""

from __future__ import annotations

import argparse
import time

import torch
from ramanujan_lth import prune
from ramanujan_lth.networks.batched import train_seeds
from ramanujan_lth.networks.data import load_dataset, pick_device
from ramanujan_lth.networks.models import build_model
from ramanujan_lth.networks.train import train


def timed(fn, device):
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t0


def setup(name, seeds):
    models = [build_model(name, seed=s) for s in seeds]
    masks = []
    for m in models:  # one round of layer-wise pruning, so masks are part of the work
        mk = prune.ones_masks(m)
        masks.append(
            prune.prune_layerwise(mk, prune.magnitude(m, mk), prune.layerwise_targets(prune.layer_rates(m), 1))
        )
    return models, masks


def bench(name, data, iterations, n_seeds, device, lr):
    seeds = list(range(n_seeds))
    # warm-up (kernel selection, allocator) outside the timing
    m, mk = setup(name, seeds)
    train_seeds(m, data, 3, lr, seeds, mk, progress=False)
    train(m[0], data, 3, lr, masks=mk[0], seed=0, progress=False)

    best_loop = best_batched = float("inf")
    for _ in range(2):
        m, mk = setup(name, seeds)
        best_loop = min(
            best_loop,
            timed(
                lambda: [
                    train(mi, data, iterations, lr, masks=k, seed=s, progress=False) for mi, k, s in zip(m, mk, seeds)
                ],
                device,
            ),
        )
        m, mk = setup(name, seeds)
        best_batched = min(
            best_batched, timed(lambda: train_seeds(m, data, iterations, lr, seeds, mk, progress=False), device)
        )
    loop, batched = n_seeds * iterations / best_loop, n_seeds * iterations / best_batched
    print(
        f"{name:14s} {n_seeds} seeds x {iterations} it: loop {loop:9.1f} seed-it/s ({n_seeds / best_loop:.3g} seeds/s)"
        f"   batched {batched:9.1f} seed-it/s ({n_seeds / best_batched:.3g} seeds/s)   ratio {batched / loop:5.2f}x"
    )
    return batched / loop


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default=None)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--lenet-iters", type=int, default=300)
    ap.add_argument("--conv4-iters", type=int, default=20)
    a = ap.parse_args()
    device = pick_device(a.device)
    print(f"device: {device}; torch {torch.__version__}; threads {torch.get_num_threads()}")
    mnist = load_dataset("mnist", device=device, quiet=True)
    bench("lenet_300_100", mnist, a.lenet_iters, a.seeds, device, 1.2e-3)
    cifar = load_dataset("cifar10", device=device, quiet=True)
    bench("conv4", cifar, a.conv4_iters, a.seeds, device, 3e-4)


if __name__ == "__main__":
    main()
