"""Command line: ``python -m ramanujan_lth run --help``.

Each command imports the modules it needs when it runs, so that ``status``
and ``--help`` start without torch.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from ramanujan_lth.catalog import PROFILES
from ramanujan_lth.storage.params import RunParams, default_runs_dir, load_run


class OneLineParser(argparse.ArgumentParser):
    """Errors as one line: ``ramanujan_lth: error: ...``."""

    def error(self, message):
        sys.stderr.write(f"ramanujan_lth: error: {message}\n")
        sys.exit(2)


def _option(f: dataclasses.Field) -> str:
    return f.metadata.get("option") or "--" + f.name.replace("_", "-")


def _add_run_params(parser) -> None:
    """One option per :class:`RunParams` field, from the field's type, default and help."""
    for f in dataclasses.fields(RunParams):
        meta = f.metadata
        if not meta.get("cli", True):
            continue
        kw = {"help": meta.get("help") or None, "dest": f.name}
        if meta.get("choices") is not None:
            kw["choices"] = meta["choices"]
        kind = str(f.type)
        if kind == "bool":
            parser.add_argument(_option(f), action="store_true", **kw)
            continue
        if kind.startswith("tuple"):
            item = float if f.name == "noise_sigmas" else str
            kw.update(nargs="*" if f.default is not None else "+", type=item, metavar="VALUE")
            if "choices" in kw:
                kw["metavar"] = "|".join(kw["choices"])
            parser.add_argument(_option(f), default=f.default, **kw)
            continue
        kw["type"] = float if kind.startswith("float") else int if kind.startswith("int") else str
        parser.add_argument(_option(f), default=f.default, **kw)


def _run_params(a) -> RunParams:
    """The :class:`RunParams` of parsed ``run`` options."""
    values = {}
    for f in dataclasses.fields(RunParams):
        if f.metadata.get("cli", True):
            v = getattr(a, f.name)
            values[f.name] = tuple(v) if isinstance(v, list) else v
    return RunParams(**values)


