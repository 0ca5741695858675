"""Iteration-based Adam training with masks (book/methods.md §3-4).

Batches of 60 are drawn on the training device from :class:`TensorData`;
pruned weights get no gradient and are re-zeroed after every step, so they
stay exactly zero. The same seed gives bit-identical results on the CPU.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from ramanujan_lth.catalog import BATCH_SIZE, DEFAULTS, PRECISIONS
from ramanujan_lth.networks.data import TensorData, noisy
from ramanujan_lth.networks.models import prunable_layers
from ramanujan_lth.networks.prune import apply_masks

__all__ = ["DEFAULTS", "train", "evaluate", "apply_masks", "TrainResult", "PRECISIONS"]


@torch.no_grad()
def evaluate(model: nn.Module, data: TensorData, sigma: float = 0.0, seed: int = 0, batch_size: int = 2000) -> float:
    """Test accuracy (fraction) on the clean test set, or on a noisy copy with
    Gaussian noise of std ``sigma`` added to the [0, 1] pixels (seeded)."""
    was_training = model.training
    model.eval()
    g = torch.Generator().manual_seed(seed)
    correct = 0
    for i in range(0, len(data.y_test), batch_size):
        x = data.x_test[i : i + batch_size]
        x = noisy(x, sigma, g) if sigma else x
        correct += (model(data.normalize(x)).argmax(1) == data.y_test[i : i + batch_size]).sum().item()
    model.train(was_training)
    return correct / len(data.y_test)


@dataclass
class TrainResult:
    history: list = field(default_factory=list)  # [{"iteration", "loss", "accuracy"}]
    rewind_state: dict | None = None  # weights at the rewind iteration, when asked


def check_settings(iterations: int, lr: float, precision: str, rewind_iteration: int | None) -> None:
    """Refuse, before any training, settings no training can run with."""
    if iterations < 1:
        raise ValueError(f"iterations must be positive, got {iterations}")
    if lr <= 0:
        raise ValueError(f"lr must be positive, got {lr}")
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if rewind_iteration is not None and rewind_iteration > iterations:
        raise ValueError(f"rewind iteration {rewind_iteration} is past the last iteration {iterations}")


def uses_channels_last(model: nn.Module, precision: str) -> bool:
    """Whether training keeps ``model`` in channels-last memory: in bf16, when it has a convolution."""
    return precision == "bf16" and any(isinstance(m, nn.Conv2d) for m in model.modules())


def step(model: nn.Module, opt, x, y, masks: dict, layers: dict, low: bool, channels_last: bool):
    """One training step: forward (bfloat16 autocast when ``low``), cross-entropy in float32,
    backward, the masked weights' gradients zeroed, Adam, the masks applied again; returns the loss.
    :func:`train` runs it, and :mod:`ramanujan_lth.networks.estimates` times it."""
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    opt.zero_grad(set_to_none=True)
    with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=low):
        logits = model(x)
    loss = F.cross_entropy(logits.float(), y)
    loss.backward()
    for name, mask in masks.items():
        layers[name].weight.grad.mul_(mask)
    opt.step()
    apply_masks(model, masks)
    return loss


def train(
    model: nn.Module,
    data: TensorData,
    iterations: int,
    lr: float,
    batch_size: int = BATCH_SIZE,
    masks: dict | None = None,
    seed: int = 0,
    eval_every: int | None = None,
    rewind_iteration: int | None = None,
    progress: bool = True,
    desc: str = "train",
    precision: str = "fp32",
) -> TrainResult:
    """Train ``model`` in place with Adam for ``iterations`` steps.

    ``masks``: layer name -> 0/1 tensor; masked weights stay exactly zero.
    ``eval_every``: test accuracy every so many iterations (and at the end).
    ``rewind_iteration``: return a copy of the weights at that iteration
    (0 = before the first step) for lottery-ticket rewinding.
    """
    check_settings(iterations, lr, precision, rewind_iteration)
    device = data.device
    model.to(device).train()
    low = precision == "bf16"
    channels_last = uses_channels_last(model, precision)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    masks = {k: v.to(device) for k, v in (masks or {}).items()}
    apply_masks(model, masks)
    layers = dict(prunable_layers(model))
    for name in masks:
        if name not in layers:
            raise ValueError(f"mask for unknown layer {name!r}; layers are {list(layers)}")
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    result = TrainResult()
    if rewind_iteration == 0:
        result.rewind_state = copy.deepcopy(model.state_dict())
    stream = data.batches(batch_size, seed)
    bar = tqdm(range(1, iterations + 1), desc=desc, disable=not progress, leave=False, mininterval=1.0)
    for it in bar:
        loss = step(model, opt, *next(stream), masks, layers, low, channels_last)
        if rewind_iteration is not None and it == rewind_iteration:
            result.rewind_state = copy.deepcopy(model.state_dict())
        if eval_every and (it % eval_every == 0 or it == iterations):
            acc = evaluate(model, data)
            result.history.append({"iteration": it, "loss": loss.item(), "accuracy": acc})
            bar.set_postfix(loss=f"{loss.item():.3f}", acc=f"{acc:.4f}")
    if channels_last:
        model.to(memory_format=torch.contiguous_format)
    return result
