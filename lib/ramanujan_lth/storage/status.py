"""Where the runs under a runs dir stand: ``python -m ramanujan_lth status``.

One row per run folder: what it is, how many of its trainings are done,
where it got to (density, accuracy), whether a process is training it now
(from its ``running.lock``), for an unfinished run roughly how long the
rest takes at its recent pace, and where it ran (:func:`ramanujan_lth.storage.provenance.describe`,
"not recorded" for runs from before ``provenance.json``). Reads the folders' JSON files only; a folder
being written this instant is shown as it was a moment before.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import numpy as np
import pandas as pd

from ramanujan_lth.labels import SCORE_LABELS
from ramanujan_lth.storage import paths, provenance
from ramanujan_lth.storage.paths import pid_alive

__all__ = ["run_status", "describe_params"]

_DEFAULT_P_OUT = 0.1


def describe_params(p: dict) -> str:
    """A short name for a run's parameters: 'SNIP-Bound (≤60 rounds)', 'IMP α=2', 'IMP to 1.2 %, p_out=0.2',
    'biregular control of round 7', 'IMP α=2, bf16'."""
    if p.get("control"):
        return f"{p['control']} control of round {p['control_round']}" + _precision(p)
    name = SCORE_LABELS.get(p["score"], p["score"]) + ("-Bound" if p.get("bound") else "")
    if p.get("bound_criteria"):
        name += " under " + "/".join(p["bound_criteria"])
    if p.get("alpha") is not None:
        name += f" α={p['alpha']:g}"
    elif p.get("density") is not None:
        name += f" to {100 * p['density']:.3g} %"
    else:
        name += f" ({'≤' if p.get('bound') else ''}{p['rounds']} rounds)"
    extra = [f"p_out={p['p_out']:g}"] if p.get("p_out", _DEFAULT_P_OUT) != _DEFAULT_P_OUT else []
    if p.get("schedule", "layerwise") != "layerwise":
        extra.append(p["schedule"])
    return ", ".join([name] + extra) + _precision(p)


def _precision(p: dict) -> str:
    return f", {p['precision']}" if p.get("precision", "fp32") != "fp32" else ""


def _read(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _state(folder: Path, complete: bool) -> str:
    if complete:
        return "finished"
    lock = _read(folder / paths.LOCK)
    if lock and lock.get("host") == socket.gethostname() and pid_alive(lock.get("pid")):
        return f"running (pid {lock['pid']}, since {lock.get('since', '?')})"
    return "stopped (resumes from its checkpoint)"


def run_status(runs_dir, unfinished_only: bool = False) -> pd.DataFrame:
    """One row per run folder under ``runs_dir`` (those with a ``params.json``):
    run, model, what, iterations, rounds recorded / planned (round 0, the
    dense network, included; a fork's copied rounds count), last density and
    accuracy, state, the estimated time left (``≤`` for a ``-Bound`` run,
    which may stop before its round cap) and where it ran (``provenance``). Running runs first, then stopped,
    then finished, then folders whose ``params.json`` this library cannot
    read; newest first within each."""
    rows = []
    for folder in sorted(Path(runs_dir).glob("*/params.json")):
        folder = folder.parent
        meta, stored = _read(folder / paths.PARAMS), _read(folder / paths.RECORDS)
        try:
            p, records = meta["params"], (stored or {}).get("records", [])
            what, model, planned = describe_params(p), p["model"], meta.get("rounds", p["rounds"]) + 1
        except (TypeError, KeyError, ValueError):  # not a run folder of this library, or a damaged one
            rows.append(
                {
                    "run": folder.name,
                    "model": "?",
                    "what": "unreadable params.json",
                    "iterations": np.nan,
                    "rounds done": "",
                    "density": np.nan,
                    "accuracy": np.nan,
                    "state": "not a run folder (or damaged): skipped",
                    "time left": "",
                    "provenance": "",
                    "_order": 3,
                    "_mtime": 0.0,
                }
            )
            continue
        complete = bool((stored or {}).get("complete"))
        if unfinished_only and complete:
            continue
        seconds = ((_read(folder / paths.TIMINGS) or {}).get("seconds_per_round") or [])[-5:]
        left = 0 if complete else max(planned - len(records), 0)
        eta = (
            f"{'≤' if p.get('bound') else ''}{left * float(np.median(seconds)) / 60:.0f} min"
            if left and seconds
            else ""
        )
        last, state = (records[-1] if records else {}), _state(folder, complete)
        rows.append(
            {
                "run": folder.name,
                "model": model,
                "what": what,
                "iterations": p["iterations"],
                "rounds done": f"{len(records)}/{len(records) if complete else planned}",
                "density": last.get("density", np.nan),
                "accuracy": last.get("accuracy", np.nan),
                "state": state,
                "time left": eta,
                "provenance": provenance.describe(provenance.of(folder)),
                "_order": 0 if state.startswith("running") else 1 if not complete else 2,
                "_mtime": (folder / paths.RECORDS).stat().st_mtime if stored else 0.0,
            }
        )
    cols = [
        "run",
        "model",
        "what",
        "iterations",
        "rounds done",
        "density",
        "accuracy",
        "state",
        "time left",
        "provenance",
    ]
    if not rows:
        return pd.DataFrame(columns=cols)
    frame = pd.DataFrame(rows).sort_values(["_order", "_mtime"], ascending=[True, False])
    return frame[cols].reset_index(drop=True)