def _parser() -> argparse.ArgumentParser:
    ap = OneLineParser(
        prog="python -m ramanujan_lth",
        description="Reproduction of 'A Study on the Ramanujan Graph Property of Winning Lottery Tickets'.",
    )
    sub = ap.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    r = sub.add_parser(
        "run",
        help="run (or resume, or load) an iterative-pruning experiment",
        description="Train, score, prune and rewind round after round; record accuracy, noisy accuracy "
        "and the spectral report of every layer. A finished run is loaded, a killed one resumed.",
    )
    _add_run_params(r)
    r.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=None,
        help="several seeds of this configuration, trained together (one vectorised model; pays on a GPU)",
    )
    r.add_argument(
        "--runs-dir", default=None, help=f"where runs are stored (default: $RAMANUJAN_LTH_RUNS or {default_runs_dir()})"
    )
    r.add_argument("--data-root", default=None, help="dataset folder (default: $RAMANUJAN_LTH_DATA)")
    r.add_argument("--download", action="store_true", help="allow torchvision to download missing datasets")
    r.add_argument("--device", default=None, help="cuda, mps or cpu (default: the first available)")
    r.add_argument("--quiet", action="store_true", help="no progress bars")
    r.add_argument(
        "--park-to",
        default=None,
        help="park the run there after every round (book/parked: commit it, and a lost machine loses one round)",
    )
    e = sub.add_parser(
        "export",
        help="copy finished runs' records (not checkpoints) into the book's stored results",
        description="Copy params.json, records.json, timings.json and provenance.json of finished runs into a "
        "folder the chapters read stored full runs from.",
    )
    e.add_argument("folders", nargs="+", help="run folders written by 'run'")
    e.add_argument("--to", default="book/results", help="destination (default: book/results)")
    e.add_argument(
        "--parked",
        default=None,
        help="parked copies (default: parked/ beside --to); an export removes its own",
    )
    e.add_argument(
        "--mask-round",
        type=int,
        default=None,
        metavar="R",
        help="instead: write the masks round R trained with as a portable FOLDER-NAME.roundR.mask.npz "
        "(one boolean array per weight, keyed by parameter name), in the current folder or --mask-file",
    )
    e.add_argument("--mask-file", default=None, help="with --mask-round and one folder: the file to write")
    k = sub.add_parser(
        "park",
        help="keep unfinished runs in the book so that another machine can resume them",
        description="Copy what a resume needs of unfinished runs (parameters, finished rounds' records and "
        "timings, every round's masks; no checkpoint) into a folder to commit. 'unpark' writes them back "
        "and 'run' resumes them; 'reproduce' unparks by itself.",
    )
    k.add_argument("folders", nargs="+", help="run folders written by 'run' (they may be training now)")
    k.add_argument("--to", default="book/parked", help="destination (default: book/parked)")
    u = sub.add_parser(
        "unpark",
        help="write parked runs back under the runs dir, where 'run' resumes them",
        description="Rebuild each parked run's folder (checkpoint, round masks, records) under the runs dir, "
        "unless the run there has as many finished rounds already.",
    )
    u.add_argument("folders", nargs="+", help="parked run folders (book/parked/<run>)")
    u.add_argument("--runs-dir", default=None, help=f"default: $RAMANUJAN_LTH_RUNS or {default_runs_dir()}")
    r = sub.add_parser(
        "restore",
        help="write stored runs back under the runs dir, so that runs sharing their rounds copy them",
        description="Rebuild each finished stored run's folder (checkpoint, round masks, records) under the "
        "runs dir from its stored masks: a run that differs only in fewer noisy test sets is then a copy, "
        "one that prunes less far copies the rounds they share. 'reproduce' restores what its runs need.",
    )
    r.add_argument("folders", nargs="+", help="stored run folders (book/results/<run>)")
    r.add_argument("--runs-dir", default=None, help=f"default: $RAMANUJAN_LTH_RUNS or {default_runs_dir()}")
    rm = sub.add_parser(
        "recover-masks",
        help="train stored runs that kept no masks again, and store their masks when every stored value comes back",
        description="The first stored runs were exported before runs kept their masks, so their records lack "
        "r, IMDB and NaRC. Each run is trained again under the runs dir (a killed one resumes there) and "
        "compared with its stored records round by round; at the first value that differs it stops and the "
        "stored copy is left as it was. A run that repeats every stored value is stored again with every "
        "round's masks and the measures computed from them.",
    )
    rm.add_argument("folders", nargs="+", help="stored run folders (book/results/<run>)")
    rm.add_argument("--runs-dir", default=None, help=f"default: $RAMANUJAN_LTH_RUNS or {default_runs_dir()}")
    rm.add_argument("--data-root", default=None, help="dataset folder (default: $RAMANUJAN_LTH_DATA)")
    rm.add_argument("--device", default=None, help="cuda, mps or cpu (default: the first available)")
    rm.add_argument("--quiet", action="store_true", help="no progress bars")
    st = sub.add_parser(
        "status",
        help="where the runs under the runs dir stand",
        description="One line per run folder: what it is, rounds done, last density and accuracy, "
        "whether a process trains it now, and roughly how long the rest takes.",
    )
    st.add_argument("--runs-dir", default=None, help=f"default: $RAMANUJAN_LTH_RUNS or {default_runs_dir()}")
    st.add_argument("--unfinished", action="store_true", help="only runs that are not finished")
    st.add_argument("--parked", default="book/parked", help="parked runs to list too (default: book/parked)")
    an = sub.add_parser(
        "analyse",
        help="the spectral report of any PyTorch model or mask, layer by layer",
        description="One row per prunable weight (Linear, Conv1d/2d/3d, grouped convolutions, attention's "
        "q, k, v and output maps): graph size, density, t1, t2, both bounds, ΔS, ΔR, Ramanujan, r, IMDB, "
        "NaRC and the weighted spectral gap; then the network's regime. Masks come from --masks, from "
        "torch.nn.utils.prune's *_mask entries of the checkpoint, or from the weights' zeros.",
    )
    an.add_argument(
        "checkpoint", nargs="?", default=None, help="a state_dict file (torch.save); omit it to measure --masks alone"
    )
    an.add_argument(
        "--model",
        default=None,
        metavar="SPEC",
        help="the architecture: torchvision:NAME (e.g. torchvision:resnet18), ramanujan_lth:NAME (e.g. "
        "ramanujan_lth:conv4) or package.module:function",
    )
    an.add_argument(
        "--masks", default=None, metavar="FILE.mask.npz", help="one boolean array per weight, by parameter name"
    )
    an.add_argument(
        "--layers", nargs="+", default=None, help="the layers that decide the regime (default: both sides ≥ 10)"
    )
    an.add_argument("--csv", default=None, metavar="OUT.csv", help="write the full table")
    an.add_argument("--html", default=None, metavar="OUT.html", help="write the per-layer chart and table as one page")
    an.add_argument(
        "--trust-pickle",
        action="store_true",
        help="read a checkpoint that holds pickled objects (a whole model): loading it runs code from the file",
    )
    x = sub.add_parser(
        "reproduce",
        help="execute the chapters with papermill under a profile",
        description="Convert each chapter with jupytext and execute it with papermill under the "
        "profile's parameters. Executed notebooks go to book/executed/<profile>/, finished "
        "paper-scale runs to book/results/ (where the chapters show them). Runs that exist "
        "are reused, killed runs resume, up-to-date chapters are skipped.",
    )
    x.add_argument(
        "--profile",
        required=True,
        choices=list(PROFILES),
        help="quick: minutes on a laptop CPU; paper: the paper's hyper-parameters (a GPU); subset: "
        "the CIFAR-10 networks with iterations scaled to the images present, in bfloat16 (a CPU)",
    )
    x.add_argument(
        "--chapters",
        nargs="+",
        default=None,
        metavar="CHAPTER",
        help="chapters by name, number or word (e.g. 03 regimes); default: all",
    )
    x.add_argument("--device", default=None, help="cuda, mps or cpu (default: the first available)")
    x.add_argument("--dry-run", action="store_true", help="list the runs each chapter needs and roughly how long")
    x.add_argument("--force", action="store_true", help="execute chapters whose executed notebook is up to date")
    x.add_argument("--out", default=None, help="folder of executed notebooks (default: book/executed/<profile>)")
    x.add_argument("--quiet", action="store_true", help="no progress bars")
    x.add_argument(
        "--executor",
        default="ray",
        choices=["ray", "inline"],
        help="ray (default): each run a Ray task, in parallel; inline: one after another in this process",
    )
    x.add_argument(
        "--jobs", type=int, default=None, help="runs at once on a local Ray instance (default: the cores, or the GPUs)"
    )
    x.add_argument(
        "--address",
        default=None,
        help="join a running Ray cluster ('auto', or ray://host:port) instead of starting a local one; "
        "the runs folder (and book/parked, unless --no-park) must be on a filesystem every node shares",
    )
    x.add_argument(
        "--first",
        default="longest",
        choices=["longest", "shortest"],
        help="which ready runs start first: longest (default; the whole batch done soonest) or shortest "
        "(each run stored sooner: for sessions shorter than the batch)",
    )
    x.add_argument("--runs-only", action="store_true", help="compute and store the runs; do not execute the chapters")
    x.add_argument(
        "--no-park",
        action="store_true",
        help="do not park unfinished runs in book/parked after every round (paper and subset profiles park them)",
    )
    return ap


