"""Command line: ``python -m ramanujan_lth run --help``."""
from __future__ import annotations

import argparse
import dataclasses
import sys

from . import prune
from .bound_pruner import CRITERIA
from .data import DATASETS, DatasetNotFound
from .models import MODELS
from .runs import SCHEDULES, RunInUse, RunParams, default_runs_dir, run, run_seeds
from .train import PRECISIONS


class OneLineParser(argparse.ArgumentParser):
    """Errors as one line: ``ramanujan_lth: error: ...``."""

    def error(self, message):
        sys.stderr.write(f"ramanujan_lth: error: {message}\n")
        sys.exit(2)


def _parser() -> argparse.ArgumentParser:
    ap = OneLineParser(prog="python -m ramanujan_lth", description="Reproduction of 'A Study on the Ramanujan Graph Property of Winning Lottery Tickets'.")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    r = sub.add_parser("run", help="run (or resume, or load) an iterative-pruning experiment",
                       description="Train, score, prune and rewind round after round; record accuracy, noisy accuracy "
                                   "and the spectral report of every layer. A finished run is loaded, a killed one resumed.")
    d = RunParams()
    r.add_argument("--model", default=d.model, choices=sorted(MODELS))
    r.add_argument("--dataset", default=None, choices=sorted(DATASETS), help="default: the model's dataset in the paper")
    r.add_argument("--score", default=d.score, choices=sorted(prune.SCORES), help="pruning score (magnitude = IMP)")
    r.add_argument("--schedule", default=d.schedule, choices=SCHEDULES)
    r.add_argument("--p-fc", type=float, default=d.p_fc, help="layer-wise rate of FC layers, in (0, 1)")
    r.add_argument("--p-conv", type=float, default=d.p_conv, help="layer-wise rate of conv layers, in (0, 1)")
    r.add_argument("--p-out", type=float, default=d.p_out, help="layer-wise rate of the output layer, in (0, 1)")
    r.add_argument("--p-global", type=float, default=d.p_global, help="global rate, in (0, 1)")
    r.add_argument("--rounds", type=int, default=d.rounds, help="pruning rounds (ignored with --alpha)")
    r.add_argument("--alpha", type=float, default=None, help="prune to exactly 10^-alpha overall density (alpha >= 0)")
    r.add_argument("--density", type=float, default=None, help="prune to exactly this overall density, in (0, 1]")
    r.add_argument("--bound", action="store_true", help="prune through Algorithm 1 until no layer changes (at most --rounds)")
    r.add_argument("--bound-K", type=int, default=d.bound_K, help="Algorithm 1's level K: rates p, p/2, ..., p/2^(K-1)")
    r.add_argument("--bound-guard", default=d.bound_guard, choices=["average", "minimum"], help="layer-collapse guard")
    r.add_argument("--bound-criteria", nargs="+", default=None, choices=list(CRITERIA), metavar="CRITERION",
                   help="accept a candidate when one of these single bounds holds (UE, UD: unweighted eigenvalue / "
                        "degree bound; WE, WD: on |W|) instead of Algorithm 1's rule")
    r.add_argument("--iterations", type=int, default=None, help="training iterations per round (default: the paper's)")
    r.add_argument("--lr", type=float, default=None, help="Adam learning rate (default: the paper's)")
    r.add_argument("--batch-size", type=int, default=d.batch_size)
    r.add_argument("--eval-every", type=int, default=d.eval_every, help="test every N iterations (0: at the end only)")
    r.add_argument("--rewind-iteration", type=int, default=d.rewind_iteration, help="0 = original initialisation")
    r.add_argument("--seed", type=int, default=d.seed)
    r.add_argument("--seeds", type=int, nargs="+", default=None,
                   help="several seeds of this configuration, trained together (one vectorised model; pays on a GPU)")
    r.add_argument("--noise", type=float, nargs="*", default=list(d.noise_sigmas), help="noise std devs for noisy test sets")
    r.add_argument("--n-train", type=int, default=None, help="use only the first N training images")
    r.add_argument("--snip-batch", type=int, default=d.snip_batch)
    r.add_argument("--precision", default=d.precision, choices=PRECISIONS,
                   help="bf16: bfloat16 autocast over float32 weights (conv nets in channels-last); default fp32")
    r.add_argument("--runs-dir", default=None, help=f"where runs are stored (default: $RAMANUJAN_LTH_RUNS or {default_runs_dir()})")
    r.add_argument("--data-root", default=None, help="dataset folder (default: $RAMANUJAN_LTH_DATA)")
    r.add_argument("--download", action="store_true", help="allow torchvision to download missing datasets")
    r.add_argument("--device", default=None, help="cuda, mps or cpu (default: the first available)")
    r.add_argument("--quiet", action="store_true", help="no progress bars")
    e = sub.add_parser("export", help="copy finished runs' records (not checkpoints) into the book's stored results",
                       description="Copy params.json, records.json and timings.json of finished runs into a folder "
                                   "the chapters read stored full runs from.")
    e.add_argument("folders", nargs="+", help="run folders written by 'run'")
    e.add_argument("--to", default="book/results", help="destination (default: book/results)")
    st = sub.add_parser("status", help="where the runs under the runs dir stand",
                        description="One line per run folder: what it is, rounds done, last density and accuracy, "
                                    "whether a process trains it now, and roughly how long the rest takes.")
    st.add_argument("--runs-dir", default=None, help=f"default: $RAMANUJAN_LTH_RUNS or {default_runs_dir()}")
    st.add_argument("--unfinished", action="store_true", help="only runs that are not finished")
    x = sub.add_parser("reproduce", help="execute the chapters with papermill under a profile",
                       description="Convert each chapter with jupytext and execute it with papermill under the "
                                   "profile's parameters. Executed notebooks go to book/executed/<profile>/, finished "
                                   "paper-scale runs to book/results/ (where the chapters show them). Runs that exist "
                                   "are reused, killed runs resume, up-to-date chapters are skipped.")
    x.add_argument("--profile", required=True, choices=["quick", "paper", "subset"],
                   help="quick: minutes on a laptop CPU; paper: the paper's hyper-parameters (a GPU); subset: "
                        "the CIFAR-10 networks with iterations scaled to the images present, in bfloat16 (a CPU)")
    x.add_argument("--chapters", nargs="+", default=None, metavar="CHAPTER",
                   help="chapters by name, number or word (e.g. 03 regimes); default: all")
    x.add_argument("--device", default=None, help="cuda, mps or cpu (default: the first available)")
    x.add_argument("--dry-run", action="store_true", help="list the runs each chapter needs and roughly how long")
    x.add_argument("--force", action="store_true", help="execute chapters whose executed notebook is up to date")
    x.add_argument("--out", default=None, help="folder of executed notebooks (default: book/executed/<profile>)")
    x.add_argument("--quiet", action="store_true", help="no progress bars")
    x.add_argument("--executor", default="ray", choices=["ray", "inline"],
                   help="ray (default): each run a Ray task, in parallel; inline: one after another in this process")
    x.add_argument("--jobs", type=int, default=None,
                   help="runs at once on a local Ray instance (default: the cores, or the GPUs)")
    x.add_argument("--address", default=None,
                   help="join a running Ray cluster ('auto', or ray://host:port) instead of starting a local one; "
                        "the runs folder must be on a filesystem every node shares")
    x.add_argument("--runs-only", action="store_true", help="compute and store the runs; do not execute the chapters")
    return ap


