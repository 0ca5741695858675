"""Masks from pruning once, at initialisation (the later literature's methods).

Each method prunes a freshly initialised network to a target *overall*
density (every prunable layer, the output layer included, counts toward
it) and hits it exactly: ``round(density * total)`` weights are kept.

* ``snip``: one global threshold on SNIP's ``|w * dL/dw|`` (Lee et al. 2019);
* ``synflow``: SynFlow's own schedule (Tanaka et al. 2020): 100 rounds of
  scoring and global pruning, the density falling exponentially to the target;
* ``grasp``: GraSP (Wang et al. 2020), one global threshold on ``w * Hg``
  (:func:`grasp_scores`);
* ``erk``: per-layer densities by the Erdős–Rényi kernel (Evci et al. 2020,
  RigL), weights placed uniformly at random in each layer (:func:`erk_densities`);
* ``uniform``: the same density in every layer, weights placed at random.

Random placements draw from a generator seeded by the run's seed, so a run
that restarts builds the same mask.

Examples
--------
ERK at 10 % on LeNet-300-100: ``eps * (n_in + n_out) / (n_in n_out)`` would
put the output layer above 1, so it stays dense and the other two share
the rest (``eps = 25,620 / 1,484``):

>>> d = erk_densities({"fc1": (300, 784), "fc2": (100, 300), "fc3": (10, 100)}, 0.1)
>>> [round(d[k], 4) for k in ("fc1", "fc2", "fc3")]
[0.0796, 0.2302, 1.0]
"""

from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F

from ramanujan_lth.catalog import ONESHOT_METHODS
from ramanujan_lth.networks import prune as P
from ramanujan_lth.networks.models import prunable_layers

__all__ = [
    "METHODS",
    "SYNFLOW_ITERATIONS",
    "GRASP_TEMPERATURE",
    "GRASP_PER_CLASS",
    "grasp_scores",
    "erk_densities",
    "exact_counts",
    "random_masks",
    "oneshot_masks",
]

#: the one-shot methods, by the score name a run carries
METHODS = ONESHOT_METHODS
#: SynFlow's pruning iterations (its paper's 100)
SYNFLOW_ITERATIONS = 100
#: GraSP's softmax temperature and its examples per class (its paper's 200 and 10)
GRASP_TEMPERATURE = 200.0
GRASP_PER_CLASS = 10


# ------------------------------------------------------------------ GraSP
def grasp_batch(data, seed: int, per_class: int = GRASP_PER_CLASS):
    """``per_class`` training examples of every class (normalised), drawn with ``seed``."""
    g = torch.Generator().manual_seed(seed)
    y = data.y_train.cpu()
    picks = []
    for c in torch.unique(y).tolist():
        idx = torch.nonzero(y == c).flatten()
        picks.append(idx[torch.randperm(len(idx), generator=g)[:per_class]])
    idx = torch.cat(picks).to(data.device)
    return data.normalize(data.x_train[idx]), data.y_train[idx]


def grasp_scores(model, masks: dict | None = None, batch=None, temperature: float = GRASP_TEMPERATURE) -> dict:
    """GraSP's scores ``w * Hg`` (higher keeps).

    ``g`` is the gradient of the cross-entropy of the logits divided by
    ``temperature`` on ``batch`` (an ``(x, y)`` pair), ``H`` its Hessian, so
    ``Hg`` is the gradient of ``g . stop_gradient(g)``. Wang et al. (2020)
    score ``S(-w) = -w * Hg`` and remove the weights with the *largest*
    ``S``, which preserves (or raises) the gradient flow; this keeps the
    weights with the largest ``w * Hg``: the same mask. (Synaptic-Flow's
    implementation scores ``w * Hg`` and keeps the largest, as here.)
    """
    x, y = batch
    net = copy.deepcopy(model)
    P.apply_masks(net, masks)
    weights = [m.weight for _, m in prunable_layers(net)]
    names = [n for n, _ in prunable_layers(net)]
    loss = F.cross_entropy(net(x) / temperature, y)
    g = [t.detach() for t in torch.autograd.grad(loss, weights)]
    loss = F.cross_entropy(net(x) / temperature, y)
    grads = torch.autograd.grad(loss, weights, create_graph=True)
    z = sum((a * b).sum() for a, b in zip(g, grads))
    hg = torch.autograd.grad(z, weights)
    return {n: (w.detach() * h.detach()).cpu() for n, w, h in zip(names, weights, hg)}