def _reproduce(ap, a) -> int:
    from ramanujan_lth.batch.reproduce import reproduce

    try:
        return reproduce(
            a.profile,
            a.chapters,
            device=a.device,
            dry=a.dry_run,
            force=a.force,
            out_dir=a.out,
            progress=not a.quiet,
            executor=a.executor,
            jobs=a.jobs,
            address=a.address,
            runs_only=a.runs_only,
            park=not a.no_park,
            first=a.first,
        )
    except (ValueError, FileNotFoundError, RuntimeError) as e:
        ap.error(str(e))


def _export(a) -> int:
    from ramanujan_lth.storage.export import export_run
    from ramanujan_lth.storage.parked import discard

    if a.mask_round is not None:
        return _export_masks(a)

    parked_root = Path(a.parked) if a.parked else Path(a.to).parent / "parked"
    for folder in a.folders:
        try:
            res = load_run(folder)
            dest = export_run(res, a.to)
        except (FileNotFoundError, ValueError) as err:
            sys.stderr.write(f"ramanujan_lth: error: {folder}: {err}\n")
            return 2
        print(f"{folder} -> {dest}")
        if discard(parked_root, dest.name):
            print(f"    removed its parked copy {parked_root / dest.name}")
    return 0


def _export_masks(a) -> int:
    import numpy as np

    from ramanujan_lth.your_network import mask_file

    if a.mask_file and len(a.folders) > 1:
        sys.stderr.write("ramanujan_lth: error: --mask-file names one file: export one folder at a time\n")
        return 2
    for folder in a.folders:
        out = a.mask_file or f"{Path(folder).name}.round{a.mask_round}{mask_file.SUFFIX}"
        try:
            masks = mask_file.from_run(folder, a.mask_round)
            mask_file.write(out, masks)
        except (FileNotFoundError, ValueError) as err:
            sys.stderr.write(f"ramanujan_lth: error: {folder}: {err}\n")
            return 2
        kept = sum(int(np.count_nonzero(m)) for m in masks.values())
        total = sum(m.size for m in masks.values())
        print(f"{folder} round {a.mask_round} -> {out} ({len(masks)} weights, {kept / total:.2%} kept)")
    return 0


