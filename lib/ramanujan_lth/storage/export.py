"""A finished run copied into the book (``book/results/<run folder>/``).

The copy holds the run's parameters, records, timings and provenance
(:mod:`ramanujan_lth.storage.provenance`, when the run kept one), never its
checkpoint, and every round's masks in one small file
(:mod:`ramanujan_lth.storage.stored_masks`) when the run folder still has them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ramanujan_lth.maths import metrics
from ramanujan_lth.storage import paths, stored_masks
from ramanujan_lth.storage.params import RunResult
from ramanujan_lth.storage.run_files import read_masks

__all__ = ["export_run"]


def export_run(result: RunResult, root) -> Path:
    """Copy a finished run's records, timings and provenance (not its checkpoint) under ``root``, with
    every round's masks (:mod:`ramanujan_lth.storage.stored_masks`) when the run
    folder still has them. Records from before the later graph measures
    (:mod:`ramanujan_lth.maths.metrics`) gain them from those masks."""
    if not result.complete:
        raise ValueError(f"run {result.folder} is not finished; only complete runs are stored")
    src_dir = Path(result.folder)
    dest = Path(root) / src_dir.name
    dest.mkdir(parents=True, exist_ok=True)
    masks = _round_masks(src_dir, len(result.records))
    for name in (paths.PARAMS, paths.TIMINGS, paths.PROVENANCE):
        if (src_dir / name).exists():
            shutil.copyfile(src_dir / name, dest / name)
    if not (src_dir / paths.PROVENANCE).exists():  # an older export's would describe other records
        (dest / paths.PROVENANCE).unlink(missing_ok=True)
    stored = json.loads((src_dir / paths.RECORDS).read_text())
    if masks is not None:
        stored["records"] = metrics.backfill(stored["records"], masks)
        stored_masks.write(dest, masks)
    tmp = dest / ".records.json.tmp"
    tmp.write_text(json.dumps(stored, indent=1, sort_keys=True))
    tmp.replace(dest / paths.RECORDS)
    return dest


def _round_masks(folder: Path, n_rounds: int) -> dict | None:
    """Each round's masks from a run folder (``rounds/<t>.pt``), None when any is missing."""
    files = [paths.round_masks(folder, t) for t in range(n_rounds)]
    if not all(f.exists() for f in files):
        return None
    return {t: {n: m.numpy().astype(bool) for n, m in read_masks(f).items()} for t, f in enumerate(files)}
