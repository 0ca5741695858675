"""Reproduce the paper chapter by chapter: ``python -m ramanujan_lth reproduce``.

Each chapter (a MyST notebook under ``chapters/``) is converted with jupytext
and executed with papermill under a profile's parameters. The executed
notebooks go to ``book/executed/<profile>/``; the runs a chapter makes land
in ``runs/`` (so a killed batch resumes round by round), and finished
paper-scale runs are exported as records to ``book/results/``, where the
chapters pick them up as stored full runs. Runs whose results exist are not
run again; a chapter whose executed notebook is up to date (same source, same
parameters) is skipped unless ``force``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ramanujan_lth.batch.executor import execute_tasks
from ramanujan_lth.catalog import MODEL_DATASET, STORED_PROFILES, check_profile, count_train_images
from ramanujan_lth.catalog import data_root as data_root_of
from ramanujan_lth.evidence import plans
from ramanujan_lth.evidence import studies as T
from ramanujan_lth.networks import prune as P
from ramanujan_lth.networks.data import pick_device
from ramanujan_lth.networks.estimates import bf16_note, seconds_per_iteration
from ramanujan_lth.networks.models import build_model
from ramanujan_lth.storage import parked, paths, stored_masks, stored_runs
from ramanujan_lth.storage import runs as runs_lib
from ramanujan_lth.storage.export import export_run
from ramanujan_lth.storage.params import RunParams, load_run
from ramanujan_lth.storage.status import run_status

__all__ = [
    "Planned",
    "chapters",
    "select",
    "plan",
    "seconds_per_iteration",
    "wall_clock",
    "dry_run",
    "FIRST",
    "check_subset_data",
    "reproduce",
]


@dataclass
class Planned:
    """One run a chapter needs and how much of it is left."""

    label: str
    params: RunParams | None  # None: known only after another run (a `*` variant)
    status: str  # "stored", "cached", "partial", "parked", "to run", "to copy", "after -Bound"
    trainings: int  # trainings left (each `iterations` long)

    @property
    def iterations(self) -> int:
        return self.params.resolved().iterations if self.params else 0


# ------------------------------------------------------------------ chapters
def chapters(root) -> list[str]:
    """Chapter names (file stems) in book order."""
    return sorted(p.stem for p in (Path(root) / "chapters").glob("*.md"))


def select(wanted, available) -> list[str]:
    """Chapters named in ``wanted`` by full name, number (``3``, ``03``) or
    word (``regimes``); all of ``available`` when ``wanted`` is empty."""
    if not wanted:
        return list(available)
    out = []
    for w in wanted:
        hits = [
            c
            for c in available
            if c == w or c.split("_")[0].lstrip("0") == str(w).lstrip("0") or (not str(w).isdigit() and str(w) in c)
        ]
        if len(hits) != 1:
            raise ValueError(
                f"chapter {w!r} {'is ambiguous' if hits else 'does not exist'}; chapters: {', '.join(available)}"
            )
        if hits[0] not in out:
            out.append(hits[0])
    return out


# ------------------------------------------------------------------ plans
def _total_rounds(p: RunParams) -> float:
    p = p.resolved()
    model = build_model(p.model)
    masks = P.ones_masks(model)
    return runs_lib.total_rounds(p, P.layer_rates(model, p.p_fc, p.p_conv, p.p_out), P.layer_sizes(masks))


def _trainings(p: RunParams, donor: RunParams | None = None) -> int:
    """Trainings a run makes (an upper bound for -Bound runs): from scratch,
    or from the rounds it shares with ``donor`` (see ``runs``, forks; a
    donor that prunes exactly as far is copied whole)."""
    t = _total_rounds(p)
    if donor is not None and _total_rounds(donor) == t:
        return 0
    shared = math.floor(min(t, _total_rounds(donor)) + 1e-9) if donor is not None else 0
    return math.ceil(t - 1e-9) + 1 - shared


def _status(label, p: RunParams, stored_root, runs_dir, donor: RunParams | None = None) -> Planned:
    """``donor``: a run this one will start from (computed before it, under ``runs_dir``)."""
    if stored_runs.find_stored(p, stored_root):
        return Planned(label, p, "stored", 0)
    found = stored_runs.find_stored(p, runs_dir, complete_only=False)
    kept = stored_runs.find_stored(p, Path(stored_root).parent / paths.PARKED, complete_only=False)  # see ``parked``
    if found is not None and found.complete:
        return Planned(label, p, "cached", 0)
    done = max(len(r.records) for r in (found, kept) if r is not None) if found or kept else 0
    if not done and found is None:
        n = _trainings(p, donor)  # 0 only when the donor's rounds are all of this run's (it lacks only noisy tests)
        return Planned(label, p, "to run" if n else "to copy", n)
    status = "partial" if found is not None and len(found.records) >= done else "parked"
    return Planned(label, p, status, max(_trainings(p) - done, 0))


def plan(chapter: str, profile: str, stored_root, runs_dir) -> list[Planned]:
    """The runs ``chapter`` needs under ``profile`` (:func:`ramanujan_lth.evidence.studies.tasks`)
    and how much of each is left."""
    return plan_tasks(T.tasks(chapter, profile, stored_root), stored_root, runs_dir)


def plan_tasks(tasks, stored_root, runs_dir) -> list[Planned]:
    """How much of each of ``tasks`` (:class:`ramanujan_lth.evidence.studies.Task`) is left."""
    by_key = {t.key: t for t in tasks}
    out = []
    for t in tasks:
        if t.stored:
            out.append(Planned(t.label, t.params, "stored", 0))
            continue
        donor = _fork_donor(t, by_key, stored_root, runs_dir)
        if t.params is not None:
            out.append(_status(t.label, t.params, stored_root, runs_dir, donor))
            continue
        first = by_key[t.after[0]]
        done = stored_runs.find_stored(first.params, stored_root) or stored_runs.find_stored(first.params, runs_dir)
        if done is not None:  # its parameters can be derived now
            p = T.derive_params(t, done)
            label = f"{t.label.split(' (')[0]} (density {p.density:.2%})" if t.derive[0] == "star" else t.label
            out.append(_status(label, p, stored_root, runs_dir, donor))
        elif t.derive[0] == "star":  # from α = 2's rounds, about two trainings
            longest = by_key[t.after[1]].params
            out.append(Planned(t.label, None, "after -Bound", t.estimate if donor else _trainings(longest)))
        else:
            out.append(Planned(t.label, None, f"after {first.label.split(' (')[0]}", t.estimate))
    return out


def _fork_donor(t, by_key: dict, stored_root, runs_dir) -> RunParams | None:
    """The plain run ``t`` forks from (one it comes after, pruning the same
    way), when that run will have its masks under ``runs_dir``: it is there
    already, or it is not stored (so it will be trained there)."""
    for k in t.after:
        q = by_key[k].params if k in by_key else None
        if q is None or q.bound or q.control or (t.params is not None and t.params.bound):
            continue
        if t.params is not None and runs_lib._fork_key(t.params.resolved()) != runs_lib._fork_key(q.resolved()):
            continue
        in_runs = stored_runs.find_stored(q, runs_dir, complete_only=False) is not None
        held = stored_runs.find_stored(q, stored_root)
        if in_runs or held is None or _restorable(held):
            return q
    return None


def _restorable(stored) -> bool:
    """A stored run that :func:`ramanujan_lth.storage.parked.restore` can write back as a donor."""
    return stored_masks.has_masks(stored.folder) and not stored.params.rewind_iteration


def restore_donors(tasks, stored_root, runs_dir, err=sys.stderr) -> list[Path]:
    """Write back under ``runs_dir`` every stored run that a run still to
    compute forks from (:func:`ramanujan_lth.storage.parked.restore`), so it copies
    the rounds they share instead of training them again; returns the run
    folders written. A donor that cannot be written back is named on ``err``
    (the run that needed it trains those rounds itself)."""
    by_key, out = {t.key: t for t in tasks}, []
    for t in tasks:
        if t.stored or (t.derive and t.derive[0] == "control"):  # controls fork from nothing
            continue
        if t.params is not None and (
            stored_runs.find_stored(t.params, stored_root) or stored_runs.find_stored(t.params, runs_dir)
        ):
            continue
        q = _fork_donor(t, by_key, stored_root, runs_dir)
        held = stored_runs.find_stored(q, stored_root) if q is not None else None
        if held is None or not _restorable(held):
            continue
        try:
            dest = parked.restore(held.folder, runs_dir)
        except Exception as e:  # noqa: BLE001 -- only a shortcut is lost
            print(f"ramanujan_lth: cannot restore {held.folder.name} for {t.label}: {e}", file=err, flush=True)
            continue
        if dest is not None:
            out.append(dest)
    return out


def _base_params(task, by_key: dict) -> RunParams | None:
    """The parameters of a derived task's nearest known ancestor (same model and training)."""
    while task is not None and task.params is None and task.after:
        task = by_key.get(task.after[0])
    return task.params if task is not None else None


