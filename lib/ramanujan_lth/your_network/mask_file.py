"""One round's masks of any network, in a file other code can read (``*.mask.npz``).

The file is a NumPy ``.npz`` archive with one boolean array per pruned
weight, keyed by the weight's parameter name in the model
(``layer3.0.conv1.weight``; a ``MultiheadAttention``'s packed
``in_proj_weight`` is one array). ``True`` keeps a weight. Any language
that reads ``.npz`` reads it; :func:`apply` puts it on a PyTorch model with
``torch.nn.utils.prune.custom_from_mask``.

Its name ends in ``.mask.npz`` so that it is never taken for a stored run's
``masks.npz`` (:mod:`ramanujan_lth.storage.stored_masks`: every round of one run of
the book's own models in one compact code); :func:`from_run` turns one round
of either kind of run folder into this format.

Examples
--------
>>> import numpy as np, tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> path = write(folder / "tiny.mask.npz", {"fc.weight": np.eye(3)})
>>> read(path)["fc.weight"].sum()
np.int64(3)
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["SUFFIX", "write", "read", "from_run", "of_model", "apply"]

#: every portable mask file's name ends with this
SUFFIX = ".mask.npz"


def _as_bool(name: str, mask) -> np.ndarray:
    from ramanujan_lth.maths.spectral import to_numpy

    m = to_numpy(mask)
    if not np.isin(m, (0.0, 1.0)).all():
        raise ValueError(f"mask {name!r} must hold only 0 and 1 (or booleans)")
    return m.astype(bool)


def write(path, masks: dict) -> Path:
    """Write ``{parameter name: 0/1 or boolean array}`` to ``path`` (which must
    end in ``.mask.npz``), atomically."""
    path = Path(path)
    if not path.name.endswith(SUFFIX):
        raise ValueError(f"{path}: a portable mask file's name ends in {SUFFIX}")
    if not masks:
        raise ValueError("no masks to write")
    arrays = {name: _as_bool(name, m) for name, m in masks.items()}
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)
    return path


def read(path) -> dict:
    """``{parameter name: boolean array}`` of a ``.mask.npz`` file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such mask file")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: not a .npz mask file (not a zip archive)")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (ValueError, OSError, zipfile.BadZipFile) as err:
        raise ValueError(f"{path}: not a .npz mask file ({err})") from None
    if "__meta__" in arrays:
        raise ValueError(
            f"{path} holds every round of a stored run (its masks.npz): write one round as a "
            f"{SUFFIX} file with 'python -m ramanujan_lth export {path.parent} --mask-round R'"
        )
    if not arrays:
        raise ValueError(f"{path}: the file holds no masks")
    return {name: _as_bool(name, a) for name, a in arrays.items()}


def from_run(folder, round: int) -> dict:
    """The masks a run of the book trained with at ``round``, keyed by
    parameter name: from a stored run (``book/results/<run>``, its
    ``masks.npz``) or a run folder under ``runs/`` (``rounds/<t>.pt``)."""
    from ramanujan_lth.storage import paths, stored_masks

    folder = Path(folder)
    if stored_masks.has_masks(folder):
        by_round = stored_masks.read(folder)
        if round not in by_round:
            raise ValueError(f"{folder}: round {round} is not stored (rounds 0 .. {len(by_round) - 1})")
        layers = by_round[round]
    else:
        f = paths.round_masks(folder, round)
        if not f.is_file():
            raise FileNotFoundError(f"{folder}: no masks of round {round} (neither {stored_masks.MASKS_FILE} nor {f})")
        from ramanujan_lth.storage.run_files import read_masks

        layers = {n: m.numpy() for n, m in read_masks(f).items()}
    return {f"{name}.weight": np.asarray(m).astype(bool) for name, m in layers.items()}


def of_model(model) -> dict:
    """The masks ``torch.nn.utils.prune`` keeps on ``model`` (its ``*_mask``
    buffers), keyed by parameter name."""
    out = {}
    for mod_name, module in model.named_modules():
        for buf_name, buf in module.named_buffers(recurse=False):
            if buf_name.endswith("_mask") and hasattr(module, buf_name[: -len("_mask")] + "_orig"):
                key = f"{mod_name}.{buf_name[: -len('_mask')]}" if mod_name else buf_name[: -len("_mask")]
                out[key] = buf.detach().cpu().numpy().astype(bool)
    return out


def apply(model, masks: dict):
    """Prune ``model`` in place by ``masks`` (``{parameter name: array}``,
    e.g. from :func:`read`) with ``torch.nn.utils.prune.custom_from_mask``;
    returns the model. Every name must be a parameter of the model with the
    mask's shape."""
    import torch
    from torch.nn.utils import prune

    params = dict(model.named_parameters())
    for name, mask in masks.items():
        mod_name, _, attr = name.rpartition(".")
        target = params.get(name) if name in params else params.get(f"{name}_orig")
        if target is None:
            raise ValueError(f"mask {name!r} matches no parameter of the model")
        m = _as_bool(name, mask)
        if m.shape != tuple(target.shape):
            raise ValueError(f"mask {name!r} has shape {m.shape}, the parameter {tuple(target.shape)}")
        module = model.get_submodule(mod_name)
        if hasattr(module, f"{attr}_orig"):
            prune.remove(module, attr)
        prune.custom_from_mask(module, attr, torch.as_tensor(m, device=target.device))
    return model