def _reproduce(ap, a) -> int:
    from .reproduce import reproduce

    try:
        return reproduce(a.profile, a.chapters, device=a.device, dry=a.dry_run, force=a.force, out_dir=a.out,
                         progress=not a.quiet, executor=a.executor, jobs=a.jobs, address=a.address,
                         runs_only=a.runs_only)
    except (ValueError, FileNotFoundError, RuntimeError) as e:
        ap.error(str(e))


def _export(a) -> int:
    from .results import export_run
    from .runs import load_run

    for folder in a.folders:
        try:
            res = load_run(folder)
            dest = export_run(res, a.to)
        except (FileNotFoundError, ValueError) as err:
            sys.stderr.write(f"ramanujan_lth: error: {folder}: {err}\n")
            return 2
        print(f"{folder} -> {dest}")
    return 0


def _status(a) -> int:
    import pandas as pd

    from .status import run_status

    folder = a.runs_dir or default_runs_dir()
    table = run_status(folder, unfinished_only=a.unfinished)
    if table.empty:
        print(f"no {'unfinished ' if a.unfinished else ''}runs under {folder}")
        return 0
    with pd.option_context("display.width", 250, "display.max_colwidth", 60, "display.max_rows", None):
        print(table.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    return 0


def main(argv=None) -> int:
    ap = _parser()
    a = ap.parse_args(argv)
    if a.command == "export":
        return _export(a)
    if a.command == "status":
        return _status(a)
    if a.command == "reproduce":
        return _reproduce(ap, a)
    try:
        params = RunParams(
            model=a.model, dataset=a.dataset, score=a.score, schedule=a.schedule, p_fc=a.p_fc, p_conv=a.p_conv,
            p_out=a.p_out, p_global=a.p_global, rounds=a.rounds, alpha=a.alpha, iterations=a.iterations, lr=a.lr,
            batch_size=a.batch_size, eval_every=a.eval_every, rewind_iteration=a.rewind_iteration, seed=a.seed,
            noise_sigmas=tuple(a.noise), n_train=a.n_train, snip_batch=a.snip_batch, density=a.density,
            bound=a.bound, bound_K=a.bound_K, bound_guard=a.bound_guard, precision=a.precision,
            bound_criteria=tuple(a.bound_criteria) if a.bound_criteria else None,
        )
        params.validate()
    except ValueError as e:
        ap.error(str(e))
    if a.seeds is not None and a.eval_every:
        ap.error("--seeds trains seeds together and records no history: leave --eval-every at 0")
    kw = dict(runs_dir=a.runs_dir, data_root=a.data_root, download=a.download, device=a.device, progress=not a.quiet)
    try:
        if a.seeds is not None:
            if len(set(a.seeds)) != len(a.seeds):
                ap.error("--seeds lists a seed twice")
            results = run_seeds([dataclasses.replace(params, seed=s) for s in a.seeds], **kw)
        else:
            results = [run(params, **kw)]
    except DatasetNotFound as e:
        ap.error(str(e))
    except RunInUse as e:
        print(f"ramanujan_lth: {e}", file=sys.stderr)
        return 3
    for result in results:
        print(f"run folder: {result.folder}")
        if result.data.get("note"):
            print(result.data["note"])
        cols = ["round", "density", "accuracy"] + [c for c in result.frame().columns if c.startswith("noisy_")]
        print(result.frame()[cols].to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
