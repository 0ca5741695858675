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

import torch

from . import experiments as E
from . import prune as P
from . import results
from . import runs as runs_lib
from .data import pick_device
from .models import build_model
from .runs import RunParams, identity, load_run

__all__ = ["Planned", "chapters", "select", "plan", "seconds_per_iteration", "dry_run", "reproduce"]

LTH_CHAPTERS = {"03_regimes": (("lenet_300_100", 10, 2), ("conv4", 5, 1)), "05_significance": (("lenet_300_100", 10, 3),)}
#: the regime runs whose controls chapter 6 compares: (model, paper seeds)
VERDICT_TICKETS = ("lenet_300_100", 5)


@dataclass
class Planned:
    """One run a chapter needs and how much of it is left."""

    label: str
    params: RunParams | None  # None: known only after another run (a `*` variant)
    status: str  # "stored", "cached", "partial", "to run", "after -Bound"
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
        hits = [c for c in available if c == w or c.split("_")[0].lstrip("0") == str(w).lstrip("0")
                or (not str(w).isdigit() and str(w) in c)]
        if len(hits) != 1:
            raise ValueError(f"chapter {w!r} {'is ambiguous' if hits else 'does not exist'}; "
                             f"chapters: {', '.join(available)}")
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
    or from the rounds it shares with ``donor`` (see ``runs``, forks)."""
    t = _total_rounds(p)
    shared = math.floor(min(t, _total_rounds(donor)) + 1e-9) if donor is not None else 0
    return math.ceil(t - 1e-9) + 1 - shared


def _status(label, p: RunParams, stored_root, runs_dir, donor: RunParams | None = None) -> Planned:
    """``donor``: a run this one will start from (computed before it, under ``runs_dir``)."""
    if results.find_stored(p, stored_root):
        return Planned(label, p, "stored", 0)
    found = results.find_stored(p, runs_dir, complete_only=False)
    if found is None:
        return Planned(label, p, "to run", _trainings(p, donor))
    if found.complete:
        return Planned(label, p, "cached", 0)
    return Planned(label, p, "partial", max(_trainings(p) - len(found.records), 0))


def plan(chapter: str, profile: str, stored_root, runs_dir) -> list[Planned]:
    """The runs ``chapter`` needs under ``profile`` with its default parameters."""
    if profile not in E.PROFILES:
        raise ValueError(f"profile must be one of {E.PROFILES}, got {profile!r}")
    out = []
    full = profile != "quick"
    if chapter in LTH_CHAPTERS:
        for model, paper_seeds, quick_seeds in LTH_CHAPTERS[chapter]:
            paper = E.lth_params(model, profile if full else "paper", range(paper_seeds))
            stored = [p for p in paper if results.find_stored(p, stored_root)]
            if profile == "quick" and stored:  # the chapter shows the stored full runs
                out += [Planned(f"{model} seed {p.seed} (stored full run)", p, "stored", 0) for p in stored]
                continue
            chosen = paper if full else E.lth_params(model, "quick", range(quick_seeds))
            out += [_status(f"{model} IMP seed {p.seed}", p, stored_root, runs_dir) for p in chosen]
    elif chapter == "06_verdict":
        out += _verdict_plan(profile, stored_root, runs_dir)
    elif chapter == "04_bound_pruner":
        base = E.comparison_base("lenet_300_100", profile)
        cap = 60 if full else 25
        for score in ("magnitude", "snip", "synflow"):
            name = E.SCORE_NAMES[score].upper() if score != "synflow" else "SynFlow"
            # α = 2 runs first; the shorter plain runs start from its rounds unless it is only stored (no masks)
            longest = RunParams(score=score, alpha=max(E.ALPHAS), **base)
            in_runs = results.find_stored(longest, runs_dir, complete_only=False) is not None
            donor = longest if in_runs or not results.find_stored(longest, stored_root) else None
            for a in E.ALPHAS:
                q = RunParams(score=score, alpha=a, **base)
                out.append(_status(f"{name} α={a}", q, stored_root, runs_dir, donor if q != longest else None))
            bound = RunParams(score=score, bound=True, rounds=cap, **base)
            out.append(_status(f"{name}-Bound", bound, stored_root, runs_dir))
            done = results.find_stored(bound, stored_root) or results.find_stored(bound, runs_dir)
            if done:  # the `*` run prunes to the density -Bound reached
                star = RunParams(score=score, density=done.records[-1]["density"], **base)
                out.append(_status(f"{name}* (density {star.density:.2%})", star, stored_root, runs_dir, donor))
            else:  # unknown density: from α = 2's rounds, about two trainings
                out.append(Planned(f"{name}* (pruned to the -Bound density)", None, "after -Bound",
                                   2 if donor else _trainings(longest)))
            for p in E.output_rate_params("lenet_300_100", profile, score)[1:]:  # the first is α=2 above
                out.append(_status(f"{name} α=2, output layer at p_out={p.p_out:g}", p, stored_root, runs_dir))
    elif chapter == "07_appendix":
        seeds = range(2 if full else 1)
        pair = [label for label in E.APPENDIX if label.startswith("LeNet")]  # shown from one profile

        def stored(labels):
            return all(results.find_stored(p, stored_root) for lb in labels for p in E.appendix_params(lb, "paper", seeds))

        for label in E.APPENDIX:
            if profile == "quick" and stored(pair if label in pair else [label]):
                out += [Planned(f"{label} seed {p.seed} (stored full run)", p, "stored", 0)
                        for p in E.appendix_params(label, "paper", seeds)]
                continue
            out += [_status(f"{label} seed {p.seed}", p, stored_root, runs_dir)
                    for p in E.appendix_params(label, profile, seeds)]
    return out


def _verdict_plan(profile: str, stored_root, runs_dir) -> list[Planned]:
    """Chapter 6: the tickets and, once they exist, their controls (known
    only then: each keeps its ticket's weight count per layer)."""
    model, n = VERDICT_TICKETS
    if profile == "quick":
        tickets = E.lth_params(model, "paper", range(n))
        found = [results.find_stored(p, stored_root) for p in tickets]
        if all(found) and all(results.find_stored(c, stored_root) for c in E.control_plan(found)):
            return [Planned(f"{model} controls (stored full runs)", None, "stored", 0)]
        tickets = E.lth_params(model, "quick", range(3))
        densities = E.CONTROL_DENSITIES[:4]
    else:
        tickets, densities = E.lth_params(model, profile, range(n)), E.CONTROL_DENSITIES
    out = [_status(f"{model} IMP seed {p.seed} (ticket)", p, stored_root, runs_dir) for p in tickets]
    for p in tickets:
        done = results.find_stored(p, stored_root) or results.find_stored(p, runs_dir)
        if done is None:
            out.append(Planned(f"{model} seed {p.seed}: controls (after the ticket)", None, "after ticket",
                               len(densities) * len(E.CONTROLS)))
            continue
        out += [_status(f"{model} seed {p.seed}: {c.control} control of round {c.control_round}", c, stored_root,
                        runs_dir) for c in E.control_plan([done], densities)]
    return out


# ------------------------------------------------------------------ estimates
_SPEED: dict = {}


def seconds_per_iteration(model_name: str, device, batch_size: int = 60, precision: str = "fp32") -> float:
    """Measured seconds of one training step (forward, backward, Adam) of
    ``model_name`` on ``device`` with random data, in ``precision`` (bf16:
    autocast and, for conv nets, channels-last, as training does): the unit
    of the estimates."""
    key = (model_name, str(device), precision)
    if key not in _SPEED:
        model = build_model(model_name, seed=0).to(device)
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        x = torch.randn(batch_size, *model.input_shape, device=device)
        y = torch.randint(0, 10, (batch_size,), device=device)
        low = precision == "bf16"
        if low and x.dim() == 4:
            model.to(memory_format=torch.channels_last)
            x = x.contiguous(memory_format=torch.channels_last)

        def step():
            opt.zero_grad(set_to_none=True)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=low):
                logits = model(x)
            torch.nn.functional.cross_entropy(logits.float(), y).backward()
            opt.step()

        step()
        step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        n, t0 = 0, time.perf_counter()
        while n < 3 or (time.perf_counter() - t0 < 1.0 and n < 200):
            step()
            n += 1
        if device.type == "cuda":
            torch.cuda.synchronize()
        _SPEED[key] = (time.perf_counter() - t0) / n
    return _SPEED[key]


