"""Where a run ran: ``provenance.json`` beside its parameters, never part of its identity.

The same run (same folder, same ``params.json``) trained with one thread or
two, on a CPU with AMX or one that emulates bfloat16, or under another torch,
gives records that are close but not equal. The run folder therefore keeps,
outside the parameters that name it, one *session* per start or resume:

``{"sessions": [{"round", "started", "torch", "python", "cpu_capability",
"native_bf16", "threads", "device", "precision"}, ...]}``

``round`` is the round the session started training at: session ``i``
computed rounds ``round_i .. round_{i+1} - 1``. A session whose rounds came
from another run (a fork's copied rounds, a replay's trained weights) names
that run (``"run"``). Runs from before this file have none, and a run
resumed since has its first session past round 0: its earlier rounds are
not recorded. :func:`record` appends a session and returns the one line a
resume under another thread count, CPU capability, torch or device says;
:func:`of` reads the record (or :data:`NOT_RECORDED`); :func:`describe` puts
it in a few words and :func:`summary` counts the stored runs by it. Reading
imports no torch.
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import pandas as pd

from ramanujan_lth.storage import paths

__all__ = ["NOT_RECORDED", "collect", "record", "of", "describe", "summary"]

#: what :func:`of` returns for a run folder without (a readable) ``provenance.json``
NOT_RECORDED = "not recorded"
#: the fields of a session that change a run's arithmetic, as a resume's note and :func:`summary` name them
ARITHMETIC = ("torch", "cpu_capability", "threads", "device", "precision")


def collect(device, precision: str) -> dict:
    """This process's session: torch and Python versions, the CPU capability
    torch dispatches to, whether the CPU computes bfloat16 natively, torch's
    thread count, the device (``cpu`` or ``cuda: <name>``) and the training
    precision."""
    import torch

    device = torch.device(device)
    name = f"cuda: {torch.cuda.get_device_name(device)}" if device.type == "cuda" else device.type
    return {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "native_bf16": bool(torch.ops.mkldnn._is_mkldnn_bf16_supported()),
        "threads": torch.get_num_threads(),
        "device": name,
        "precision": precision,
    }


def record(folder, first_round: int | None, device, precision: str, donor=None, rounds_taken: int = 0) -> str | None:
    """Append this process's session, starting at round ``first_round``, to
    ``folder``'s ``provenance.json`` (written atomically). A new run that took
    its first ``rounds_taken`` rounds from run folder ``donor`` (a fork or a
    replay) starts its list with the donor's sessions of those rounds, naming
    it; ``first_round=None`` (a finished copy, nothing trained here) records
    those alone. Returns one line when this session's arithmetic differs
    from that of the sessions whose rounds the run already has, else None."""
    from ramanujan_lth.storage.run_files import write_json

    folder = Path(folder)
    old = of(folder)
    sessions = list(old["sessions"]) if isinstance(old, dict) else []
    if not sessions and donor is not None and rounds_taken:
        theirs = of(donor)
        theirs = theirs["sessions"] if isinstance(theirs, dict) else []
        sessions = [dict(s, run=s.get("run", Path(donor).name)) for s in theirs if s["round"] < rounds_taken]
    note = None
    if first_round is not None:
        here = dict(collect(device, precision), round=first_round)
        note = _note(folder.name, sessions, here)
        sessions.append(here)
    if sessions:
        write_json(folder / paths.PROVENANCE, {"sessions": sessions})
    return note


def _note(name: str, sessions: list, here: dict) -> str | None:
    """The line for a session whose arithmetic differs from that of the last
    of ``sessions`` that finished a round, or None (also when none did)."""
    ends = [s["round"] for s in sessions[1:]] + [here["round"]]
    done = [s for s, end in zip(sessions, ends) if s["round"] < end]
    if not done:
        return None
    last = done[-1]
    differ = [k for k in ARITHMETIC if last.get(k) != here[k]]
    if not differ:
        return None
    now = ", ".join(f"{k} {here[k]}" for k in differ)
    before = ", ".join(f"{k} {last.get(k, '?')}" for k in differ)
    return (
        f"{name} resumes at round {here['round']} with {now} (its rounds before: {before}): "
        "its records will not equal an uninterrupted run's"
    )


def of(folder) -> dict | str:
    """The provenance record of the run (or stored, or parked run) in ``folder``,
    ``{"sessions": [...]}``, or :data:`NOT_RECORDED` when it has none (runs
    from before the file) or one that cannot be read."""
    try:
        rec = json.loads((Path(folder) / paths.PROVENANCE).read_text())
    except (OSError, ValueError):
        return NOT_RECORDED
    if not isinstance(rec, dict) or not isinstance(rec.get("sessions"), list) or not rec["sessions"]:
        return NOT_RECORDED
    return rec


def _session_words(s: dict) -> str:
    """One session in a few words: 'bf16 amx 1 thread, torch 2.5.1'."""
    precision = s.get("precision", "?")
    if precision == "bf16" and s.get("device") == "cpu" and not s.get("native_bf16"):
        precision = "bf16 (emulated)"
    if s.get("device", "cpu") != "cpu":
        return f"{precision} {s['device']}, torch {s.get('torch', '?')}"
    threads = s.get("threads", "?")
    where = f"{str(s.get('cpu_capability', '?')).lower()} {threads} thread{'s' * (threads != 1)}"
    return f"{precision} {where}, torch {s.get('torch', '?')}"


def _unrecorded_start(rec: dict) -> bool:
    """Whether the run's first rounds ran before it kept a provenance (its first session starts past round 0)."""
    return rec["sessions"][0].get("round", 0) > 0


