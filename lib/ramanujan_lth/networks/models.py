"""The paper's networks (book/methods.md §3), built by name from a small registry.

``build_model("lenet_300_100")``, ``"conv2"``, ``"conv4"``, ``"conv6"``,
``"vgg19"``.  Weights are Kaiming-normal initialised, biases zero.
:func:`prunable_layers` lists the Linear and Conv2d layers in forward order;
the last one is the output layer (it has its own pruning rate).
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn as nn

__all__ = ["build_model", "prunable_layers", "output_layer", "MODELS", "register"]

MODELS: dict[str, Callable[..., nn.Module]] = {}


def register(name: str):
    def deco(fn):
        MODELS[name] = fn
        return fn

    return deco


def _init(model: nn.Module) -> nn.Module:
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_normal_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    return model


def _mlp(sizes: list[int], prefix: str = "fc", start: int = 1) -> list[tuple[str, nn.Module]]:
    layers: list[tuple[str, nn.Module]] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append((f"{prefix}{start + i}", nn.Linear(a, b)))
        if i < len(sizes) - 2:
            layers.append((f"relu_{prefix}{start + i}", nn.ReLU()))
    return layers


class Net(nn.Sequential):
    """An ``nn.Sequential`` with named layers and the input shape it expects."""

    def __init__(self, layers, input_shape: tuple[int, ...], name: str):
        from collections import OrderedDict

        super().__init__(OrderedDict(layers))
        self.input_shape = input_shape


@register("lenet_300_100")
def lenet_300_100(num_classes: int = 10) -> Net:
    layers = [("flatten", nn.Flatten())] + _mlp([784, 300, 100, num_classes])
    return Net(layers, (1, 28, 28), "lenet_300_100")


def _conv_net(widths: list[int], name: str, num_classes: int = 10) -> Net:
    layers: list[tuple[str, nn.Module]] = []
    c_in, side = 3, 32
    for i, c_out in enumerate(widths):
        layers += [(f"conv{i + 1}", nn.Conv2d(c_in, c_out, 3, padding=1)), (f"relu_conv{i + 1}", nn.ReLU())]
        c_in = c_out
        if i % 2 == 1:
            layers.append((f"pool{i // 2 + 1}", nn.MaxPool2d(2)))
            side //= 2
    layers.append(("flatten", nn.Flatten()))
    layers += _mlp([c_in * side * side, 256, 256, num_classes])
    return Net(layers, (3, 32, 32), name)


@register("conv2")
def conv2(num_classes: int = 10) -> Net:
    return _conv_net([64, 64], "conv2", num_classes)


@register("conv4")
def conv4(num_classes: int = 10) -> Net:
    return _conv_net([64, 64, 128, 128], "conv4", num_classes)


@register("conv6")
def conv6(num_classes: int = 10) -> Net:
    return _conv_net([64, 64, 128, 128, 256, 256], "conv6", num_classes)


_VGG19 = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]


@register("vgg19")
def vgg19(num_classes: int = 10) -> Net:
    """The CIFAR-10 VGG19 with batch norm (as in open_lth): 16 conv layers, one FC."""
    layers: list[tuple[str, nn.Module]] = []
    c_in, k, p = 3, 0, 0
    for v in _VGG19:
        if v == "M":
            p += 1
            layers.append((f"pool{p}", nn.MaxPool2d(2)))
            continue
        k += 1
        layers += [
            (f"conv{k}", nn.Conv2d(c_in, v, 3, padding=1)),
            (f"bn{k}", nn.BatchNorm2d(v)),
            (f"relu{k}", nn.ReLU()),
        ]
        c_in = v
    layers += [("flatten", nn.Flatten()), ("fc1", nn.Linear(512, num_classes))]
    return Net(layers, (3, 32, 32), "vgg19")


def build_model(name: str, seed: int | None = None, **kwargs) -> Net:
    """Build a registered model; ``seed`` makes the initialisation reproducible."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(MODELS)}")
    if seed is not None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return _init(MODELS[name](**kwargs))
    return _init(MODELS[name](**kwargs))


def prunable_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """``(name, module)`` of every Linear and Conv2d layer, in forward order."""
    return [(n, m) for n, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))]


def output_layer(model: nn.Module) -> str:
    """Name of the output layer: the last prunable layer."""
    layers = prunable_layers(model)
    if not layers:
        raise ValueError("the model has no prunable layer")
    return layers[-1][0]
