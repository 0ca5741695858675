"""Someone else's network: an architecture by name and its weights from a checkpoint file.

``build("torchvision:resnet18")`` builds an architecture (random weights, no
download), ``build("ramanujan_lth:conv4")`` one of the book's, and
``build("package.module:function")`` calls a function of an importable
module. :func:`load` reads a checkpoint into it: a ``state_dict`` (or a dict
holding one under ``state_dict`` / ``model_state_dict`` / ``model``), with or
without ``torch.nn.utils.prune``'s ``*_orig`` / ``*_mask`` names, read with
``torch.load(weights_only=True)``. A file that holds a whole pickled model
is only read with ``trust_pickle=True``: unpickling runs code from the file.
"""

from __future__ import annotations

import difflib
import importlib
import pickle
from pathlib import Path

__all__ = ["build", "load"]

_WRAPPERS = ("state_dict", "model_state_dict", "model")


def build(spec: str):
    """The ``torch.nn.Module`` a model spec names (see the module's docstring)."""
    source, sep, name = spec.partition(":")
    if not sep or not source or not name:
        raise ValueError(
            f"model spec {spec!r}: expected SOURCE:NAME, e.g. torchvision:resnet18, "
            "ramanujan_lth:conv4 or package.module:function"
        )
    if source == "torchvision":
        import torchvision

        names = torchvision.models.list_models()
        if name not in names:
            near = difflib.get_close_matches(name, names, n=3)
            raise ValueError(
                f"torchvision has no model {name!r}" + (f"; did you mean {', '.join(near)}?" if near else "")
            )
        return torchvision.models.get_model(name, weights=None)
    if source == "ramanujan_lth":
        from ramanujan_lth.networks.models import MODELS, build_model

        if name not in MODELS:
            raise ValueError(f"the book has no model {name!r}; choose one of {', '.join(sorted(MODELS))}")
        return build_model(name)
    try:
        module = importlib.import_module(source)
    except ImportError as err:
        raise ValueError(f"model spec {spec!r}: cannot import {source!r} ({err})") from None
    fn = getattr(module, name, None)
    if not callable(fn):
        raise ValueError(f"model spec {spec!r}: {source} has no function {name!r}")
    model = fn()
    from torch import nn

    if not isinstance(model, nn.Module):
        raise ValueError(
            f"model spec {spec!r}: {source}.{name}() returned a {type(model).__name__}, not a torch.nn.Module"
        )
    return model


def _read(path: Path, trust_pickle: bool):
    import torch

    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such checkpoint file")
    try:
        return torch.load(path, map_location="cpu", weights_only=not trust_pickle)
    except pickle.UnpicklingError as err:
        # torch names the class it refused ("Unsupported global: GLOBAL pkg.Class"); other bytes are not a pickle
        if not trust_pickle and "global" in str(err).lower():
            raise ValueError(
                f"{path} holds pickled Python objects (a whole model?), not only tensors: loading it runs code "
                "from the file; pass --trust-pickle (trust_pickle=True) if you trust where it came from"
            ) from None
        raise ValueError(f"{path} is not a PyTorch checkpoint (the unpickler stopped on it)") from None
    except Exception as err:  # torch.load fails in many ways on a file that is not a checkpoint
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ValueError(f"{path} is not a PyTorch checkpoint ({first})") from None


def _state_dict(obj, path: Path) -> dict:
    import torch

    if isinstance(obj, dict):
        for key in _WRAPPERS:
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
        if obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
            if all(k.startswith("module.") for k in obj):  # saved from DataParallel
                obj = {k.removeprefix("module."): v for k, v in obj.items()}
            return dict(obj)
    raise ValueError(
        f"{path} holds a {type(obj).__name__} that is not a state_dict (a mapping from parameter names to tensors, "
        f"directly or under one of {', '.join(_WRAPPERS)})"
    )


def _split_pruned(sd: dict) -> tuple[dict, dict]:
    """A state_dict with prune's ``X_orig``/``X_mask`` pairs as a plain one and the masks."""
    masks, plain = {}, {}
    for k, v in sd.items():
        if k.endswith("_mask") and f"{k[:-5]}_orig" in sd:
            masks[k[:-5]] = v
        elif k.endswith("_orig") and f"{k[:-5]}_mask" in sd:
            plain[k[:-5]] = v
        else:
            plain[k] = v
    return plain, masks


def load(path, model=None, trust_pickle: bool = False):
    """``(model, masks)``: ``model`` with the checkpoint's weights loaded, and
    the masks the checkpoint holds (prune's ``*_mask`` entries, keyed by
    parameter name; empty when it has none). A whole pickled model (only with
    ``trust_pickle``) is returned as it is, and ``model`` may then be None."""
    from torch import nn

    path = Path(path)
    obj = _read(path, trust_pickle)
    if isinstance(obj, nn.Module):
        from ramanujan_lth.your_network import mask_file

        return obj.eval(), mask_file.of_model(obj)
    sd, masks = _split_pruned(_state_dict(obj, path))
    if model is None:
        raise ValueError(f"{path} holds a state_dict: name the architecture it belongs to (--model SPEC)")
    missing, unexpected = _mismatch(model, sd)
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"{len(missing)} of the model's weights missing (e.g. {', '.join(missing[:2])})")
        if unexpected:
            parts.append(f"{len(unexpected)} not in the model (e.g. {', '.join(unexpected[:2])})")
        raise ValueError(f"{path} does not fit this architecture: {'; '.join(parts)}")
    try:
        model.load_state_dict(sd, strict=True)
    except RuntimeError as err:
        detail = next((line.strip() for line in str(err).splitlines()[1:] if line.strip()), str(err))
        raise ValueError(f"{path} does not fit this architecture: {detail}") from None
    return model.eval(), masks


def _mismatch(model, sd: dict) -> tuple[list, list]:
    own = set(model.state_dict())
    return sorted(own - set(sd)), sorted(set(sd) - own)
