"""Execute planned runs (:mod:`ramanujan_lth.evidence.studies`): each a Ray task, or inline.

With Ray (the default) every run is a task with its resources — one CPU, or
a share of a GPU — and waits for the runs it comes after through their
object references: a fork for its donor, a ``-Bound`` run for the plain run
it replays, a ``*`` run for its ``-Bound`` run (its density is known only
then), a control for its ticket. With no address, a local Ray instance is
started, sized to ``jobs`` (default: the machine's cores, or its GPUs); with
an address (``auto``, ``ray://host:port``) the runs go to that cluster, and
the runs folder (and the park folder, when runs are parked) must be on a
filesystem every worker sees (checked first).
``inline`` runs them one after another in this process.

Runs keep their checkpoints and locks, so a killed batch resumes where it
stopped and two workers never train the same run. A run that raises is
reported with its log; the runs after it are skipped and listed, the others
go on. A worker that dies is retried once (the run resumes from its
checkpoint). Each run writes its output to ``<runs dir>/logs/<run>.log``.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import time
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path

from ramanujan_lth.evidence.studies import Task, derive_params, unique
from ramanujan_lth.storage import stored_runs
from ramanujan_lth.storage.parked import parking
from ramanujan_lth.storage.runs import RunInUse, load_run, run

__all__ = ["EXECUTORS", "Outcome", "execute_tasks", "run_task"]

EXECUTORS = ("ray", "inline")
LOG_DIR = "logs"


@dataclass
class Outcome:
    label: str
    state: str  # "done", "stored", "failed", "skipped", "stopped"
    folder: str = ""
    log: str = ""
    detail: str = ""


def _log_name(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", label).strip("_")[:120] + ".log"


def run_task(task: Task, ctx: dict, *firsts) -> dict:
    """Train (or resume, or load) one task's run; its output goes to its log
    file. ``firsts``: the results (``{"folder": ...}``, or None when not
    planned) of the tasks in ``task.after``; derived parameters come from
    the first."""
    log = Path(ctx["runs_dir"]) / LOG_DIR / _log_name(task.label)
    log.parent.mkdir(parents=True, exist_ok=True)
    events = ctx.get("events")
    if events is not None:
        events.started.remote(task.label, str(log))
    with open(log, "a") as f, contextlib.redirect_stdout(f), contextlib.redirect_stderr(f):
        print(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {task.label} (pid {os.getpid()})", flush=True)
        params = task.params
        if params is None:
            if not firsts or firsts[0] is None:
                raise ValueError(f"{task.label}: the run its parameters come from was not planned")
            params = derive_params(task, load_run(firsts[0]["folder"]))
            print(f"parameters derived from {firsts[0]['folder']}: {params}", flush=True)
        stored = stored_runs.find_stored(params, ctx["stored_root"]) if ctx.get("stored_root") else None
        if stored is not None:
            return {"folder": str(stored.folder), "complete": True, "log": str(log), "stored": True}
        res = run(
            params,
            runs_dir=ctx["runs_dir"],
            device=ctx.get("device"),
            data_root=ctx.get("data_root"),
            download=ctx.get("download", False),
            progress=False,
            after_round=parking(ctx["park_to"]) if ctx.get("park_to") else None,
        )
        print(f"--- finished: {res.folder} ({len(res.records)} rounds)", flush=True)
    return {"folder": str(res.folder), "complete": res.complete, "log": str(log), "stored": False}


def _resolved(task: Task, stored_root, runs_dir) -> dict | None:
    """``{"folder": ...}`` of a task whose run is finished already (stored or cached), else None."""
    if task.params is None:
        return None
    for root in (stored_root, runs_dir):
        found = stored_runs.find_stored(task.params, root) if root else None
        if found is not None:
            return {"folder": str(found.folder), "complete": True, "log": "", "stored": root == stored_root}
    return None


class _Progress:
    """What a person follows: a line per run as it starts, finishes or fails, and a bar."""

    def __init__(self, total: int, out, progress: bool, on_done=None):
        from tqdm.auto import tqdm

        self.out, self.t0, self.started, self.on_done = out, time.time(), {}, on_done
        self.bar = tqdm(total=total, desc="runs", unit="run", disable=not progress or not total, file=sys.stderr)

    def line(self, text: str) -> None:
        self.bar.clear()
        print(text, file=self.out, flush=True)
        self.bar.refresh()

    def start(self, label: str, log: str) -> None:
        self.started[label] = time.time()
        self.line(f"[start]   {label}  (log: {log})")

    def finish(self, o: Outcome) -> None:
        took = time.time() - self.started.get(o.label, time.time())
        if o.state == "done":
            self.line(f"[done]    {o.label}  {o.folder}  ({took / 60:.1f} min)")
            try:
                for text in self.on_done(o) if self.on_done else ():
                    self.line(text)
            except Exception as err:  # noqa: BLE001 -- the run is done; the next call retries
                self.line(f"[warning] after {o.label}: {type(err).__name__}: {err}")
        elif o.state == "failed":
            self.line(f"[failed]  {o.label}: {o.detail}  (log: {o.log})")
        elif o.state == "skipped":
            self.line(f"[skipped] {o.label}: {o.detail}")
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def execute_tasks(
    tasks,
    runs_dir,
    stored_root=None,
    executor: str = "ray",
    jobs: int | None = None,
    address: str | None = None,
    device=None,
    data_root=None,
    download: bool = False,
    progress: bool = True,
    out=sys.stdout,
    park_to=None,
    on_done=None,
) -> list[Outcome]:
    """Execute every task whose run is neither stored nor finished under
    ``runs_dir``; returns one :class:`Outcome` per task. ``park_to``: park
    each unfinished run there after every round (:func:`ramanujan_lth.storage.runs.run`).
    ``on_done(outcome)``: called as each run finishes, while the others train;
    the lines it returns are shown (an exception it raises, as a warning)."""
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {EXECUTORS}, got {executor!r}")
    if jobs is not None and jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    tasks = [t for t in unique(tasks) if not t.stored]
    runs_dir = Path(runs_dir)
    done = {t.key: _resolved(t, stored_root, runs_dir) for t in tasks}
    outcomes = {
        t.key: Outcome(t.label, "stored" if done[t.key]["stored"] else "done", done[t.key]["folder"])
        for t in tasks
        if done[t.key]
    }
    todo = [t for t in tasks if t.key not in outcomes]
    ctx = {
        "runs_dir": str(runs_dir.resolve()),
        "stored_root": str(Path(stored_root).resolve()) if stored_root else None,
        "device": device,
        "data_root": data_root,
        "download": download,
        "park_to": str(Path(park_to).resolve()) if park_to else None,
    }
    if not todo:
        return [outcomes[t.key] for t in tasks]
    bar = _Progress(len(todo), out, progress, on_done)
    try:
        if executor == "inline":
            _inline(todo, done, ctx, outcomes, bar)
        else:
            _ray(todo, done, ctx, outcomes, bar, jobs, address, device)
    finally:
        bar.close()
    return [outcomes[t.key] for t in tasks]


def _blocked(task: Task, outcomes: dict, keys: set) -> str | None:
    for k in task.after:
        o = outcomes.get(k)
        if k in keys and o is not None and o.state in ("failed", "skipped", "stopped"):
            return o.label
    return None


def _failure(err: BaseException) -> str:
    if isinstance(err, RunInUse):
        return f"trained by another process now ({err})"
    return f"{type(err).__name__}: {err}"


def _inline(todo, done, ctx, outcomes, bar) -> None:
    keys = {t.key for t in todo}
    for t in todo:  # the plan lists every run after the runs it needs
        blocker = _blocked(t, outcomes, keys)
        if blocker:
            outcomes[t.key] = Outcome(t.label, "skipped", detail=f"after {blocker}, which did not finish")
            bar.finish(outcomes[t.key])
            continue
        log = str(Path(ctx["runs_dir"]) / LOG_DIR / _log_name(t.label))
        bar.start(t.label, log)
        try:
            got = run_task(t, ctx, *[done.get(k) for k in t.after])
        except KeyboardInterrupt:
            outcomes[t.key] = Outcome(t.label, "stopped", log=log, detail="interrupted; resumes from its checkpoint")
            raise
        except Exception as err:  # noqa: BLE001 - one run's failure must not stop the others
            with open(log, "a") as f:
                traceback.print_exc(file=f)
            outcomes[t.key] = Outcome(t.label, "failed", log=log, detail=_failure(err))
        else:
            done[t.key] = got
            outcomes[t.key] = Outcome(t.label, "done", got["folder"], got["log"])
        bar.finish(outcomes[t.key])


# ------------------------------------------------------------------ Ray
def _ray_init(jobs, address, ctx):
    import ray

    env = {k: v for k, v in os.environ.items() if k in ("RAMANUJAN_LTH_DATA", "RAMANUJAN_LTH_RUNS", "OMP_NUM_THREADS")}
    kw = dict(
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": env} if env else None,
        configure_logging=False,
    )
    if address is None:
        gpus = _local_gpus()
        kw.update(num_cpus=jobs or os.cpu_count() or 1, num_gpus=gpus)
    ray.init(address=address, **{k: v for k, v in kw.items() if v is not None})
    return ray


def _local_gpus() -> int:
    try:
        import torch

        return torch.cuda.device_count()
    except Exception:  # noqa: BLE001
        return 0


def _check_shared(ray, folders: dict) -> None:
    """Every alive node must see each folder the workers write into (``{what: path}``):
    the runs folder, and the park folder when runs are parked. A node with its
    own copy of a folder at the same path would keep what it writes there."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    nodes = [n for n in ray.nodes() if n.get("Alive")]
    seen = ray.remote(num_cpus=0)(lambda p: Path(p).is_file())
    for what, folder in folders.items():
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{uuid.uuid4().hex}"
        probe.write_text("visible")
        try:
            answers = ray.get(
                [
                    seen.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)).remote(
                        str(probe)
                    )
                    for n in nodes
                ]
            )
        finally:
            probe.unlink(missing_ok=True)
        blind = [n.get("NodeManagerAddress", n["NodeID"]) for n, ok in zip(nodes, answers) if not ok]
        if blind:
            raise RuntimeError(
                f"the {what} {folder} is not visible on node(s) {', '.join(blind)}: put it on a filesystem "
                "every worker shares (and pass the same path), or run without --address"
                + (" (or with --no-park)" if what == "park folder" else "")
            )