def _hms(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def dry_run(names, profile: str, root, device=None, out=sys.stdout) -> float:
    """Print what ``reproduce`` would run and roughly how long (training time
    measured on ``device``); returns the estimated seconds."""
    root = Path(root)
    device = pick_device(device)
    stored_root, runs_dir = root / "book" / "results", root / "runs"
    total, seen = 0.0, {}
    print(f"profile {profile} on {device}; estimates count training steps only, timed here on random data", file=out)
    for name in names:
        planned = plan(name, profile, stored_root, runs_dir)
        for q in planned:  # a run two chapters share is made once
            key = json.dumps(identity(q.params.resolved()), sort_keys=True) if q.params else None
            if key in seen and q.trainings:
                q.status, q.trainings = f"in {seen[key]}", 0
            elif key:
                seen.setdefault(key, name)
        seconds = 0.0
        for q in planned:
            model = q.params.model if q.params else "lenet_300_100"
            p = q.params.resolved() if q.params else RunParams(**E.comparison_base(model, profile)).resolved()
            seconds += q.trainings * p.iterations * seconds_per_iteration(model, device, precision=p.precision) \
                if q.trainings else 0.0
        total += seconds
        left = [q for q in planned if q.trainings]
        print(f"{name}: {len(planned)} runs, {len(left)} to compute, ~{_hms(seconds)}"
              + ("" if planned else " (no training)"), file=out)
        for q in planned:
            its = f"{q.trainings} trainings x {q.iterations:,} it" if q.trainings and q.params else \
                (f"~{q.trainings} trainings" if q.trainings else "nothing to do")
            print(f"    {q.label:52s} {q.status:13s} {its}", file=out)
    print(f"total: ~{_hms(total)} of training", file=out)
    return total


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

    nb = jupytext.read(source)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}.", suffix=".ipynb")
    os.close(fd)
    try:
        try:
            pm.execute_notebook(nb, tmp, parameters=parameters, kernel_name="python3", cwd=str(source.parent),
                                progress_bar=progress)
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
        if (Path(stored_root) / meta.parent.name / "records.json").exists():
            continue
        try:
            res = load_run(meta.parent)
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if res.complete and E.is_paper_scale(res.params, res.data.get("n_train")):
            done.append(results.export_run(res, stored_root))
    return done


def reproduce(profile: str, names=None, device=None, dry: bool = False, force: bool = False, root=None,
              out_dir=None, progress: bool = True, stdout=sys.stdout, stderr=sys.stderr) -> int:
    """Execute the chosen chapters under ``profile``; returns the exit status
    (0, or 1 when a chapter failed: each failure is named on ``stderr``)."""
    if profile not in E.PROFILES:
        raise ValueError(f"profile must be one of {E.PROFILES}, got {profile!r}")
    root = Path(root) if root else results.book_root()
    names = select(names, chapters(root))
    if dry:
        dry_run(names, profile, root, device, out=stdout)
        return 0
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
            if profile in ("paper", "subset"):  # even a failed chapter may have finished some runs
                for dest in export_paper_runs(root / "runs", root / "book" / "results"):
                    print(f"    stored {dest.relative_to(root)}", file=stdout)
        print(f"    done in {_hms(time.perf_counter() - t0)} -> {out}", file=stdout, flush=True)
    if failed:
        print(f"ramanujan_lth: {len(failed)} chapter(s) failed: {', '.join(failed)}", file=stderr)
        return 1
    return 0