# ------------------------------------------------------------------ densities per layer
def erk_densities(shapes: dict, density: float) -> dict:
    """Per-layer densities of the Erdős–Rényi kernel for ``shapes`` (layer ->
    weight shape) at overall ``density``: layer ``l`` gets ``eps * (sum of
    its dimensions) / (product of its dimensions)``, with ``eps`` chosen so
    the weights kept add up to ``density`` of all. A layer whose density
    would exceed 1 stays dense and the others are rescaled (RigL's rule)."""
    if not 0 < density <= 1:
        raise ValueError(f"density must be in (0, 1], got {density}")
    size = {n: math.prod(s) for n, s in shapes.items()}
    raw = {n: sum(s) / size[n] for n, s in shapes.items()}
    total = sum(size.values())
    dense: set = set()
    eps = 0.0
    while True:
        budget = density * total - sum(size[n] for n in dense)
        free = [n for n in shapes if n not in dense]
        if not free:  # density 1 (or within rounding of it): every layer dense
            break
        eps = budget / sum(raw[n] * size[n] for n in free)
        over = [n for n in free if eps * raw[n] > 1]
        if not over:
            break
        dense.update(over)
    return {n: 1.0 if n in dense else eps * raw[n] for n in shapes}


def exact_counts(sizes: dict, densities: dict, keep: int) -> dict:
    """Weights to keep per layer: ``densities`` times ``sizes``, rounded by
    largest remainder so the counts add up to ``keep`` exactly."""
    want = {n: densities[n] * sizes[n] for n in sizes}
    counts = {n: min(sizes[n], math.floor(v)) for n, v in want.items()}
    left = keep - sum(counts.values())
    if left < 0 or keep > sum(sizes.values()):
        raise ValueError(f"cannot keep exactly {keep} weights at these densities (their floors keep {keep - left})")
    order = sorted(sizes, key=lambda n: (-(want[n] - counts[n]), n))
    i = 0
    while left > 0:
        n = order[i % len(order)]
        if counts[n] < sizes[n]:
            counts[n] += 1
            left -= 1
        i += 1
    return counts


def random_masks(like: dict, counts: dict, seed: int) -> dict:
    """Masks shaped as ``like`` keeping ``counts[layer]`` weights placed uniformly at random."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for n, m in like.items():
        flat = torch.zeros(m.numel(), dtype=m.dtype)
        flat[torch.randperm(m.numel(), generator=g)[: counts[n]]] = 1
        out[n] = flat.reshape(m.shape)
    return out


# ------------------------------------------------------------------ one mask
def _keep(masks: dict, density: float) -> int:
    return round(density * sum(m.numel() for m in masks.values()))


def oneshot_masks(model, method: str, density: float, data=None, seed: int = 0, snip_batch: int = 256) -> dict:
    """The mask ``method`` (one of :data:`METHODS`) gives ``model`` at its
    initialisation, keeping ``round(density * total)`` weights."""
    if method not in METHODS:
        raise ValueError(f"unknown one-shot method {method!r}; choose one of {', '.join(METHODS)}")
    if not 0 < density <= 1:
        raise ValueError(f"density must be in (0, 1], got {density}")
    ones = P.ones_masks(model)
    keep = _keep(ones, density)
    if method in ("erk", "uniform"):
        shapes = {n: tuple(m.shape) for n, m in ones.items()}
        per_layer = erk_densities(shapes, density) if method == "erk" else {n: density for n in ones}
        return random_masks(ones, exact_counts(P.layer_sizes(ones), per_layer, keep), seed)
    if method == "snip":
        return P.prune_global(ones, P.snip(model, None, data, batch_size=snip_batch, seed=seed), density)
    if method == "grasp":
        return P.prune_global(ones, grasp_scores(model, None, grasp_batch(data, seed)), density)
    masks = ones
    for k in range(1, SYNFLOW_ITERATIONS + 1):  # SynFlow: density^(k/n), rescored each time
        masks = P.prune_global(masks, P.synflow(model, masks), density ** (k / SYNFLOW_ITERATIONS))
    return masks
