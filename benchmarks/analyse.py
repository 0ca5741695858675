"""The full spectral report of a large network (``ramanujan_lth.your_network.analyse.network``).

torchvision's ResNet-50 and ViT-B/16 (random initialisation, no download),
pruned by global magnitude (``torch.nn.utils.prune.global_unstructured``
over every Linear, Conv2d and attention ``in_proj_weight``) to 10 % and 1 %
density, measured on one thread:

* auto: the library's route (exact Gram eigenvalues or SVD, ARPACK on large
  matrices under 2 % density, checked);
* svd:  the baseline, exact dense SVD of every layer's graph.

Prints both times, their ratio, and the largest relative disagreement in t1
and t2 between them (book/methods.md §2: the two routes must agree).

    OMP_NUM_THREADS=1 python benchmarks/analyse.py [--models resnet50 vit_b_16] [--densities 0.1 0.01]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
import torchvision
from ramanujan_lth import analyse
from torch import nn
from torch.nn.utils import prune


def pruned(name: str, density: float) -> nn.Module:
    torch.manual_seed(0)
    model = torchvision.models.get_model(name, weights=None)
    params = [(m, "weight") for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    params += [(m, "in_proj_weight") for m in model.modules() if isinstance(m, nn.MultiheadAttention)]
    prune.global_unstructured(params, pruning_method=prune.L1Unstructured, amount=1.0 - density)
    return model.eval()


def timed(model, method: str):
    t0 = time.perf_counter()
    table = analyse.network(model, method=method)
    return time.perf_counter() - t0, table


def rel(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = np.isfinite(a) & np.isfinite(b) & (np.abs(b) > 0)
    return float(np.max(np.abs(a[ok] - b[ok]) / np.abs(b[ok]))) if ok.any() else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["resnet50", "vit_b_16"])
    ap.add_argument("--densities", nargs="+", type=float, default=[0.1, 0.01])
    a = ap.parse_args()
    torch.set_num_threads(1)
    head = ("model", "density", "weights", "auto s", "svd s", "ratio", "t1 diff", "t2 diff")
    print(f"{head[0]:10} " + " ".join(f"{h:>7}" for h in head[1:]))
    for name in a.models:
        for density in a.densities:
            model = pruned(name, density)
            t_auto, ours = timed(model, "auto")
            t_svd, base = timed(model, "svd")
            print(
                f"{name:10} {density:7.0%} {len(ours):7d} {t_auto:7.1f} {t_svd:7.1f} {t_svd / t_auto:5.2f}x "
                f"{rel(ours['t1'], base['t1']):8.1e} {rel(ours['t2'], base['t2']):8.1e}",
                flush=True,
            )


if __name__ == "__main__":
    main()
