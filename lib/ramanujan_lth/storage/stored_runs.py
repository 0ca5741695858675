"""What is stored with the book: finished runs exported to ``book/results``.

Full-scale runs (papermill on a GPU, or long CPU runs) are exported as small
records — ``params.json`` and ``records.json``, never checkpoints, and every
round's masks — into a folder of the book, one sub-folder per run named as
:func:`ramanujan_lth.storage.params.run_dir` names it. A chapter asks for runs by their
parameters: :func:`find_stored` matches the parameters whatever data size the
run used, and the result says which data it saw (:func:`describe`). Reading
imports no torch: :mod:`ramanujan_lth.evidence.studies` computes what is not
stored, and :func:`ramanujan_lth.storage.export.export_run` stores a finished run.
"""

from __future__ import annotations

import json
from pathlib import Path

from ramanujan_lth.catalog import DATASETS, DEFAULTS, is_subset_run
from ramanujan_lth.storage import paths
from ramanujan_lth.storage.params import RunParams, RunResult, load_run

__all__ = [
    "book_root",
    "find_stored",
    "stored_all",
    "stored_some",
    "seed_count",
    "describe",
    "progress",
    "is_pipeline_check",
]


def book_root(start=None) -> Path:
    """The book's top folder (the first parent of ``start``, default the
    working directory, that holds ``_toc.yml``); chapters run from several
    places (Jupyter, the book build, nbval, papermill)."""
    here = Path(start or Path.cwd()).resolve()
    package = Path(__file__).resolve().parents  # an editable install lives in the book
    for d in (here, *here.parents, *package):
        if (d / "_toc.yml").is_file() and (d / "lib" / "ramanujan_lth").is_dir():
            return d
    raise FileNotFoundError(f"no book folder (with _toc.yml) above {here} or above the library")


def find_stored(params: RunParams, root, complete_only: bool = True) -> RunResult | None:
    """The stored run with these parameters under ``root`` (whatever data size
    it used), or None; unfinished runs count only without ``complete_only``."""
    root = Path(root)
    if not root.is_dir():
        return None
    want, unfinished = params.key(), None
    for meta in sorted(root.glob("*/params.json")):
        try:
            stored = json.loads(meta.read_text())
            p = RunParams.from_dict(stored["params"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a run folder
        if p.key() != want:
            continue
        if (meta.parent / paths.RECORDS).exists():
            res = load_run(meta.parent)
        else:  # started, no round finished yet
            res = RunResult(p.resolved(), meta.parent, [], False, stored.get("data", {}))
        if res.complete:
            return res
        if not complete_only and unfinished is None:
            unfinished = res
    return unfinished


def stored_all(params_list, root) -> list | None:
    """The book's rule for a quick chapter: it shows an experiment's stored
    full runs instead of computing its own when every run of the experiment
    is stored under ``root``. Their results then, else None. (A CIFAR-10
    regime study stored seed by seed in the subset profile is the one
    exception: :func:`stored_some`.)"""
    if root is None:
        return None
    found = [find_stored(p, root) for p in params_list]
    return found if found and all(found) else None


def stored_some(params_list, root) -> list | None:
    """The finished runs of ``params_list`` stored under ``root``, in order,
    or None when there is none: for a group stored one seed at a time over
    several sessions (the subset profile's Conv4, hours a seed on a CPU),
    which a quick chapter shows with the seeds it has, saying how many."""
    if root is None:
        return None
    found = [r for r in (find_stored(p, root) for p in params_list) if r is not None]
    return found or None


def seed_count(results: list[RunResult]) -> str:
    """How many seeds a list of runs holds, as the pages say it ("1 seed",
    "5 seeds"); a group of studies run with the same seeds counts them once."""
    n = len({r.params.seed for r in results})
    return f"{n} seed{'s' if n != 1 else ''}"


def describe(results: list[RunResult]) -> str:
    """One line on what a set of runs is, named as the book names runs: the
    paper's hyper-parameters on N of M training images, the subset profile
    (iterations scaled to the images present, bfloat16), or a quick run."""
    if not results:
        return "no runs"
    p, d = results[0].params.resolved(), results[0].data
    spec = DATASETS[p.dataset]
    n_train, n_test = d.get("n_train", 0), d.get("n_test", 0)
    images = f"{n_train:,} of {spec.n_train:,} {p.dataset.upper()} training images"
    tail = seed_count(results) + (
        f"; tested on {n_test:,} of {spec.n_test:,} test images" if n_test < spec.n_test else ""
    )
    if is_pipeline_check(results):
        what = f"{p.model}, {p.iterations:,} iterations per round on {images} (a pipeline check, not a result)"
    elif p.iterations >= DEFAULTS[p.model]["iterations"]:
        what = f"{p.model}, the paper's hyper-parameters on {images}"
    else:
        what = (
            f"{p.model}, subset profile: the paper's hyper-parameters with {p.iterations:,} iterations per round "
            f"(its passes over {images}), bfloat16"
        )
    unfinished = "; ".join(progress(r) for r in results if not r.complete)
    return f"{what}; {tail}{_failures(results)}" + (f"; unfinished, {unfinished}" if unfinished else "")


def progress(run: RunResult) -> str:
    """How far a run has come: "seed 0: 21 of 39 trainings" (of at most N
    for Algorithm 1, which stops when no layer changes)."""
    try:
        meta = json.loads((Path(run.folder) / paths.PARAMS).read_text())
    except (OSError, ValueError):
        meta = {}
    rounds = meta.get("rounds", run.params.rounds)  # an α or density run's rounds are derived
    cap = "at most " if run.params.bound else ""
    return f"seed {run.params.seed}: {len(run.records)} of {cap}{rounds + 1} trainings"


def _failures(results: list[RunResult]) -> str:
    """The runs that diverged (non-finite weights) or whose dense training ended at chance accuracy."""
    diverged = sum(any(r.get("diverged") for r in res.records) for res in results)
    chance = sum(bool(res.records and res.records[0].get("at_chance")) for res in results)
    parts = [f"{diverged} diverged (non-finite weights)"] * bool(diverged)
    parts += [f"{chance} at chance accuracy after dense training"] * bool(chance)
    n = len(results)
    return f"; of {n} run{'s' * (n != 1)}, " + " and ".join(parts) if parts else ""


def is_pipeline_check(results: list[RunResult]) -> bool:
    """Runs of the quick profile (fewer iterations than the paper's, or a cut training set, in
    float32): a check that the pipeline runs, never a finding."""
    p = results[0].params.resolved()
    full = p.iterations >= DEFAULTS[p.model]["iterations"] and p.n_train is None
    return not full and not is_subset_run(p)
