"""An unfinished run kept in the book (``book/parked/<run folder>/``) so that
another machine can resume it.

A run's hours live in its folder under ``runs/`` until it finishes and is
exported; a machine that does not keep ``runs/`` loses them. Parking copies
what a resume needs, small enough to commit: the parameters, the records
and timings of the finished rounds, where each session ran
(``provenance.json``, :mod:`ramanujan_lth.storage.provenance`: a run resumed
elsewhere keeps its history), and the masks of every round up to the one
the run resumes at (:mod:`ramanujan_lth.storage.stored_masks`; about 1 MB for Conv4).
The weights each round rewinds to are the initial weights, which the seed
rebuilds, so runs that rewind to a later iteration cannot be parked.

:func:`unpark` writes the run folder back (``checkpoint.pt``, the rounds'
masks, records, timings); ``run`` then resumes it and its records equal those
of a run never interrupted (bit for bit on a CPU). ``reproduce`` unparks
before it computes, and removes a parked copy once the run is exported.

:func:`restore` does the same for a finished run stored in ``book/results``
(exports keep every round's masks): a run that shares its rounds (the same
run with fewer noisy test sets, or one pruning less far) then forks from it
on a machine that never trained it, instead of training those rounds again.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from ramanujan_lth.networks import prune as P
from ramanujan_lth.networks.models import build_model
from ramanujan_lth.storage import paths, stored_masks
from ramanujan_lth.storage.params import RunParams, run_dir
from ramanujan_lth.storage.run_files import RunInUse, atomic_write, read_masks, save_masks, take_lock, write_json

__all__ = ["park", "parking", "unpark", "restore", "unpark_all", "discard", "parked_rounds"]


def parked_rounds(folder) -> int:
    """Finished rounds of the parked copy in ``folder`` (0 if there is none)."""
    try:
        return len(json.loads((Path(folder) / paths.RECORDS).read_text())["records"])
    except (OSError, ValueError, KeyError):
        return 0


def parking(root):
    """The ``after_round`` of :func:`ramanujan_lth.storage.runs.run` that parks the
    run under ``root`` after every round it does not finish with, so a lost
    machine loses at most the round in progress. A failure is said once, on
    stderr, and the run goes on unparked."""
    failed = False

    def after_round(folder, complete: bool) -> None:
        nonlocal failed
        if complete or failed:
            return
        try:
            park(folder, root)
        except Exception as err:  # noqa: BLE001 -- the run goes on; a person is told, once
            print(f"ramanujan_lth: not parked: {err}", file=sys.stderr, flush=True)
            failed = True

    return after_round


def park(run_folder, root) -> Path:
    """Copy unfinished run ``run_folder`` (it may be training now) under ``root``;
    replaces an older parked copy of it atomically. Returns the parked folder."""
    src = Path(run_folder)
    meta = json.loads((src / paths.PARAMS).read_text())
    p = RunParams.from_dict(meta["params"])
    if p.rewind_iteration:
        raise ValueError(f"{src.name} rewinds to iteration {p.rewind_iteration}: those weights cannot be parked")
    ckpt = src / paths.CHECKPOINT
    if not ckpt.exists():
        raise ValueError(f"{src.name} has no finished round yet: nothing to park")
    ck = torch.load(ckpt, map_location="cpu", weights_only=False)
    if ck.get("complete"):
        raise ValueError(f"{src.name} is finished: export it instead")
    k = ck["next_round"]
    masks = {t: {n: m.numpy().astype(bool) for n, m in read_masks(paths.round_masks(src, t)).items()} for t in range(k)}
    masks[k] = {n: m.cpu().numpy().astype(bool) for n, m in ck["masks"].items()}
    dest = Path(root) / src.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    for left in dest.parent.glob(f".{src.name}.*"):  # left by a park that was killed (one process parks a run)
        shutil.rmtree(left, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{src.name}."))
    try:
        (tmp / paths.PARAMS).write_text(json.dumps(meta, indent=1, sort_keys=True))
        stored = {"complete": False, "records": ck["records"], "data": meta["data"]}
        (tmp / paths.RECORDS).write_text(json.dumps(stored, indent=1, sort_keys=True))
        (tmp / paths.TIMINGS).write_text(json.dumps({"seconds_per_round": ck.get("timings", [])}, indent=1))
        if (src / paths.PROVENANCE).exists():
            shutil.copyfile(src / paths.PROVENANCE, tmp / paths.PROVENANCE)
        stored_masks.write(tmp, masks)
        tmp.chmod(0o755)
        old = dest.with_name(f".{src.name}.old")
        if dest.exists():
            dest.replace(old)
        tmp.replace(dest)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def unpark(parked_folder, runs_dir) -> Path | None:
    """Write parked run ``parked_folder`` back under ``runs_dir`` so ``run``
    resumes it; None (and nothing written) when the run there has as many
    finished rounds already."""
    return _write_run(Path(parked_folder), runs_dir, finished=False)


def restore(stored_folder, runs_dir) -> Path | None:
    """Write finished stored run ``stored_folder`` (``book/results/<run>``,
    exported with its masks) back under ``runs_dir`` as a finished run, so
    that a run sharing its rounds forks from it instead of training them
    again (the same run with fewer noisy test sets is a copy of it; one
    pruning less far copies the rounds they share). None (and nothing
    written) when ``runs_dir`` has it finished already with its checkpoint;
    a finished copy without one (older code) is replaced."""
    return _write_run(Path(stored_folder), runs_dir, finished=True)


def _write_run(src: Path, runs_dir, finished: bool) -> Path | None:
    meta = json.loads((src / paths.PARAMS).read_text())
    p = RunParams.from_dict(meta["params"])
    sizes = (meta["data"]["n_train"], meta["data"]["n_test"])
    dest = run_dir(p, sizes, runs_dir)
    if dest.name != src.name:
        raise ValueError(f"{src} holds the parameters of {dest.name}, not of {src.name}")
    if p.rewind_iteration:
        raise ValueError(f"{src.name} rewinds to iteration {p.rewind_iteration}: those weights were not kept")
    stored = json.loads((src / paths.RECORDS).read_text())
    if bool(stored.get("complete")) != finished:
        raise ValueError(
            f"{src} holds {'an unfinished' if finished else 'a finished'} run: {'unpark' if finished else 'restore'} it"
        )
    k = len(stored["records"])
    have = _rounds_in(dest)
    if finished and have >= 10**6 and not (dest / paths.CHECKPOINT).exists():
        have = 0  # finished by code that kept no checkpoint: no run can fork from it, the copy replaces it
    if have >= (10**6 if finished else k):
        return None
    if not stored_masks.has_masks(src):
        raise ValueError(f"{src} keeps no masks ({paths.MASKS}): it was exported before runs kept them")
    by_round = stored_masks.read(src)
    want = k if finished else k + 1  # a finished run's last masks are its last round's
    if sorted(by_round) != list(range(want)):
        raise ValueError(f"{src} holds masks of rounds {sorted(by_round)}, expected 0 .. {want - 1}")
    model = build_model(p.model, seed=p.seed)
    like = P.ones_masks(model)
    init = {name: v.detach().cpu().clone() for name, v in model.state_dict().items()}
    dest.mkdir(parents=True, exist_ok=True)
    lock = take_lock(dest)  # RunInUse while a process trains it
    try:
        for old in dest.iterdir():  # a run with fewer rounds than the copy
            if old != lock:
                shutil.rmtree(old) if old.is_dir() else old.unlink()
        _write_back(dest, src, meta, stored, by_round, like, init)
    finally:
        lock.unlink(missing_ok=True)
    return dest


def _write_back(dest: Path, src: Path, meta: dict, stored: dict, by_round: dict, like: dict, init: dict) -> None:
    k, done = len(stored["records"]), bool(stored.get("complete"))
    for t in range(k):
        save_masks(paths.round_masks(dest, t), {n: torch.from_numpy(m) for n, m in by_round[t].items()})
    current = {n: torch.from_numpy(np.ascontiguousarray(by_round[k - done][n])).to(m.dtype) for n, m in like.items()}
    try:
        timings = json.loads((src / paths.TIMINGS).read_text())["seconds_per_round"]
    except (OSError, ValueError, KeyError):
        timings = []
    state = {
        "masks": current,
        "rewind_state": init,
        "records": stored["records"],
        "next_round": k,
        "timings": timings,
        "complete": done,
    }
    write_json(dest / paths.PARAMS, meta)
    if (src / paths.PROVENANCE).exists():  # its sessions so far: a resume here adds its own
        atomic_write(dest / paths.PROVENANCE, lambda f: f.write((src / paths.PROVENANCE).read_bytes()))
    atomic_write(dest / paths.CHECKPOINT, lambda f: torch.save(state, f))
    write_json(dest / paths.RECORDS, {"complete": done, "records": stored["records"], "data": meta["data"]})
    write_json(
        dest / paths.TIMINGS, {"seconds_per_round": timings, ("restored_from" if done else "unparked_from"): str(src)}
    )


def _rounds_in(folder: Path) -> int:
    """Finished rounds of the run in ``folder`` (a finished run counts as all)."""
    try:
        stored = json.loads((folder / paths.RECORDS).read_text())
    except (OSError, ValueError):
        return 0
    return 10**6 if stored.get("complete") else len(stored.get("records", []))


def unpark_all(root, runs_dir) -> list[tuple[Path, int]]:
    """Unpark every run under ``root`` that is further there than under
    ``runs_dir`` (but not one a process trains now); returns
    ``(run folder, rounds restored)`` of each."""
    out = []
    for meta in sorted(Path(root).glob("*/params.json")):
        if meta.parent.name.startswith("."):  # a park in progress, or one that was killed
            continue
        try:
            dest = unpark(meta.parent, runs_dir)
        except RunInUse:  # a process trains it here now: its own rounds go on
            continue
        except (OSError, ValueError, KeyError) as err:  # that run trains from where runs/ has it
            print(f"ramanujan_lth: cannot unpark {meta.parent}: {err}", file=sys.stderr, flush=True)
            continue
        if dest is not None:
            out.append((dest, parked_rounds(meta.parent)))
    return out


def discard(root, name: str) -> bool:
    """Remove the parked copy of run folder ``name`` (once it is exported)."""
    folder = Path(root) / name
    if not (folder / paths.PARAMS).exists():
        return False
    shutil.rmtree(folder)
    return True
