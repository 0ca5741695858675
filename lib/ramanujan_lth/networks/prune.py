"""Masks, pruning scores and pruning schedules (book/methods.md §4).

A *mask* is a dict ``layer name -> 0/1 float tensor`` over the prunable
layers (``models.prunable_layers``). A *score* is a function
``score(model, masks, data=None, **options) -> {layer name: tensor}``; higher
means keep. Registered scores: ``magnitude`` (IMP), ``snip``, ``synflow``.
Pruning only ever removes surviving weights: masks are nested.
"""

from __future__ import annotations

import copy
import math
from typing import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F

from ramanujan_lth.networks.models import output_layer, prunable_layers

__all__ = [
    "SCORES",
    "register_score",
    "apply_masks",
    "ones_masks",
    "layer_sizes",
    "densities",
    "overall_density",
    "magnitude",
    "snip",
    "synflow",
    "keep_top",
    "prune_layerwise",
    "prune_global",
    "layer_rates",
    "layerwise_targets",
    "rounds_for_density",
    "density_target",
]

SCORES: dict[str, Callable] = {}


def register_score(name: str):
    def deco(fn):
        SCORES[name] = fn
        return fn

    return deco


# ------------------------------------------------------------------ masks
@torch.no_grad()
def apply_masks(model: nn.Module, masks: dict | None) -> None:
    """Zero the pruned weights in place."""
    if not masks:
        return
    for name, m in prunable_layers(model):
        if name in masks:
            m.weight.mul_(masks[name].to(m.weight.device, m.weight.dtype))


def ones_masks(model: nn.Module) -> dict:
    return {name: torch.ones_like(m.weight, device="cpu") for name, m in prunable_layers(model)}


def layer_sizes(masks: dict) -> dict:
    return {k: v.numel() for k, v in masks.items()}


def densities(masks: dict) -> dict:
    return {k: float(v.sum() / v.numel()) for k, v in masks.items()}


def overall_density(masks: dict) -> float:
    return float(sum(v.sum() for v in masks.values()) / sum(v.numel() for v in masks.values()))


# ------------------------------------------------------------------ scores
def _weights(model):
    return {name: m.weight for name, m in prunable_layers(model)}


@register_score("magnitude")
def magnitude(model: nn.Module, masks: dict | None = None, data=None, **_) -> dict:
    """IMP: ``|w|`` of the (trained) weights."""
    return {n: w.detach().abs().cpu() * (masks[n] if masks else 1) for n, w in _weights(model).items()}


@register_score("snip")
def snip(
    model: nn.Module, masks: dict | None = None, data=None, batch=None, batch_size: int = 256, seed: int = 0, **_
) -> dict:
    """SNIP: ``|w * dL/dw|`` of the cross-entropy on one batch of training data.

    ``batch``: an ``(x, y)`` pair of normalised inputs and labels; otherwise a
    batch of ``batch_size`` examples is drawn from ``data`` with ``seed``.
    """
    if batch is None:
        if data is None:
            raise ValueError("snip needs data or a batch")
        batch = next(data.batches(min(batch_size, len(data.y_train)), seed=seed))
    x, y = batch
    net = copy.deepcopy(model)
    net.zero_grad(set_to_none=True)
    if masks:
        apply_masks(net, masks)
    F.cross_entropy(net(x), y).backward()
    out = {}
    for n, w in _weights(net).items():
        g = w.grad if w.grad is not None else torch.zeros_like(w)
        s = (w.detach() * g).abs().cpu()
        out[n] = s * masks[n] if masks else s
    return out


@register_score("synflow")
def synflow(model: nn.Module, masks: dict | None = None, data=None, input_shape=None, **_) -> dict:
    """SynFlow: ``|w * dR/dw|`` with ``R`` the sum of the outputs of the network
    whose parameters are all replaced by their absolute values, on an all-ones
    input (data free; in float64, eval mode for batch norm)."""
    shape = input_shape or getattr(model, "input_shape", None)
    if shape is None:
        raise ValueError("synflow needs the model's input shape (model.input_shape or input_shape=...)")
    net = copy.deepcopy(model).double().eval()
    if masks:
        apply_masks(net, masks)
    with torch.no_grad():
        for p in net.parameters():
            p.abs_()
    net.zero_grad(set_to_none=True)
    device = next(net.parameters()).device
    net(torch.ones((1, *shape), dtype=torch.float64, device=device)).sum().backward()
    out = {}
    for n, w in _weights(net).items():
        s = (w.detach() * w.grad).abs().float().cpu()
        out[n] = s * masks[n] if masks else s
    return out


