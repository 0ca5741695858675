"""Train several seeds of one configuration together (issue: speed at full scale).

The seeds' networks are stacked along a leading dimension and run through one
vectorised forward/backward pass (``torch.func.vmap`` over
``functional_call``). Each seed keeps its own initialisation, batch order and
mask, and the loss is the sum of the seeds' own mean losses, so no seed's
gradient depends on another's; Adam acts element by element, so one Adam over
the stacked tensors is S independent Adams. The result is the same training as
:func:`ramanujan_lth.networks.train.train` seed by seed, up to floating-point
summation order (batched kernels add in another order).

``precision="bf16"`` runs the vectorised forward and backward under
bfloat16 autocast with float32 master weights and Adam state, as
:func:`ramanujan_lth.networks.train.train` does.

Models with batch norm (VGG19) are not supported: their running statistics
are updated in place, which ``vmap`` cannot do; they train one seed at a time.
"""

from __future__ import annotations

import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, stack_module_state, vmap
from tqdm.auto import tqdm

from ramanujan_lth.networks.data import TensorData
from ramanujan_lth.networks.models import prunable_layers
from ramanujan_lth.networks.prune import apply_masks
from ramanujan_lth.networks.train import BATCH_SIZE, TrainResult, check_settings

__all__ = ["supports_batching", "train_seeds"]


def supports_batching(model: nn.Module) -> bool:
    """Whether ``model`` can be trained with :func:`train_seeds` (no batch norm)."""
    return not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


def train_seeds(
    models: list[nn.Module],
    data: TensorData,
    iterations: int,
    lr: float,
    seeds: list[int],
    masks: list[dict] | None = None,
    batch_size: int = BATCH_SIZE,
    rewind_iteration: int | None = None,
    progress: bool = True,
    desc: str = "train seeds",
    precision: str = "fp32",
) -> list[TrainResult]:
    """Train each ``models[i]`` in place with its own batch stream
    ``seeds[i]`` and mask ``masks[i]``, all in one vectorised loop.

    Same arguments and results as :func:`ramanujan_lth.networks.train.train`, one per
    model (the loss history is not recorded: evaluate afterwards).
    """
    n = len(models)
    if n == 0:
        raise ValueError("no models to train")
    if len(seeds) != n:
        raise ValueError(f"{n} models but {len(seeds)} seeds")
    masks = masks if masks is not None else [{} for _ in models]
    if len(masks) != n:
        raise ValueError(f"{n} models but {len(masks)} masks")
    check_settings(iterations, lr, precision, rewind_iteration)
    for m in models:
        if not supports_batching(m):
            raise ValueError(
                f"{type(m).__name__} has batch norm, which batched training does not support; "
                "train its seeds one at a time"
            )
    shapes = [[(k, tuple(v.shape)) for k, v in m.state_dict().items()] for m in models]
    if any(s != shapes[0] for s in shapes):
        raise ValueError("batched seeds must share one architecture")
    mask_keys = {frozenset(m) for m in masks}
    if len(mask_keys) > 1:
        raise ValueError("every seed needs masks on the same layers")

    device = data.device
    for m, mk in zip(models, masks):
        m.to(device).train()
        apply_masks(m, {k: v.to(device) for k, v in mk.items()})
    layer_names = [name for name, _ in prunable_layers(models[0])]
    for name in next(iter(mask_keys)):
        if name not in layer_names:
            raise ValueError(f"mask for unknown layer {name!r}; layers are {layer_names}")
    # stacked masks, keyed by the parameter they multiply
    dtype = next(models[0].parameters()).dtype
    stacked_masks = {
        f"{name}.weight": torch.stack([mk[name].to(device, dtype) for mk in masks]) for name in next(iter(mask_keys))
    }

    params, buffers = stack_module_state(models)  # leaf tensors [n, ...]
    base = copy.deepcopy(models[0]).to("meta")

    def forward(p, b, x):
        return functional_call(base, (p, b), (x,))

    batched_forward = vmap(forward)
    opt = torch.optim.Adam(list(params.values()), lr=lr)
    results = [TrainResult() for _ in models]

    def snapshot():
        with torch.no_grad():
            for i, r in enumerate(results):
                r.rewind_state = {
                    **{k: v[i].detach().clone() for k, v in params.items()},
                    **{k: v[i].detach().clone() for k, v in buffers.items()},
                }

    if rewind_iteration == 0:
        snapshot()
    streams = [data.batches(batch_size, s) for s in seeds]
    bar = tqdm(range(1, iterations + 1), desc=desc, disable=not progress, leave=False, mininterval=1.0)
    for it in bar:
        xs, ys = zip(*(next(s) for s in streams))
        x, y = torch.stack(xs), torch.stack(ys)
        for p in params.values():
            p.grad = None
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
            logits = batched_forward(params, buffers, x)  # [n, batch, classes]
        loss = F.cross_entropy(logits.float().flatten(0, 1), y.flatten(), reduction="sum") / batch_size
        loss.backward()
        for key, mk in stacked_masks.items():
            params[key].grad.mul_(mk)
        opt.step()
        with torch.no_grad():
            for key, mk in stacked_masks.items():
                params[key].mul_(mk)
        if rewind_iteration is not None and it == rewind_iteration:
            snapshot()
    with torch.no_grad():
        for i, m in enumerate(models):
            m.load_state_dict({**{k: v[i] for k, v in params.items()}, **{k: v[i] for k, v in buffers.items()}})
    return results
