"""Stored results of full runs, and the tables the experiment chapters plot.

Full-scale runs (papermill on a GPU, or long CPU runs) are exported as small
records — ``params.json`` and ``records.json``, never checkpoints — into a
folder of the book (``book/results/``), one sub-folder per run named as
:func:`ramanujan_lth.runs.run_dir` names it. A chapter asks for runs by their
parameters: :func:`find_stored` matches the parameters whatever data size the
run used, and the result says which data it saw.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from . import metrics, paths, stored_masks
from .data import DATASETS, load_dataset
from .runs import RunParams, RunResult, identity, load_run, read_masks, run, run_seeds
from .train import DEFAULTS

__all__ = [
    "book_root",
    "interactive",
    "get_runs",
    "find_stored",
    "export_run",
    "accuracy_table",
    "spectral_table",
    "regime_table",
    "regime_bands",
    "loss_table",
    "held_layers",
    "describe",
]


def book_root(start=None) -> Path:
    """The book's top folder (the first parent of ``start``, default the
    working directory, that holds ``_toc.yml``); chapters run from several
    places (Jupyter, the book build, nbval, papermill)."""
    here = Path(start or Path.cwd()).resolve()
    package_home = Path(__file__).resolve().parents[2]  # an editable install lives in the book
    for d in (here, *here.parents, package_home):
        if (d / "_toc.yml").is_file() and (d / "lib" / "ramanujan_lth").is_dir():
            return d
    raise FileNotFoundError(f"no book folder (with _toc.yml) above {here} or at {package_home}")


def interactive() -> bool:
    """Whether a person watches this process: a terminal, or a notebook open
    in a Jupyter server (not the book build, papermill or nbval)."""
    return bool(os.environ.get("JPY_SESSION_NAME")) or sys.stderr.isatty()


def get_runs(
    params_list,
    stored_root=None,
    runs_dir=None,
    use_stored: bool = True,
    progress: bool | None = None,
    batched: bool | None = None,
    **run_kwargs,
) -> tuple[list[RunResult], str]:
    """Results for every parameter record: the stored full run when
    ``use_stored`` and one exists under ``stored_root``, else a run (or a
    cached one under ``runs_dir``). Returns the results and where they came
    from: ``"stored"``, ``"computed"`` or ``"mixed"``.

    ``progress``: a bar over the runs (default: only when :func:`interactive`).
    ``batched``: train the seeds of one configuration together
    (:func:`ramanujan_lth.runs.run_seeds`); ``None`` = on a GPU only, where it
    pays (see ``benchmarks/batched_seeds.py``).
    """
    params_list = list(params_list)
    progress = interactive() if progress is None else progress
    out, sources, loaded = [None] * len(params_list), set(), {}
    data_kw = {k: run_kwargs.pop(k) for k in ("data_root", "download", "device") if k in run_kwargs}
    todo = {}  # configuration without the seed -> [(index, params)]
    for i, p in enumerate(params_list):
        res = find_stored(p, stored_root) if (use_stored and stored_root) else None
        cached = find_stored(p, runs_dir) if (res is None and runs_dir is not None) else None
        if res is not None:
            out[i] = res
            sources.add("stored")
        elif cached is not None:  # finished under the runs folder: no data to load
            out[i] = cached
            sources.add("computed")
        else:
            key = json.dumps({k: v for k, v in identity(p.resolved()).items() if k != "seed"}, sort_keys=True)
            todo.setdefault(key, []).append((i, p))
    bar = tqdm(total=sum(len(g) for g in todo.values()), desc="runs", disable=not progress or not todo)
    for group in todo.values():
        name = group[0][1].resolved().dataset
        if name not in loaded:  # load each dataset once, not once per run
            loaded[name] = load_dataset(
                name,
                root=data_kw.get("data_root"),
                download=data_kw.get("download", False),
                device=data_kw.get("device"),
                quiet=not progress,
            )
        data = loaded[name]
        together = batched if batched is not None else data.device.type == "cuda"
        if together and len(group) > 1 and not any(p.eval_every for _, p in group):
            for (i, _), res in zip(
                group, run_seeds([p for _, p in group], runs_dir=runs_dir, progress=False, data=data, **run_kwargs)
            ):
                out[i] = res
            bar.update(len(group))
        else:
            for i, p in group:
                out[i] = run(p, runs_dir=runs_dir, progress=False, data=data, **run_kwargs)
                bar.update(1)
        sources.add("computed")
    bar.close()
    return out, sources.pop() if len(sources) == 1 else "mixed"


def _key(params: RunParams) -> str:
    return json.dumps(identity(params.resolved()), sort_keys=True)


def find_stored(params: RunParams, root, complete_only: bool = True) -> RunResult | None:
    """The stored run with these parameters under ``root`` (whatever data size
    it used), or None; unfinished runs count only without ``complete_only``."""
    root = Path(root)
    if not root.is_dir():
        return None
    want, unfinished = _key(params), None
    for meta in sorted(root.glob("*/params.json")):
        try:
            stored = json.loads(meta.read_text())
            p = RunParams.from_dict(stored["params"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a run folder
        if _key(p) != want:
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


def export_run(result: RunResult, root) -> Path:
    """Copy a finished run's records (not its checkpoint) under ``root``, with
    every round's masks (:mod:`ramanujan_lth.stored_masks`) when the run
    folder still has them. Records from before the later graph measures
    (:mod:`ramanujan_lth.metrics`) gain them from those masks."""
    if not result.complete:
        raise ValueError(f"run {result.folder} is not finished; only complete runs are stored")
    src_dir = Path(result.folder)
    dest = Path(root) / src_dir.name
    dest.mkdir(parents=True, exist_ok=True)
    masks = _round_masks(src_dir, len(result.records))
    for name in (paths.PARAMS, paths.TIMINGS):
        if (src_dir / name).exists():
            shutil.copyfile(src_dir / name, dest / name)
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
    seeds = sorted({r.params.seed for r in results})
    tail = f"{len(seeds)} seed{'s' if len(seeds) > 1 else ''}" + (
        f"; tested on {n_test:,} of {spec.n_test:,} test images" if n_test < spec.n_test else ""
    )
    if p.iterations >= DEFAULTS[p.model]["iterations"] and p.n_train is None:
        what = f"{p.model}, the paper's hyper-parameters on {images}"
    elif p.precision == "bf16" and p.n_train is None:
        what = (
            f"{p.model}, subset profile: the paper's hyper-parameters with {p.iterations:,} iterations per round "
            f"(its passes over {images}), bfloat16"
        )
    else:
        what = f"{p.model}, {p.iterations:,} iterations per round on {images} (a pipeline check, not a result)"
    return f"{what}; {tail}"


# ------------------------------------------------------------------ tables
def accuracy_table(results: list[RunResult]) -> pd.DataFrame:
    """Long table: seed, round, density, sigma (0 = clean), accuracy."""
    rows = []
    for res in results:
        for r in res.records:
            base = {"seed": res.params.seed, "round": r["round"], "density": r["density"]}
            rows.append({**base, "sigma": 0.0, "accuracy": r["accuracy"]})
            rows += [{**base, "sigma": float(s), "accuracy": a} for s, a in r["noisy_accuracy"].items()]
    return pd.DataFrame(rows)


def spectral_table(results: list[RunResult]) -> pd.DataFrame:
    """Long table: one row per (seed, round, graph, layer) with the spectral fields."""
    frames = []
    for res in results:
        df = res.spectral()
        df.insert(0, "seed", res.params.seed)
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    df["max_delta"] = df[["delta_s", "delta_r"]].max(axis=1)
    return df


def regime_table(spec: pd.DataFrame, layers, graph: str = "unweighted") -> pd.DataFrame:
    """Per round: the mean over seeds of ``max(ΔS, ΔR)`` per studied layer, which
    layers have the property (mean > 0), and the regime.

    Infinite Δ (a complete bipartite layer) counts as having the property.
    """
    df = spec[(spec["graph"] == graph) & spec["layer"].isin(layers)].copy()
    df["max_delta"] = df["max_delta"].replace([np.inf], 1e9)
    per = df.groupby(["round", "layer"]).agg(max_delta=("max_delta", "mean"), density=("overall_density", "mean"))
    per = per.reset_index()
    rows = []
    for rnd, g in per.groupby("round"):
        has = {row.layer: bool(row.max_delta > 0) for row in g.itertuples()}
        n = sum(has.values())
        rows.append(
            {
                "round": rnd,
                "density": g["density"].mean(),
                "n_ramanujan": n,
                "n_layers": len(has),
                "regime": "fully" if n == len(has) else "partially" if n else "non",
                **{f"has_{k}": v for k, v in has.items()},
            }
        )
    return pd.DataFrame(rows)


def loss_table(spec: pd.DataFrame, layers) -> pd.DataFrame:
    """Per studied layer and graph: the highest overall density at which the
    mean over seeds of ``max(ΔS, ΔR)`` (unweighted) or ``ΔS`` (weighted) is no
    longer positive, scanning from dense to sparse (NaN if never), and the
    lowest density at which it was positive before that."""
    rows = []
    for graph, col in (("unweighted", "max_delta"), ("weighted", "delta_s")):
        df = spec[(spec["graph"] == graph) & spec["layer"].isin(layers)]
        for layer, g in df.groupby("layer", sort=False):
            m = g.groupby("round").agg(density=("overall_density", "mean"), delta=(col, "mean")).sort_index()
            lost = m[~(m["delta"] > 0)]
            first = lost.index[0] if len(lost) else None
            before = m.loc[: first - 1] if first is not None else m
            rows.append(
                {
                    "layer": layer,
                    "graph": graph,
                    "last density with the property": before["density"].min() if len(before) else np.nan,
                    "first density without": m.loc[first, "density"] if first is not None else np.nan,
                }
            )
    return pd.DataFrame(rows)


def regime_bands(regimes: pd.DataFrame) -> pd.DataFrame:
    """Density intervals of constant regime, for shading: one row per stretch
    of rounds, its edges half-way (geometrically) between neighbouring rounds."""
    r = regimes.sort_values("round").reset_index(drop=True)
    d = r["density"].to_numpy()
    edges = np.sqrt(d[:-1] * d[1:]) if len(d) > 1 else np.array([])
    hi = np.concatenate([[1.0], edges])
    lo = np.concatenate([edges, [d[-1] * 0.8]])
    rows = []
    for i, reg in enumerate(r["regime"]):
        if rows and rows[-1]["regime"] == reg:
            rows[-1]["lo"] = lo[i]
        else:
            rows.append({"regime": reg, "hi": hi[i], "lo": lo[i]})
    return pd.DataFrame(rows)


def held_layers(records) -> dict:
    """Per layer of a -Bound run that Algorithm 1 left unchanged through its
    last rounds: ``(round from which, reason given there, layer density then)``."""
    held = {}
    for rec in records:  # a round that changes a layer clears its entry
        for d in rec.get("bound_decisions") or []:
            if d["changed"]:
                held.pop(d["layer"], None)
            elif d["layer"] not in held:
                held[d["layer"]] = (rec["round"], d["reason"], rec["layers"].get(d["layer"]))
    return held
