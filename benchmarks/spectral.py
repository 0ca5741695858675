"""Spectral report: the library's exact route against the paper's ARPACK route.

For every layer of LeNet-300-100 and a VGG19-sized set of conv layers
(bi-adjacency shapes (c_in*9, c_out), up to 4608 x 512), with random masks at
10 % and 1 % density, on the unweighted (0/1) and weighted (|W| * M) graphs:

* ours:  ``bipartite_spectrum(B)`` (method "auto");
* paper: ARPACK ``eigsh`` for the two largest eigenvalues of the sparse
  ``B^T B``, square roots, then the same degrees and bounds.

Both are timed in the same run (best of ``--repeat``); the script prints both
times, their ratio and the largest relative disagreement in t1 and t2.

    python benchmarks/spectral.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from ramanujan_lth import spectral
from ramanujan_lth.maths.spectral import bipartite_spectrum, degree_bound, eigenvalue_bound

LENET = [(784, 300), (300, 100), (100, 10)]
VGG19_CHANNELS = (
    [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256)] + [(256, 256)] * 3 + [(256, 512)] + [(512, 512)] * 7
)
VGG19 = [(c_in * 9, c_out) for c_in, c_out in VGG19_CHANNELS]


def paper_route(B: np.ndarray) -> tuple[float, float]:
    """t1, t2 and the two bounds as the paper computes them (ARPACK top two)."""
    t1, t2 = spectral.arpack_top2(B)
    total = B.sum()
    d_left = total / max(1, int(B.any(axis=1).sum()))
    d_right = total / max(1, int(B.any(axis=0).sum()))
    eb, db = eigenvalue_bound(t1), degree_bound(d_left, d_right)
    _ = ((eb - t2) / t2 if t2 else math.inf, (db - t2) / t2 if t2 else math.inf)
    return t1, t2


def layers(shapes, density, weighted, rng):
    out = []
    for shape in shapes:
        mask = (rng.random(shape) < density).astype(float)
        if not mask.any():
            mask[0, 0] = 1.0
        out.append(mask * np.abs(rng.standard_normal(shape)) if weighted else mask)
    return out


def best_time(fn, repeat):
    best, result = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    print(
        f"{'network':8} {'density':>7} {'graph':>10} {'ours s':>8} {'paper s':>8} {'paper/ours':>10} "
        f"{'max rel diff t1':>15} {'t2':>9}"
    )
    for name, shapes in [("lenet", LENET), ("vgg19", VGG19)]:
        for density in (0.10, 0.01):
            for weighted in (False, True):
                mats = layers(shapes, density, weighted, rng)
                t_ours, ours = best_time(lambda: [bipartite_spectrum(B) for B in mats], args.repeat)
                t_paper, paper = best_time(lambda: [paper_route(B) for B in mats], args.repeat)
                d1 = max(abs(r.t1 - p[0]) / r.t1 for r, p in zip(ours, paper))
                d2 = max(abs(r.t2 - p[1]) / r.t2 for r, p in zip(ours, paper) if r.t2 > 0)
                graph = "weighted" if weighted else "unweighted"
                print(
                    f"{name:8} {density:7.0%} {graph:>10} {t_ours:8.3f} {t_paper:8.3f} {t_paper / t_ours:10.2f} "
                    f"{d1:15.1e} {d2:9.1e}"
                )


if __name__ == "__main__":
    main()