class _Events:
    """Start notices from the workers, read by the driver."""

    def __init__(self):
        self.items = []

    def started(self, label, log):
        self.items.append((label, log))

    def drain(self):
        items, self.items = self.items, []
        return items


def _ray(todo, done, ctx, outcomes, bar, jobs, address, device) -> None:
    ray = _ray_init(jobs, address, ctx)
    refs, owner = {}, {}
    try:
        folders = {"runs folder": ctx["runs_dir"], "park folder": ctx.get("park_to")}
        _check_shared(ray, {what: path for what, path in folders.items() if path})
        gpus = ray.cluster_resources().get("GPU", 0)
        use_gpu = gpus > 0 and str(device or "cuda").startswith("cuda")
        slots = jobs or int(ray.cluster_resources().get("CPU", 1))
        share = min(1.0, gpus / slots) if use_gpu else 0
        events = ray.remote(num_cpus=0)(_Events).remote()
        remote = ray.remote(run_task).options(num_cpus=0 if use_gpu else 1, num_gpus=share, max_retries=1)
        ctx = dict(ctx, events=events, device=device or ("cuda" if use_gpu else "cpu"))
        keys = {t.key for t in todo}
        for t in todo:  # the plan lists every run after the runs it needs
            refs[t.key] = remote.remote(t, ctx, *[refs[k] if k in refs else done.get(k) for k in t.after])
            owner[refs[t.key]] = t
        pending = list(refs.values())
        while pending:
            ready, pending = ray.wait(pending, num_returns=1, timeout=2.0)
            for label, log in ray.get(events.drain.remote()):
                bar.start(label, log)
            for ref in ready:
                t = owner[ref]
                log = str(Path(ctx["runs_dir"]) / LOG_DIR / _log_name(t.label))
                try:
                    got = ray.get(ref)
                except Exception as err:  # noqa: BLE001
                    blocker = _blocked(t, outcomes, keys)
                    outcomes[t.key] = (
                        Outcome(t.label, "skipped", detail=f"after {blocker}, which did not finish")
                        if blocker
                        else Outcome(t.label, "failed", log=log, detail=_failure(getattr(err, "cause", None) or err))
                    )
                else:
                    outcomes[t.key] = Outcome(t.label, "done", got["folder"], got["log"])
                bar.finish(outcomes[t.key])
    except KeyboardInterrupt:
        for ref, t in owner.items():
            if t.key not in outcomes:
                ray.cancel(ref, force=True)
                outcomes[t.key] = Outcome(t.label, "stopped", detail="interrupted; resumes from its checkpoint")
        raise
    finally:
        ray.shutdown()