def _task_model(task, by_key: dict) -> str | None:
    """The model of a task, or of the run its parameters are derived from."""
    p = _base_params(task, by_key)
    return p.model if p is not None else None


def check_subset_data(tasks, stored_root, data_root=None) -> None:
    """Refuse (ValueError) to train ``subset``-profile runs of a CIFAR-10
    network on other images than those of the stored subset-profile runs:
    the plan scales their iterations to the stored runs' training-set size
    (:func:`ramanujan_lth.evidence.plans.subset_train_size`)."""
    by_key = {t.key: t for t in tasks}
    models = {_task_model(t, by_key) for t in tasks if not t.stored}
    for dataset in sorted({MODEL_DATASET[m] for m in models if m} - {"mnist"}):
        stored = plans.stored_train_size(dataset, stored_root)
        try:
            present = count_train_images(dataset, data_root)
        except FileNotFoundError:  # the runs say so themselves (or download them)
            continue
        if stored is not None and present != stored:
            raise ValueError(
                f"the book's subset-profile {dataset} runs trained on {stored:,} images and the data root "
                f"({data_root_of(data_root)}) holds {present:,}: point RAMANUJAN_LTH_DATA at the same "
                f"{stored:,} images, or use --profile paper"
            )


# ------------------------------------------------------------------ estimates
def _say_bf16(tasks, device, out) -> None:
    """One line per model the tasks train in bf16 where this machine emulates it."""
    for model in sorted({t.params.model for t in tasks if t.params is not None and t.params.precision == "bf16"}):
        note = bf16_note(model, device)
        if note:
            print(f"warning: {note}", file=out, flush=True)