def _analyse(ap, a) -> int:
    from ramanujan_lth.your_network import analyse, checkpoints, mask_file

    if a.checkpoint is None and a.masks is None:
        ap.error("give a CHECKPOINT (with --model SPEC), or --masks FILE.mask.npz to measure masks alone")
    try:
        masks = mask_file.read(a.masks) if a.masks else {}
        model = checkpoints.build(a.model) if a.model else None
        if a.checkpoint is None and model is None:
            table = analyse.masks(masks, layers=a.layers)
        else:
            found = {}
            if a.checkpoint is not None:
                model, found = checkpoints.load(a.checkpoint, model, trust_pickle=a.trust_pickle)
            merged = {**found, **masks}
            table = analyse.network(model, merged, layers=a.layers, trained=a.checkpoint is not None, progress=True)
    except (FileNotFoundError, ValueError) as err:
        ap.error(str(err))
    import pandas as pd

    with pd.option_context("display.width", 250, "display.max_rows", None, "display.max_columns", None):
        print(analyse.readable(table).to_string(index=False, float_format=lambda x: f"{x:.4g}", na_rep="-"))
    print()
    for layer, why in zip(table["layer"], table["undefined"]):
        if why:
            print(f"  {layer}: {why}")
    print(analyse.describe(table))
    if a.csv:
        table.to_csv(a.csv, index=False)
        print(f"table: {a.csv}")
    if a.html:
        Path(a.html).write_text(analyse.page(table, f"{a.model or a.masks}: {a.checkpoint or a.masks}"))
        print(f"chart: {a.html}")
    return 0


def _park(a) -> int:
    from ramanujan_lth.storage.parked import park, parked_rounds

    for folder in a.folders:
        try:
            dest = park(folder, a.to)
        except (FileNotFoundError, ValueError) as err:
            sys.stderr.write(f"ramanujan_lth: error: {folder}: {err}\n")
            return 2
        total = json.loads((dest / "params.json").read_text())["rounds"] + 1
        print(f"{folder} -> {dest} ({parked_rounds(dest)} of {total} trainings)")
    return 0


def _unpark(a) -> int:
    from ramanujan_lth.storage.parked import parked_rounds, unpark

    return _write_back(
        a,
        unpark,
        "the run under the runs dir is as far already; left as it is",
        lambda folder: f" (resumes after {parked_rounds(folder)} trainings)",
    )


