"""Writing and reading the files of a run folder (their names: :mod:`ramanujan_lth.storage.paths`).

Every file is written atomically (a temporary file, flushed, then renamed),
so a killed process leaves the old file or the new one, never half of one.
A folder being trained holds a lock file naming its process
(:func:`take_lock`). A round's masks are stored bit-packed
(:func:`save_masks`, :func:`read_masks`).
"""

from __future__ import annotations

import json
import os
import pickle
import socket
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import torch

from ramanujan_lth.storage import paths
from ramanujan_lth.storage.paths import pid_alive

__all__ = ["atomic_write", "write_json", "save_masks", "read_masks", "DamagedFile", "RunInUse", "take_lock"]


def atomic_write(path: Path, write) -> None:
    """Call ``write(f)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_json(path: Path, obj) -> None:
    atomic_write(path, lambda f: f.write(json.dumps(obj, indent=1, sort_keys=True).encode()))


class DamagedFile(ValueError):
    """A run's file that cannot be read (truncated, or not what its name says)."""


def save_masks(path: Path, masks: dict) -> None:
    """Write one round's masks (layer -> 0/1 tensor), bit-packed."""
    packed = {n: (tuple(m.shape), np.packbits(m.detach().cpu().numpy().astype(bool).ravel())) for n, m in masks.items()}
    atomic_write(path, lambda f: torch.save(packed, f))


def read_masks(path: Path) -> dict:
    """The masks of a ``rounds/<t>.pt`` file, layer -> bool tensor; raises
    :class:`DamagedFile` when the file cannot be read as one."""
    try:
        packed = torch.load(path, map_location="cpu", weights_only=False)
        return {
            n: torch.from_numpy(np.unpackbits(bits, count=int(np.prod(shape))).astype(bool).reshape(shape))
            for n, (shape, bits) in packed.items()
        }
    except (RuntimeError, EOFError, ValueError, TypeError, AttributeError, pickle.UnpicklingError, zipfile.BadZipFile):
        raise DamagedFile(f"{path} is damaged (truncated, or not a round's masks)") from None


class RunInUse(RuntimeError):
    """The run is being trained by another live process on this machine."""


def take_lock(folder: Path) -> Path:
    """Take ``folder``'s run lock, or raise :class:`RunInUse` when a live
    process on this machine holds it. A lock whose process is gone, or that
    came from another machine (a copied folder), is taken over."""
    lock = folder / paths.LOCK
    me = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%d %H:%M:%S")}
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                held = json.loads(lock.read_text())
            except (OSError, ValueError):  # being written this instant, or torn: look again
                held = {}
                time.sleep(0.05)
            if held and held.get("host") == me["host"] and held.get("pid") != me["pid"] and pid_alive(held.get("pid")):
                raise RunInUse(
                    f"run {folder} is being trained by process {held['pid']} on this machine (since "
                    f"{held.get('since', '?')}); wait for it to finish or stop it. If no such process "
                    f"runs this experiment, delete {lock}."
                )
            if held:  # stale: its process is gone, it is this process's own, or it came from another machine
                lock.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as f:
            json.dump(me, f)
        return lock
    raise RunInUse(f"could not take the lock {lock}; if no process runs this experiment, delete it")
