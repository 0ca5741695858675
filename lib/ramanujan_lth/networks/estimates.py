"""How long a training step takes on this machine: the unit of every time estimate.

:func:`seconds_per_iteration` times :func:`ramanujan_lth.networks.train.step`, the
step ``train`` runs (forward, backward, Adam, masks; bf16: autocast and
channels-last for conv nets), on random data. :func:`bf16_note` says, before bf16 training, when this CPU has no
native bfloat16 (no AMX or AVX512-BF16): PyTorch then emulates it, about
ten times slower than float32.
"""

from __future__ import annotations

import time

import torch

from ramanujan_lth.networks.models import build_model

__all__ = ["seconds_per_iteration", "native_bf16", "bf16_note"]

_SPEED: dict = {}


def seconds_per_iteration(model_name: str, device, batch_size: int = 60, precision: str = "fp32") -> float:
    """Measured seconds of one training step (forward, backward, Adam) of
    ``model_name`` on ``device`` with random data, in ``precision`` (bf16:
    autocast and, for conv nets, channels-last, as training does): the unit
    of the estimates. On a CPU the step runs on one thread, as each run does
    when ``reproduce`` trains one per core."""
    key = (model_name, str(device), precision)
    if key not in _SPEED:
        threads = torch.get_num_threads()
        if device.type == "cpu":
            torch.set_num_threads(1)
        try:
            _SPEED[key] = _time_step(model_name, device, batch_size, precision)
        finally:
            torch.set_num_threads(threads)
    return _SPEED[key]


def _time_step(model_name: str, device, batch_size: int, precision: str) -> float:
    """Seconds of one step of :func:`ramanujan_lth.networks.train.step` (the step training runs) on random
    data, averaged over at least a second (or 200 steps)."""
    from ramanujan_lth.networks.models import prunable_layers
    from ramanujan_lth.networks.prune import ones_masks
    from ramanujan_lth.networks.train import step, uses_channels_last

    model = build_model(model_name, seed=0).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    x = torch.randn(batch_size, *model.input_shape, device=device)
    y = torch.randint(0, 10, (batch_size,), device=device)
    low = precision == "bf16"
    channels_last = uses_channels_last(model, precision)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    masks = {n: m.to(device) for n, m in ones_masks(model).items()}
    layers = dict(prunable_layers(model))

    def one():
        step(model, opt, x, y, masks, layers, low, channels_last)

    one()
    one()
    if device.type == "cuda":
        torch.cuda.synchronize()
    n, t0 = 0, time.perf_counter()
    while n < 3 or (time.perf_counter() - t0 < 1.0 and n < 200):
        one()
        n += 1
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) / n


def native_bf16(device) -> bool:
    """Whether ``device`` computes in bfloat16 natively (a CPU with AMX or
    AVX512-BF16, or a GPU that supports it)."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return True


def bf16_note(model_name: str, device) -> str | None:
    """One line when bf16 training of ``model_name`` on ``device`` is emulated:
    both step times measured here, and the choices; None where bf16 is native."""
    if native_bf16(device):
        return None
    low = seconds_per_iteration(model_name, torch.device(device), precision="bf16")
    full = seconds_per_iteration(model_name, torch.device(device), precision="fp32")
    return (
        f"this CPU has no native bfloat16 (no AMX or AVX512-BF16): a {model_name} step takes {low:.2f} s in bf16 "
        f"against {full:.2f} s in fp32 here ({low / full:.0f}x slower); train in fp32 (--precision fp32, a "
        "different run), or on a machine with AMX / AVX512-BF16 or a GPU"
    )
