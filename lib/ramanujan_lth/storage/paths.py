"""The files of a run folder, named in one place (imports no torch).

A run folder ``<runs dir>/<model>-<dataset>-<kind>-s<seed>-<hash>/`` holds:

* ``params.json``: the resolved parameters, the data sizes, where it forked from;
* ``records.json``: one record per finished round (rewritten atomically);
* ``checkpoint.pt``: masks, rewind weights and records after the last round;
* ``timings.json``: seconds per round (kept out of the records);
* ``provenance.json``: where it ran, one session per start or resume (torch,
  CPU capability, threads, device, precision; :mod:`ramanujan_lth.storage.provenance`),
  kept out of its identity;
* ``rounds/<t>.pt``: the masks round ``t`` started from (bit-packed), and
  ``rounds/<t>.trained.pt``: the weights it trained to (small models);
* ``running.lock``: while a process trains the run;
* ``masks.npz``: in a stored copy (``book/results``) and in a parked one
  (``book/parked``, an unfinished run kept to resume elsewhere), every round's masks.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "PARAMS",
    "RECORDS",
    "CHECKPOINT",
    "TIMINGS",
    "PROVENANCE",
    "ROUNDS_DIR",
    "LOCK",
    "MASKS",
    "PARKED",
    "stored_root",
    "parked_root",
    "round_masks",
    "trained",
    "pid_alive",
]

PARAMS = "params.json"
RECORDS = "records.json"
CHECKPOINT = "checkpoint.pt"
TIMINGS = "timings.json"
PROVENANCE = "provenance.json"
ROUNDS_DIR = "rounds"
LOCK = "running.lock"
MASKS = "masks.npz"
#: the book's folder of parked runs (``book/parked``), beside ``book/results``
PARKED = "parked"


def stored_root(book) -> Path:
    """The folder of the finished runs stored with the book at ``book`` (``book/results``)."""
    return Path(book) / "book" / "results"


def parked_root(book) -> Path:
    """The folder of the unfinished runs parked in the book at ``book`` (``book/parked``)."""
    return Path(book) / "book" / PARKED


def round_masks(folder, t: int) -> Path:
    """The masks round ``t`` of the run in ``folder`` started from."""
    return Path(folder) / ROUNDS_DIR / f"{t}.pt"


def trained(folder, t: int) -> Path:
    """The weights round ``t`` of the run in ``folder`` trained to."""
    return Path(folder) / ROUNDS_DIR / f"{t}.trained.pt"


def pid_alive(pid) -> bool:
    """Whether a process with this id runs on this machine (a run lock's holder)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