def describe(rec: dict | str) -> str:
    """A record of :func:`of` in a few words, for ``status``: each distinct
    session in order, joined by ' → ' (a run resumed elsewhere), 'not
    recorded' first when its first rounds predate the file."""
    if not isinstance(rec, dict):
        return NOT_RECORDED
    words = [NOT_RECORDED] if _unrecorded_start(rec) else []
    for s in rec["sessions"]:
        w = _session_words(s)
        if not words or words[-1] != w:
            words.append(w)
    return " → ".join(words)


def summary(stored_root) -> pd.DataFrame:
    """The stored runs under ``stored_root`` (``book/results``) counted by
    where they ran: one row per distinct provenance, with columns ``torch``,
    ``cpu_capability``, ``threads``, ``device``, ``precision`` and ``runs``
    (how many stored runs), most runs first, and a last row ``not recorded``
    (in every column but ``runs``) for the runs stored without the file.
    A run whose sessions differ shows each field's values in order, joined
    by ' → ' ('not recorded → …' when its first rounds predate the file)."""
    counts: dict = {}
    unrecorded = 0
    for meta in sorted(Path(stored_root).glob(f"*/{paths.PARAMS}")):
        rec = of(meta.parent)
        if not isinstance(rec, dict):
            unrecorded += 1
            continue
        key = tuple(_values(rec, k) for k in ARITHMETIC)
        counts[key] = counts.get(key, 0) + 1
    rows = [dict(zip(ARITHMETIC, key), runs=n) for key, n in sorted(counts.items(), key=lambda kv: -kv[1])]
    rows.append(dict(dict.fromkeys(ARITHMETIC, NOT_RECORDED), runs=unrecorded))
    return pd.DataFrame(rows, columns=[*ARITHMETIC, "runs"])


def _values(rec: dict, key: str) -> str:
    """One field of a record's sessions: its distinct values in order, joined by ' → '."""
    out = [NOT_RECORDED] if _unrecorded_start(rec) else []
    for s in rec["sessions"]:
        v = str(s.get(key, "?"))
        if not out or out[-1] != v:
            out.append(v)
    return " → ".join(out)