def _restore(a) -> int:
    from ramanujan_lth.storage.parked import restore

    return _write_back(a, restore, "finished under the runs dir already", lambda folder: "")


def _write_back(a, write, unchanged: str, detail) -> int:
    """Write each of ``a.folders`` back under the runs dir with ``write`` (unpark or restore)."""
    from ramanujan_lth.storage.runs import RunInUse

    for folder in a.folders:
        try:
            dest = write(folder, a.runs_dir or default_runs_dir())
        except (FileNotFoundError, ValueError, RunInUse) as err:
            sys.stderr.write(f"ramanujan_lth: error: {folder}: {err}\n")
            return 2
        print(f"{folder}: {unchanged}" if dest is None else f"{folder} -> {dest}{detail(folder)}")
    return 0


def _recover_masks(a) -> int:
    from ramanujan_lth.storage.recover_masks import recover
    from ramanujan_lth.storage.runs import RunInUse

    failed = 0
    for folder in a.folders:
        try:
            dest = recover(folder, a.runs_dir, data_root=a.data_root, device=a.device, progress=not a.quiet)
        except (FileNotFoundError, ValueError, RunInUse) as err:  # NotRepeated too: one line, then the next
            sys.stderr.write(f"ramanujan_lth: error: {folder}: {err}\n")
            failed += 1
            continue
        if dest is None:
            print(f"{folder}: has its masks already; left as it is")
        else:
            n = len(json.loads((dest / "records.json").read_text())["records"])
            print(f"{folder}: all {n} rounds came back exactly; stored again with their masks -> {dest}")
    return 1 if failed else 0


def _status(a) -> int:
    import pandas as pd

    from ramanujan_lth.storage.status import run_status

    folder = a.runs_dir or default_runs_dir()
    table = run_status(folder, unfinished_only=a.unfinished)
    here = set(table["run"])
    kept = run_status(a.parked, unfinished_only=True) if Path(a.parked).is_dir() else table.iloc[:0]
    kept = kept[~kept["run"].isin(here)].assign(state="parked (unpark to resume)")
    with pd.option_context("display.width", 250, "display.max_colwidth", 60, "display.max_rows", None):
        if table.empty:
            print(f"no {'unfinished ' if a.unfinished else ''}runs under {folder}")
        else:
            print(table.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
        if not kept.empty:
            print(f"\nparked under {a.parked}, not under {folder}:")
            print(kept.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    return 0


def main(argv=None) -> int:
    ap = _parser()
    a = ap.parse_args(argv)
    if a.command == "export":
        return _export(a)
    if a.command == "park":
        return _park(a)
    if a.command == "unpark":
        return _unpark(a)
    if a.command == "restore":
        return _restore(a)
    if a.command == "status":
        return _status(a)
    if a.command == "recover-masks":
        return _recover_masks(a)
    if a.command == "reproduce":
        return _reproduce(ap, a)
    if a.command == "analyse":
        return _analyse(ap, a)
    return _run(ap, a)


def _run(ap, a) -> int:
    from ramanujan_lth.networks.data import DatasetNotFound, DeviceUnavailable
    from ramanujan_lth.storage.runs import DamagedRun, RunInUse, run, run_seeds

    try:
        params = _run_params(a)
        params.validate()
    except ValueError as e:
        ap.error(str(e))
    if a.seeds is not None and a.eval_every:
        ap.error("--seeds trains seeds together and records no history: leave --eval-every at 0")
    kw = dict(runs_dir=a.runs_dir, data_root=a.data_root, download=a.download, device=a.device, progress=not a.quiet)
    if a.park_to:
        from ramanujan_lth.storage.parked import parking

        kw["after_round"] = parking(a.park_to)
    try:
        if a.seeds is not None:
            if len(set(a.seeds)) != len(a.seeds):
                ap.error("--seeds lists a seed twice")
            results = run_seeds([dataclasses.replace(params, seed=s) for s in a.seeds], **kw)
        else:
            results = [run(params, **kw)]
    except (DatasetNotFound, DeviceUnavailable, DamagedRun) as e:
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
