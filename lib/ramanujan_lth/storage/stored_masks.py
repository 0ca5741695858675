"""Every round's masks of a stored run, in one small file (``masks.npz``).

A run's masks are nested — a weight pruned at one round never comes back —
so a whole run fits in one number per weight: the last round at which it is
still in the mask (-1 for a weight the first mask already lacks; stored as
``uint8`` + 1, so 0 means never present). Round ``t``'s mask is then
``last_round >= t``. Compressed, a LeNet-300-100 run of 22 rounds takes about
a hundred kB, so any graph measure can be computed later from the stored
results without retraining (:func:`read`).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from ramanujan_lth.storage import paths

__all__ = ["MASKS_FILE", "encode", "decode", "write", "read", "has_masks"]

MASKS_FILE = paths.MASKS


def encode(masks_by_round: dict) -> dict:
    """``{round: {layer: 0/1 array}}`` (rounds 0 .. n-1) -> arrays to store.

    Raises ``ValueError`` if the masks are not nested or rounds are missing."""
    rounds = sorted(masks_by_round)
    if rounds != list(range(len(rounds))):
        raise ValueError(f"masks of rounds 0 .. {len(rounds) - 1} expected, got rounds {rounds}")
    if len(rounds) > 254:
        raise ValueError("at most 254 rounds fit in the stored encoding")
    layers = list(masks_by_round[0])
    out = {"__meta__": np.frombuffer(json.dumps({"rounds": len(rounds), "layers": layers}).encode(), dtype=np.uint8)}
    for layer in layers:
        first = np.asarray(masks_by_round[0][layer]).astype(bool)
        last = np.where(first, 0, -1).astype(np.int16)
        alive = first
        for t in rounds[1:]:
            m = np.asarray(masks_by_round[t][layer]).astype(bool)
            if np.any(m & ~alive):
                raise ValueError(f"layer {layer!r}: round {t}'s mask revives pruned weights; masks must be nested")
            last[m] = t
            alive = m
        out[layer] = (last + 1).astype(np.uint8)
    return out


def decode(arrays: dict) -> dict:
    """The inverse of :func:`encode`: ``{round: {layer: bool array}}``."""
    meta = json.loads(bytes(np.asarray(arrays["__meta__"], dtype=np.uint8)).decode())
    last = {layer: np.asarray(arrays[layer]).astype(np.int16) - 1 for layer in meta["layers"]}
    return {t: {layer: v >= t for layer, v in last.items()} for t in range(meta["rounds"])}


def write(folder, masks_by_round: dict) -> Path:
    """Store the masks under ``folder`` (atomically: a temporary file, then a rename)."""
    path = Path(folder) / MASKS_FILE
    buf = io.BytesIO()
    np.savez_compressed(buf, **encode(masks_by_round))
    tmp = path.with_name(f".{MASKS_FILE}.tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)
    return path


def has_masks(folder) -> bool:
    return (Path(folder) / MASKS_FILE).is_file()


def read(folder) -> dict:
    """``{round: {layer: bool array of the weight's shape}}`` of a stored run."""
    path = Path(folder) / MASKS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: the run was stored without its masks")
    with np.load(path) as z:
        return decode({k: z[k] for k in z.files})
