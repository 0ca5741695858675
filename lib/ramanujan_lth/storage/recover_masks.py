"""Masks for a stored run that kept none: train it again, and keep them only if every stored value comes back.

The book's first stored runs (LeNet-300-100's ten tickets among them) were
exported before runs kept their masks, so their records lack the measures
that need a mask (r, IMDB, NaRC: :mod:`ramanujan_lth.maths.metrics`).
Training is a function of the parameters on a CPU (a resumed run's records
equal an uninterrupted run's, bit for bit), so :func:`recover` trains the run
again under the runs dir, compares each round with the stored record as soon
as the round is written, and stops at the first value that differs. Only a
run whose every stored value came back exactly is stored again
(:func:`ramanujan_lth.storage.export.export_run`), now with every round's
masks and the measures computed from them; otherwise the stored copy is left
as it was.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ramanujan_lth.storage import paths, stored_masks
from ramanujan_lth.storage.export import export_run
from ramanujan_lth.storage.params import load_run

__all__ = ["NotRepeated", "first_difference", "recover"]


class NotRepeated(ValueError):
    """The run trained again does not repeat its stored records; the stored copy is unchanged."""


def first_difference(stored, again, where: str = "") -> str | None:
    """Where ``again`` fails to repeat ``stored`` exactly (JSON values): the
    first value that differs or is missing, as ``path: stored, again``; None
    when every stored value is repeated. Keys only ``again`` has (measures
    added since) are allowed, and so are spectral rows of graphs measured
    since (rows are matched by layer and graph); NaN repeats NaN."""
    if isinstance(stored, dict):
        if not isinstance(again, dict):
            return f"{where or 'record'}: {stored!r} stored, {again!r} again"
        for key in sorted(stored):
            at = f"{where}.{key}" if where else str(key)
            if key not in again:
                return f"{at}: missing again"
            found = first_difference(stored[key], again[key], at)
            if found:
                return found
        return None
    if _rows(stored) and _rows(again):  # spectral rows, by (layer, graph): graphs measured since may join
        by_key = {(row["layer"], row["graph"]): row for row in again}
        for i, row in enumerate(stored):
            key = (row["layer"], row["graph"])
            if key not in by_key:
                return f"{where}[{i}] ({key[0]}, {key[1]}): missing again"
            found = first_difference(row, by_key[key], f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(stored, list):
        if not isinstance(again, list) or len(again) != len(stored):
            n = len(again) if isinstance(again, list) else "no list"
            return f"{where}: {len(stored)} entries stored, {n} again"
        for i, (s, a) in enumerate(zip(stored, again)):
            found = first_difference(s, a, f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(stored, float) and isinstance(again, float) and math.isnan(stored) and math.isnan(again):
        return None
    return None if stored == again else f"{where}: {stored!r} stored, {again!r} again"


def _rows(value) -> bool:
    """A list of spectral rows (each names its layer and graph)."""
    return (
        isinstance(value, list)
        and len(value) > 0
        and all(isinstance(v, dict) and "layer" in v and "graph" in v for v in value)
    )


def _compare(stored: list, again: list, run_folder) -> None:
    for i, (s, a) in enumerate(zip(stored, again)):
        found = first_difference(s, a)
        if found:
            raise NotRepeated(
                f"round {s.get('round', i)} does not come back: {found}; the stored copy is left as it was "
                f"(the run trained again is {run_folder})"
            )


def recover(folder, runs_dir=None, data=None, data_root=None, device=None, progress: bool = True) -> Path | None:
    """Train the finished stored run at ``folder`` (``book/results/<run>``)
    again under ``runs_dir`` and, when every round repeats its stored record
    exactly, store it again with its masks; returns the stored folder, or
    None when it has its masks already. Raises :class:`NotRepeated` at the
    first round that differs (training stops there), or before training when
    these parameters and this data name another run."""
    from ramanujan_lth.storage import runs  # torch

    folder = Path(folder)
    if stored_masks.has_masks(folder):
        return None
    stored = load_run(folder)
    if not stored.complete:
        raise ValueError("not a finished run: only a finished stored run gets its masks back")
    p = stored.params.resolved()
    data = runs.prepare_data(p, data, data_root, device=device)
    here = runs.run_dir(p, data.sizes, runs_dir)
    if here.name != folder.name:
        raise NotRepeated(
            f"its parameters and this data ({data.sizes[0]:,} training, {data.sizes[1]:,} test images) name "
            f"the run {here.name}, not {folder.name}: other data, or parameters whose meaning changed; "
            "nothing was trained"
        )

    def check(run_folder, complete):
        again = json.loads((Path(run_folder) / paths.RECORDS).read_text())["records"]
        _compare(stored.records, again, run_folder)

    result = runs.run(p, runs_dir, data=data, progress=progress, after_round=check)
    _compare(stored.records, result.records, result.folder)
    if len(result.records) != len(stored.records):
        raise NotRepeated(
            f"{len(result.records)} rounds trained again, {len(stored.records)} stored; the stored copy is "
            f"left as it was (the run trained again is {result.folder})"
        )
    return export_run(result, folder.parent)