def _hms(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _training_now(runs_dir: Path) -> int:
    """How many runs under ``runs_dir`` a process on this machine is training."""
    if not runs_dir.is_dir():
        return 0
    return int(run_status(runs_dir, unfinished_only=True)["state"].str.startswith("running").sum())


def _left(q: Planned) -> str:
    """What is left of planned run ``q``, in words."""
    if q.trainings:
        return f"{q.trainings} trainings x {q.iterations:,} it" if q.params else f"~{q.trainings} trainings"
    return "nothing to train (the rounds of the run it comes after)" if q.status == "to copy" else "nothing to do"


def dry_run(
    names, profile: str, root, device=None, out=sys.stdout, jobs: int | None = None, first: str = "longest"
) -> float:
    """Print what ``reproduce`` would run and roughly how long (training time
    measured on ``device``; on a CPU, per core, and the wall-clock time with
    ``jobs`` runs at once, default one per core, started ``first`` as the
    batch would); returns the estimated seconds of training, all runs one
    after another."""
    _check_first(first)
    root = Path(root)
    device = pick_device(device)
    stored_root, runs_dir = paths.stored_root(root), root / "runs"
    total, seen, each = 0.0, {}, []
    print(f"profile {profile} on {device}; estimates count training steps only, timed here on random data", file=out)
    busy = _training_now(runs_dir) if device.type == "cpu" else 0
    if busy:
        print(
            f"({busy} run{'s' * (busy > 1)} training on this machine now: timings and estimates are slower than alone)",
            file=out,
        )
    if profile == "subset":
        tasks = T.unique(t for name in names for t in T.tasks(name, profile, stored_root))
        try:
            check_subset_data(tasks, stored_root)
        except ValueError as e:
            print(f"reproduce would refuse to start: {e}", file=out)
        _say_bf16(tasks, device, out)
    for name in names:
        planned = plan(name, profile, stored_root, runs_dir)
        for q in planned:  # a run two chapters share is made once
            key = q.params.key() if q.params else None
            if key in seen and q.trainings:
                q.status, q.trainings = f"in {seen[key]}", 0
            elif key:
                seen.setdefault(key, name)
        seconds = 0.0
        for q in (q for q in planned if q.trainings):
            model = q.params.model if q.params else "lenet_300_100"
            p = q.params.resolved() if q.params else RunParams(**plans.comparison_base(model, profile)).resolved()
            each.append(_training_seconds(q.trainings, p, device))
            seconds += each[-1]
        total += seconds
        left = [q for q in planned if q.trainings]
        print(
            f"{name}: {len(planned)} runs, {len(left)} to compute, ~{_hms(seconds)}"
            + ("" if planned else " (no training)"),
            file=out,
        )
        for q in planned:
            print(f"    {q.label:52s} {q.status:13s} {_left(q)}", file=out)
    if device.type != "cpu":
        print(f"total: ~{_hms(total)} of training", file=out)
        return total
    jobs = jobs or os.cpu_count() or 1
    wall = wall_clock(each, jobs, first)
    print(f"total: ~{_hms(total)} of training on one core; ~{_hms(wall)} with {jobs} at once (--jobs)", file=out)
    return total


def _training_seconds(trainings: int, p: RunParams, device) -> float:
    """Seconds of ``trainings`` trainings of run ``p`` on ``device`` (steps timed by :func:`seconds_per_iteration`)."""
    p = p.resolved()
    return trainings * p.iterations * seconds_per_iteration(p.model, device, precision=p.precision)


#: which ready runs a batch starts first: ``"longest"`` (the whole batch done
#: soonest) or ``"shortest"`` (each run stored sooner: for sessions shorter
#: than the batch, where the long runs are parked anyway)
FIRST = ("longest", "shortest")


def _check_first(first: str) -> None:
    if first not in FIRST:
        raise ValueError(f"first must be one of {', '.join(FIRST)}, got {first!r}")


def wall_clock(durations, jobs: int, first: str = "longest") -> float:
    """Seconds until ``jobs`` workers finish runs of the given ``durations``,
    each run on one worker, the longest (or with ``first="shortest"`` the
    shortest) started first (a run's rounds cannot be split, so one long run
    bounds the time however many workers there are)."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    _check_first(first)
    loads = [0.0] * jobs
    for d in sorted(durations, reverse=first == "longest"):
        loads[loads.index(min(loads))] += d
    return max(loads)


def start_order(tasks, stored_root, runs_dir, device=None, first: str = "longest") -> list:
    """``tasks`` in the order a batch starts them: each after the runs it
    needs and, among the runs ready, first the one heading the longest chain
    of training left (its own and that of the runs waiting for it), timed by
    :func:`seconds_per_iteration` on ``device``. With several workers the
    long runs then start at once instead of after the short ones listed
    before them, the schedule :func:`wall_clock` (the dry run) assumes.
    ``first="shortest"``: among the runs ready, the one with the least
    training left of its own, so that runs are stored one by one soonest."""
    _check_first(first)
    tasks = T.unique(tasks)
    by_key = {t.key: t for t in tasks}
    device = pick_device(device)
    own = {}
    for t, q in zip(tasks, plan_tasks(tasks, stored_root, runs_dir)):
        p = q.params or _base_params(t, by_key)
        own[t.key] = _training_seconds(q.trainings, p, device) if q.trainings and p is not None else 0.0
    waiting = {t.key: [u.key for u in tasks if t.key in u.after] for t in tasks}
    chain: dict = {}

    def length(k: str) -> float:
        if k not in chain:
            chain[k] = own[k] + max((length(u) for u in waiting[k]), default=0.0)
        return chain[k]

    order, placed, left = [], set(), list(tasks)
    while left:
        ready = [t for t in left if all(k in placed or k not in by_key for k in t.after)]
        if not ready:  # a cycle cannot be planned; keep the plan's order
            return order + left
        if first == "longest":
            chosen = max(ready, key=lambda t: length(t.key))  # the earliest of equals (max keeps the first)
        else:
            chosen = min(ready, key=lambda t: own[t.key])  # min keeps the first of equals too
        order.append(chosen)
        placed.add(chosen.key)
        left.remove(chosen)
    return order


# ------------------------------------------------------------------ execution
class ChapterFailed(RuntimeError):
    pass


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _up_to_date(out: Path, stamp: dict) -> bool:
    if not out.exists():
        return False
    try:
        nb = json.loads(out.read_text())
    except (OSError, ValueError):
        return False
    return nb.get("metadata", {}).get("ramanujan_lth") == stamp


def execute(source: Path, out: Path, parameters: dict, stamp: dict, progress: bool = True) -> None:
    """Execute one MyST chapter with papermill into ``out`` (atomically)."""
    import jupytext
    import nbformat
    import papermill as pm

    from ramanujan_lth.batch.kernel import KernelManager

    nb = jupytext.read(source)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}.", suffix=".ipynb")
    os.close(fd)
    try:
        try:
            pm.execute_notebook(
                nb,
                tmp,
                parameters=parameters,
                kernel_name="python3",
                cwd=str(source.parent),
                progress_bar=progress,
                kernel_manager_class=KernelManager,
            )
        except pm.PapermillExecutionError as err:
            raise ChapterFailed(f"cell {err.exec_count}: {err.ename}: {err.evalue}") from None
        executed = nbformat.read(tmp, as_version=4)
        executed.metadata["ramanujan_lth"] = stamp
        nbformat.write(executed, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def export_paper_runs(runs_dir, stored_root) -> list[Path]:
    """Copy every finished paper-scale run under ``runs_dir`` that the book
    does not store yet into ``stored_root``."""
    done = []
    for meta in sorted(Path(runs_dir).glob("*/params.json")):
        if (Path(stored_root) / meta.parent.name / paths.RECORDS).exists():
            continue
        try:
            res = load_run(meta.parent)
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if res.complete and plans.is_paper_scale(res.params, res.data.get("n_train")):
            done.append(export_run(res, stored_root))
            parked.discard(Path(stored_root).parent / paths.PARKED, meta.parent.name)
    return done


def reproduce(
    profile: str,
    names=None,
    device=None,
    dry: bool = False,
    force: bool = False,
    root=None,
    out_dir=None,
    progress: bool = True,
    stdout=sys.stdout,
    stderr=sys.stderr,
    executor: str = "ray",
    jobs: int | None = None,
    address: str | None = None,
    runs_only: bool = False,
    park: bool = True,
    first: str = "longest",
) -> int:
    """Compute the runs the chosen chapters need (each a Ray task, or
    ``executor="inline"``), store the finished full-scale ones, then execute
    the chapters under ``profile`` over the finished runs; returns the exit
    status (0, or 1 when a run or a chapter failed: each is named on ``stderr``).
    With ``park`` (paper and subset profiles), every unfinished run is parked
    in ``book/parked`` after each round, to commit. ``first``: which ready
    runs start first (:data:`FIRST`)."""
    check_profile(profile)
    _check_first(first)
    root = Path(root) if root else stored_runs.book_root()
    names = select(names, chapters(root))
    if dry:
        dry_run(names, profile, root, device, out=stdout, jobs=jobs, first=first)
        return 0
    stored_root, runs_dir = paths.stored_root(root), root / "runs"
    tasks = T.unique(t for name in names for t in T.tasks(name, profile, stored_root))
    if profile == "subset":
        check_subset_data(tasks, stored_root)
        _say_bf16([t for t in tasks if not t.stored], pick_device(device), stderr)
    failed_runs = []
    for folder, k in parked.unpark_all(paths.parked_root(root), runs_dir):
        print(f"resumes {folder.name} from book/{paths.PARKED}: {k} training{'s' * (k != 1)} done", file=stdout)
    for folder in restore_donors(tasks, stored_root, runs_dir, err=stderr):
        print(f"restores {folder.name} from book/results: the runs that share its rounds copy them", file=stdout)
    if any(not t.stored for t in tasks):
        print(f"computing the runs of {len(names)} chapter(s) ({executor} executor) ...", file=stdout, flush=True)

        def store_finished(_outcome):  # as each run finishes: a long batch keeps what it has done
            return [f"    stored {dest.relative_to(root)}" for dest in export_paper_runs(runs_dir, stored_root)]

        try:
            outcomes = execute_tasks(
                start_order(tasks, stored_root, runs_dir, device, first),
                runs_dir,
                stored_root,
                executor=executor,
                jobs=jobs,
                address=address,
                device=device,
                progress=progress,
                out=stdout,
                park_to=paths.parked_root(root) if park and profile in STORED_PROFILES else None,
                on_done=store_finished if profile in STORED_PROFILES else None,
            )
        except KeyboardInterrupt:
            print("stopped: every run resumes from its checkpoint at the next call", file=stderr)
            return 130
        finally:
            if profile in STORED_PROFILES:
                for dest in export_paper_runs(runs_dir, stored_root):
                    print(f"    stored {dest.relative_to(root)}", file=stdout)
        failed_runs = [o for o in outcomes if o.state in ("failed", "skipped")]
        for o in failed_runs:
            print(
                f"ramanujan_lth: run {o.label} {o.state}: {o.detail}" + (f" (log: {o.log})" if o.log else ""),
                file=stderr,
                flush=True,
            )
    if runs_only:
        return 1 if failed_runs else 0
    out_dir = Path(out_dir) if out_dir else root / "book" / "executed" / profile
    parameters = {"profile": profile}
    if device:
        parameters["device"] = device
    failed = []
    for i, name in enumerate(names, 1):
        source = root / "chapters" / f"{name}.md"
        out = out_dir / f"{name}.ipynb"
        stamp = {"profile": profile, "parameters": parameters, "source_sha256": _sha(source)}
        if not force and _up_to_date(out, stamp):
            print(f"[{i}/{len(names)}] {name}: up to date ({out})", file=stdout)
            continue
        print(f"[{i}/{len(names)}] {name}: executing ({profile} profile) ...", file=stdout, flush=True)
        t0 = time.perf_counter()
        try:
            execute(source, out, parameters, stamp, progress=progress)
        except ChapterFailed as err:
            failed.append(name)
            print(f"ramanujan_lth: chapter {name} failed: {err}", file=stderr, flush=True)
            continue
        finally:
            if profile in STORED_PROFILES:  # even a failed chapter may have finished some runs
                for dest in export_paper_runs(runs_dir, stored_root):
                    print(f"    stored {dest.relative_to(root)}", file=stdout)
        print(f"    done in {_hms(time.perf_counter() - t0)} -> {out}", file=stdout, flush=True)
    if failed:
        print(f"ramanujan_lth: {len(failed)} chapter(s) failed: {', '.join(failed)}", file=stderr)
    if failed_runs:
        print(
            f"ramanujan_lth: {len(failed_runs)} run(s) did not finish: " + ", ".join(o.label for o in failed_runs),
            file=stderr,
        )
    return 1 if failed or failed_runs else 0