# ------------------------------------------------------------------ pruning
def keep_top(score: torch.Tensor, mask: torch.Tensor, n_keep: int) -> torch.Tensor:
    """New mask keeping the ``n_keep`` highest-scored SURVIVING weights (ties
    broken by position, so the result is deterministic); never revives one."""
    alive = int(mask.sum())
    n_keep = max(0, min(int(n_keep), alive))
    s = score.detach().reshape(-1).to(torch.float64).clone()
    s[mask.reshape(-1) == 0] = -math.inf
    order = torch.argsort(s, descending=True, stable=True)
    new = torch.zeros(s.numel(), dtype=mask.dtype)
    new[order[:n_keep]] = 1
    return new.reshape(mask.shape)


def prune_layerwise(masks: dict, scores: dict, targets: dict) -> dict:
    """Each layer keeps ``round(target * size)`` weights (at least one), its
    highest-scored survivors. ``targets``: layer -> density of the ORIGINAL layer."""
    out = {}
    for name, m in masks.items():
        d = targets.get(name, None)
        if d is None:
            out[name] = m.clone()
            continue
        if not 0 <= d <= 1:
            raise ValueError(f"target density for {name!r} must be in [0, 1], got {d}")
        out[name] = keep_top(scores[name], m, max(1, round(d * m.numel())))
    return out


def prune_global(masks: dict, scores: dict, density: float) -> dict:
    """One threshold over all layers: keep the ``round(density * total)``
    globally highest scores among the surviving weights."""
    if not 0 < density <= 1:
        raise ValueError(f"density must be in (0, 1], got {density}")
    names = list(masks)
    flat_s = torch.cat([scores[n].reshape(-1).to(torch.float64) for n in names])
    flat_m = torch.cat([masks[n].reshape(-1) for n in names])
    total = flat_m.numel()
    new = keep_top(flat_s, flat_m, round(density * total))
    out, i = {}, 0
    for n in names:
        k = masks[n].numel()
        out[n] = new[i : i + k].reshape(masks[n].shape)
        i += k
    return out


# ------------------------------------------------------------------ schedules
def layer_rates(model: nn.Module, p_fc: float = 0.2, p_conv: float = 0.1, p_out: float = 0.1) -> dict:
    """Per-layer pruning rate: ``p_out`` for the output layer, else by kind."""
    for name, p in (("p_fc", p_fc), ("p_conv", p_conv), ("p_out", p_out)):
        if not 0 < p < 1:
            raise ValueError(f"{name} must be in (0, 1), got {p}")
    out_name = output_layer(model)
    return {
        name: p_out if name == out_name else (p_conv if isinstance(m, nn.Conv2d) else p_fc)
        for name, m in prunable_layers(model)
    }


def layerwise_targets(rates: dict, t: float) -> dict:
    """Density of each layer after ``t`` rounds: ``(1 - p)^t`` (t may be fractional)."""
    return {n: (1 - p) ** t for n, p in rates.items()}


def density_target(alpha: float) -> float:
    """The comparison's target density ``10^(-alpha)`` (as a fraction)."""
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    return 10.0 ** (-alpha)


def rounds_for_density(
    target: float, rates: dict | None = None, sizes: dict | None = None, p_global: float | None = None
) -> float:
    """The (fractional) number of rounds ``t*`` after which the overall density
    equals ``target``: ``(1-p)^t* = target`` for global pruning, or
    ``sum_l N_l (1-p_l)^t* = target * sum_l N_l`` for layer-wise rates."""
    if not 0 < target <= 1:
        raise ValueError(f"target density must be in (0, 1], got {target}")
    if p_global is not None:
        return math.log(target) / math.log(1 - p_global)
    total = sum(sizes.values())

    def overall(t):
        return sum(sizes[n] * (1 - p) ** t for n, p in rates.items()) / total

    lo, hi = 0.0, 1.0
    while overall(hi) > target:
        hi *= 2
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if overall(mid) > target else (lo, mid)
    return hi
