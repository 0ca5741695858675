"""Iterative-pruning experiments identified by their parameters.

``run(RunParams(...))`` trains, scores, prunes and rewinds round after round
and records, per round: the density of every layer and overall, the clean and
noisy test accuracy, and the full spectral report of the unweighted and
weighted graphs. A run lives in ``<runs dir>/<name>-<hash>/`` where the hash
covers every parameter and the sizes of the data used:

* ``params.json`` — the resolved parameters and data sizes;
* ``records.json`` — one record per finished round, rewritten atomically;
* ``checkpoint.pt`` — masks, rewind weights and records after the last
  finished round, so a killed run resumes where it stopped;
* ``timings.json`` — seconds per round (kept out of the records so that a
  resumed run's records equal an uninterrupted run's, bit for bit on a CPU);
* ``provenance.json`` — where it ran: one session per start or resume (torch,
  CPU capability, threads, device, precision), outside its identity; a
  resume under other arithmetic says so in one line on stderr
  (:mod:`ramanujan_lth.storage.provenance`);
* ``rounds/<t>.pt`` — the masks each round started from, bit-packed.

Asking again for a finished run returns its stored records without training.
A new run that differs from one already under the runs dir only in how far
it prunes (``alpha``, ``density``, ``rounds``) and in dropping trailing noise
levels shares that run's first rounds: same seed, same masks, same training.
It starts from the other run's masks at the last round they share, copies
the records before it, and says so in ``params.json`` (``forked_from``); its
records equal those of a run from scratch, bit for bit on a CPU. Table 3's
α = 1 and α = 1.5 runs thus cost two trainings each once α = 2 exists.

Runs whose schedules differ (a ``-Bound`` run beside the plain run of its
score) can still start with the same masks: in the first rounds Algorithm 1
often accepts the plain rate for every layer. Each run also keeps the weights
each round trained to (``rounds/<t>.trained.pt``, models up to
:data:`TRAINED_SNAPSHOT_MAX` parameters), and a run with no fork to take
*replays* another run's rounds instead: while its masks at round ``t`` equal
the other run's, the other's trained weights are its own (same seed, masks
and training), so it measures, scores and prunes them by its own rules
without training, and trains from the first round where the masks differ
(``forked_from`` with ``rounds_replayed``; records equal, bit for bit on a
CPU, those of a run from scratch).

While a process trains a run, the folder holds ``running.lock`` (its process
id and machine): a second process asking for the same unfinished run stops
with :class:`RunInUse` instead of training it twice. A lock whose process is
gone (killed), or that was written by this same process (a run interrupted in
a notebook), or on another machine (a copied folder), is taken over.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
import time
from pathlib import Path

import torch
from tqdm.auto import tqdm

from ramanujan_lth.catalog import DATASETS
from ramanujan_lth.maths.metrics import LATER_FIELDS
from ramanujan_lth.maths.spectral import FIELDS
from ramanujan_lth.networks import prune as P
from ramanujan_lth.networks.batched import supports_batching, train_seeds
from ramanujan_lth.networks.bound_pruner import bound_prune
from ramanujan_lth.networks.controls import control_masks
from ramanujan_lth.networks.data import load_dataset
from ramanujan_lth.networks.models import build_model, prunable_layers
from ramanujan_lth.networks.network_spectra import layer_report
from ramanujan_lth.networks.oneshot import oneshot_masks
from ramanujan_lth.networks.train import TrainResult, evaluate, train
from ramanujan_lth.storage import paths, provenance, stored_runs
from ramanujan_lth.storage.params import BOUND_ONLY, RunParams, RunResult, default_runs_dir, identity, load_run, run_dir
from ramanujan_lth.storage.run_files import (
    DamagedFile,
    RunInUse,
    atomic_write,
    read_masks,
    save_masks,
    take_lock,
    write_json,
)

#: ``RunParams``, ``RunResult``, ``identity``, ``run_dir``, ``load_run`` and
#: ``default_runs_dir`` live in :mod:`ramanujan_lth.storage.params` (no torch); they
#: are named here too, beside the runs they describe
__all__ = [
    "RunParams",
    "RunResult",
    "RunInUse",
    "DamagedRun",
    "run",
    "run_seeds",
    "run_all",
    "prepare_data",
    "run_dir",
    "identity",
    "load_run",
    "default_runs_dir",
]


# ------------------------------------------------------------------ one round
def _targets(p: RunParams, rates, sizes, t_total: float, t: int):
    """Round t's target: layer densities (layer-wise) or one density (global)."""
    tt = min(float(t), t_total)
    if p.schedule == "global":
        return (1 - p.p_global) ** tt
    return P.layerwise_targets(rates, tt)


def _report_rows(model, masks, graph: str, scores=None) -> list:
    """Layer report rows of one graph, JSON-ready (layer_report copies to the CPU itself)."""
    rep = layer_report(model, masks, graph=graph, scores=scores)
    rep["graph"] = graph
    rep["shape"] = rep["shape"].map(list)
    return rep.to_dict("records")


#: a round whose clean accuracy is within this of chance (1 / classes) is marked ``at_chance`` in its record
CHANCE_MARGIN = 0.02
#: the spectral fields of a report row (NaN in a diverged round's weighted rows)
SPECTRAL_FIELDS = (*FIELDS, *LATER_FIELDS)


def _measure(model, masks, data, p: RunParams, t: int, history) -> dict:
    rec = {
        "round": t,
        "density": P.overall_density(masks),
        "layers": P.densities(masks),
        "remaining": {n: int(m.sum()) for n, m in masks.items()},
        "accuracy": evaluate(model, data),
        "noisy_accuracy": {
            str(s): evaluate(model, data, sigma=s, seed=10_000 + i) for i, s in enumerate(p.noise_sigmas)
        },
        "history": history,
    }
    finite = all(bool(torch.isfinite(m.weight).all()) for _, m in prunable_layers(model))
    if finite:
        weighted = _report_rows(model, masks, "weighted")
    else:  # diverged: the weighted graph has no spectrum; the record says so and the run goes on
        rec["diverged"] = True
        weighted = [
            {**row, **{k: math.nan for k in SPECTRAL_FIELDS if k != "ramanujan"}, "ramanujan": False}
            for row in _report_rows(model, masks, "unweighted")
        ]
        for row in weighted:
            row["graph"] = "weighted"
    if rec["accuracy"] <= CHANCE_MARGIN + 1 / (int(data.y_test.max()) + 1):
        rec["at_chance"] = True
    rec["spectral"] = _report_rows(model, masks, "unweighted") + weighted
    return rec


# ------------------------------------------------------------------ the run
def prepare_data(p: RunParams, data=None, data_root=None, download=False, device=None):
    """The data a run of ``p`` trains on: ``data`` (else loaded from ``data_root``), cut to its sizes."""
    if data is None:
        data = load_dataset(p.dataset, root=data_root, download=download, device=device, n_train=p.n_train)
    elif p.n_train is not None and len(data.y_train) != p.n_train:
        data = dataclasses.replace(data, x_train=data.x_train[: p.n_train], y_train=data.y_train[: p.n_train])
    if p.n_test is not None and len(data.y_test) > p.n_test:
        data = dataclasses.replace(data, x_test=data.x_test[: p.n_test], y_test=data.y_test[: p.n_test])
    return data


# ------------------------------------------------------------------ forks
#: per-run folder of each round's starting masks (bit-packed): a run that
#: differs from another only in how far it prunes starts from the other's
ROUNDS_DIR = paths.ROUNDS_DIR
#: parameters two runs may differ in and still share their first rounds
_FORKABLE = ("alpha", "density", "rounds", "noise_sigmas")
#: runs of models up to this many parameters keep each round's trained weights
#: (LeNet-300-100: 1 MB a round; Conv4: 10 MB), for replays
TRAINED_SNAPSHOT_MAX = 5_000_000


def total_rounds(p: RunParams, rates: dict, sizes: dict) -> float:
    """The (fractional) number of prunings of a run: round t prunes to
    ``min(t, total)`` rounds' worth, so runs agree up to ``floor(total)``."""
    if p.schedule == "oneshot":  # pruned before the first training, which is the only one
        return 0.0
    if p.alpha is None and p.density is None:
        return float(p.rounds)
    target = P.density_target(p.alpha) if p.alpha is not None else p.density
    if p.schedule == "global":
        return P.rounds_for_density(target, p_global=p.p_global)
    return P.rounds_for_density(target, rates, sizes)


def _load_masks(path: Path, like: dict) -> dict:
    masks = read_masks(path)
    return {n: masks[n].to(m.dtype) for n, m in like.items()}


def _fork_key(p: RunParams) -> dict:
    return {k: v for k, v in identity(p).items() if k not in _FORKABLE}


def _other_runs(r: "_Run", runs_dir: Path):
    """``(folder, params, (n_train, n_test))`` of every run under ``runs_dir`` but ``r``."""
    for meta in sorted(runs_dir.glob("*/params.json")):
        folder = meta.parent
        if folder == r.folder:
            continue
        try:
            stored = json.loads(meta.read_text())
            q = RunParams.from_dict(stored["params"])
            sizes = (stored["data"]["n_train"], stored["data"]["n_test"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a run folder
        yield folder, q, sizes


def _find_donor(r: "_Run", runs_dir: Path):
    """The run under ``runs_dir`` sharing the most rounds with ``r`` (same
    parameters but how far they prune, noise levels a superset in the same
    order, same data), as ``(folder, rounds shared)``; None when no run
    shares a round past the first. A finished run that prunes exactly as far
    shares every round (``r.rounds + 1``: nothing left to train). Bound runs
    and control runs neither give nor take."""
    p = r.p
    if p.bound or p.control or p.schedule == "oneshot":
        return None
    want, best = _fork_key(p), None
    sigmas = tuple(float(s) for s in p.noise_sigmas)
    for folder, q, sizes in _other_runs(r, runs_dir):
        if (
            q.bound
            or q.control
            or q.schedule == "oneshot"
            or _fork_key(q) != want
            or q.noise_sigmas[: len(sigmas)] != sigmas
            or sizes != tuple(r.data.sizes)
        ):
            continue
        t_q = total_rounds(q, r.rates, r.sizes)
        if t_q == r.t_total and _finished(folder):
            k = r.rounds + 1
        elif (folder / paths.CHECKPOINT).exists():
            have = {int(f.stem) for f in (folder / ROUNDS_DIR).glob("*.pt") if f.stem.isdigit()}
            shared = math.floor(min(r.t_total, t_q) + 1e-9)
            k = max((t for t in range(min(shared, r.rounds) + 1) if t in have and set(range(t)) <= have), default=0)
        else:
            continue
        k = _intact(folder, k, r.rounds)
        if k >= 1 and (best is None or k > best[1]):
            best = (folder, k)
    return best


def _intact(folder: Path, k: int, rounds: int) -> int:
    """The most of ``k`` shared rounds whose files in donor ``folder`` can be
    read: the round masks a fork copies (``0 .. k-1``), the one it starts
    from (``k``) and the checkpoint (unless the whole run is copied). A
    damaged file is said in one line, and the fork shares only the rounds
    before it."""
    for t in range(k + 1) if k <= rounds else range(k):
        try:
            read_masks(paths.round_masks(folder, t))
        except (DamagedFile, OSError) as err:
            print(f"ramanujan_lth: {err}; rounds from {t} on are not taken from {folder.name}", file=sys.stderr)
            k = t - 1
            break
    if 1 <= k <= rounds:
        try:
            torch.load(folder / paths.CHECKPOINT, map_location="cpu", weights_only=False)
        except Exception as err:  # noqa: BLE001 -- any unreadable checkpoint: not a donor
            print(
                f"ramanujan_lth: {folder.name}: its checkpoint cannot be read ({type(err).__name__})", file=sys.stderr
            )
            return 0
    return max(k, 0)


def _replay_key(p: RunParams) -> dict:
    return {k: v for k, v in identity(p).items() if k not in _FORKABLE + ("bound",) + BOUND_ONLY}


def _trained_path(folder: Path, t: int) -> Path:
    return paths.trained(folder, t)


def _find_replay_donor(r: "_Run", runs_dir: Path):
    """The run under ``runs_dir`` that trains as ``r`` does (same
    parameters but the schedule: how far, bound or not, noise levels; same
    data) and kept the most rounds of trained weights, or None."""
    if r.p.control or r.p.schedule == "oneshot":
        return None
    want, best = _replay_key(r.p), None
    for folder, q, sizes in _other_runs(r, runs_dir):
        if not _trained_path(folder, 0).exists() or _replay_key(q) != want or sizes != tuple(r.data.sizes):
            continue
        n = sum(1 for _ in (folder / ROUNDS_DIR).glob("*.trained.pt"))
        if best is None or n > best[1]:
            best = (folder, n)
    return best and best[0]


class DamagedRun(RuntimeError):
    """A run folder's files cannot be read and cannot be rebuilt from its snapshots."""


def _finished(folder: Path) -> bool:
    try:
        return bool(json.loads((folder / paths.RECORDS).read_text()).get("complete"))
    except (OSError, ValueError):
        return False


class _Run:
    """One run's state between rounds: folder, masks, rewind weights, records.

    :func:`run` drives one of these, :func:`run_seeds` several in lockstep;
    both write the same files, so either can resume the other's run.
    """

    def __init__(self, p: RunParams, data, runs_dir, after_round=None):
        self.p, self.data, self.after_round = p, data, after_round
        self.folder = run_dir(p, data.sizes, runs_dir)
        self.records_path, self.ckpt_path = self.folder / paths.RECORDS, self.folder / paths.CHECKPOINT
        spec = DATASETS[p.dataset]
        subset = data.sizes[0] < spec.n_train or data.sizes[1] < spec.n_test
        note = (
            (
                f"{p.dataset}: a SUBSET — {data.sizes[0]:,} of {spec.n_train:,} training and "
                f"{data.sizes[1]:,} of {spec.n_test:,} test images"
            )
            if subset
            else ""
        )
        self.data_info = {"n_train": data.sizes[0], "n_test": data.sizes[1], "subset": subset, "note": note}
        self.complete, self.records, self.lock, self.provenance_note = False, [], None, None
        if self._load_finished():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        self.lock = take_lock(self.folder)
        try:
            self._start()
            self._record_provenance()
        except BaseException:
            self.release()
            raise

    def _record_provenance(self) -> None:
        """This session in ``provenance.json`` (:mod:`ramanujan_lth.storage.provenance`): where it trains from
        which round, after the sessions of a fork's or replay's donor; keeps the line a resume under other
        arithmetic says (:attr:`provenance_note`). A run found finished records nothing."""
        taken = getattr(self, "forked_from", None) or {}  # unset when the lock's last holder finished the run
        copied = taken.get("rounds_copied", taken.get("rounds_replayed", 0))
        if self.complete and not copied:
            return
        self.provenance_note = provenance.record(
            self.folder,
            None if self.complete else self.next_round,
            self.data.device,
            self.p.precision,
            donor=self.folder.parent / taken["run"] if taken else None,
            rounds_taken=copied,
        )

    def _start(self) -> None:
        """Under the lock: load the checkpoint, or fork, replay or start afresh."""
        p, data = self.p, self.data
        if self._load_finished():  # finished by the lock's last holder
            return
        self.model = build_model(p.model, seed=p.seed).to(data.device)
        self.init_state = {k: v.clone() for k, v in self.model.state_dict().items()}
        self.masks = P.ones_masks(self.model)
        if p.control:
            shapes = {n: tuple(m.shape) for n, m in self.masks.items()}
            built = control_masks(p.control, shapes, dict(p.control_edges), p.seed, p.control_round)
            self.masks = {n: torch.from_numpy(built[n]).to(m.dtype) for n, m in self.masks.items()}
        elif p.schedule == "oneshot":
            target = P.density_target(p.alpha) if p.alpha is not None else p.density
            built = oneshot_masks(self.model, p.score, target, data, seed=p.seed, snip_batch=p.snip_batch)
            self.masks = {n: built[n].to(m.dtype) for n, m in self.masks.items()}
        self.rates = P.layer_rates(self.model, p.p_fc, p.p_conv, p.p_out)
        self.sizes = P.layer_sizes(self.masks)
        self.t_total = total_rounds(p, self.rates, self.sizes)
        self.rounds = math.ceil(self.t_total - 1e-9)
        self.timings, self.next_round, self.rewind_state = [], 0, None
        self.forked_from, self._copied_state = None, None
        if self.ckpt_path.exists():
            ck = self._read_checkpoint()
            self.records = ck["records"]
            if ck.get("complete"):
                self.complete = True
                return
            self.masks, self.rewind_state, self.next_round = ck["masks"], ck["rewind_state"], ck["next_round"]
            self.timings = ck.get("timings", [])
        else:
            meta = {"params": p.as_dict(), "data": self.data_info, "rounds": self.rounds}
            donor = _find_donor(self, self.folder.parent)
            if donor:
                self._fork(*donor)
                meta["forked_from"] = self.forked_from
            write_json(self.folder / paths.PARAMS, meta)
            other = None if donor else _find_replay_donor(self, self.folder.parent)
            if other and self._replay(other):
                write_json(self.folder / paths.PARAMS, dict(meta, forked_from=self.forked_from))
            if self.complete:  # a finished copy: nothing to train
                write_json(self.records_path, {"complete": True, "records": self.records, "data": self.data_info})
                write_json(self.folder / paths.TIMINGS, {"seconds_per_round": self.timings, "copied": True})
                if self._copied_state is not None:  # last: a copy killed before it is one without a checkpoint
                    atomic_write(self.ckpt_path, lambda f: torch.save(self._copied_state, f))

    def _load_finished(self) -> bool:
        if self.records_path.exists():
            try:
                stored = json.loads(self.records_path.read_text())
            except ValueError:
                stored = self._records_from_checkpoint()
            if stored.get("complete"):
                self.complete, self.records = True, stored["records"]
                self.data_info = stored.get("data", self.data_info)
                return True
        return False

    def _records_from_checkpoint(self) -> dict:
        """``records.json`` is damaged: rebuild it from the checkpoint, which holds the same records."""
        try:
            ck = torch.load(self.ckpt_path, map_location="cpu", weights_only=False)
        except Exception:  # noqa: BLE001 - any unreadable file
            raise DamagedRun(
                f"{self.records_path} is damaged and {self.ckpt_path.name} cannot be read either: "
                f"delete {self.folder} to train this run again"
            ) from None
        stored = {"complete": bool(ck.get("complete")), "records": ck["records"], "data": self.data_info}
        write_json(self.records_path, stored)
        return stored

    def _read_checkpoint(self) -> dict:
        """The checkpoint, or, when it is damaged, one rebuilt from the finished
        rounds: their records, the masks each round started from and the
        weights it trained to (the last round is measured, scored and pruned
        again from those weights, so no training is lost)."""
        try:
            return torch.load(self.ckpt_path, map_location="cpu", weights_only=False)
        except Exception:  # noqa: BLE001 - any unreadable file
            pass
        hint = f"delete {self.folder} to train this run again"
        try:
            records = json.loads(self.records_path.read_text())["records"]
        except (OSError, ValueError, KeyError):
            raise DamagedRun(f"{self.ckpt_path} and {self.records_path.name} are both damaged: {hint}") from None
        t = len(records) - 1
        snap, trained = paths.round_masks(self.folder, t), _trained_path(self.folder, t)
        if t < 0 or not (snap.exists() and trained.exists()) or self.p.rewind_iteration:
            raise DamagedRun(f"{self.ckpt_path} is damaged and the run kept no snapshot to rebuild it from: {hint}")
        try:
            self.timings = json.loads((self.folder / paths.TIMINGS).read_text())["seconds_per_round"][:t]
        except (OSError, ValueError, KeyError):
            self.timings = []
        self.records, self.next_round = records[:t], t
        self.masks, self.rewind_state = _load_masks(snap, self.masks), None
        self.begin_round()
        self.model.load_state_dict(torch.load(trained, map_location=self.data.device, weights_only=True))
        self.end_round(TrainResult(history=records[t]["history"]), seconds=0.0)
        return torch.load(self.ckpt_path, map_location="cpu", weights_only=False)

    def release(self) -> None:
        """Give the run's lock back (after training, or when stopped)."""
        if self.lock is not None:
            self.lock.unlink(missing_ok=True)
            self.lock = None

    def _fork(self, donor: Path, k: int) -> None:
        """Start at round ``k`` from ``donor``'s masks there: its rounds before
        ``k`` are this run's own (same seed, masks, training), so copy them."""
        keep = [str(float(s)) for s in self.p.noise_sigmas]
        self.forked_from = {"run": donor.name, "rounds_copied": k}
        if k > self.rounds:  # the same run but for noise levels: copy it whole
            records = json.loads((donor / paths.RECORDS).read_text())["records"]
            timings = donor / paths.TIMINGS
            self.timings = json.loads(timings.read_text())["seconds_per_round"] if timings.exists() else []
            self.records = [dict(r, noisy_accuracy={s: r["noisy_accuracy"][s] for s in keep}) for r in records]
            self.next_round, self.complete = k, True
            self._copy_rounds(donor, k, weights=False)  # the donor keeps the weights, for replays
            if (donor / paths.CHECKPOINT).exists():  # written after the records (see __init__): a donor in turn
                ck = torch.load(donor / paths.CHECKPOINT, map_location="cpu", weights_only=False)
                self._copied_state = dict(ck, records=self.records, timings=self.timings, next_round=k, complete=True)
            return
        ck = torch.load(donor / paths.CHECKPOINT, map_location="cpu", weights_only=False)
        snap = _load_masks(donor / ROUNDS_DIR / f"{k}.pt", self.masks)
        self.records = [dict(r, noisy_accuracy={s: r["noisy_accuracy"][s] for s in keep}) for r in ck["records"][:k]]
        self.timings = list(ck.get("timings", []))[:k]
        self.masks, self.rewind_state, self.next_round = snap, ck["rewind_state"], k
        self._copy_rounds(donor, k)

    def _copy_rounds(self, donor: Path, k: int, weights: bool = True) -> None:
        """Copy ``donor``'s snapshots of rounds ``0 .. k-1`` (masks, and trained
        weights with ``weights``): this run's own, so it can be a donor in turn."""
        for t in range(k):
            for src in (paths.round_masks(donor, t), _trained_path(donor, t) if weights else None):
                if src is not None and src.exists():
                    atomic_write(self.folder / ROUNDS_DIR / src.name, lambda f, src=src: f.write(src.read_bytes()))

    def _replay(self, donor: Path) -> int:
        """Take ``donor``'s trained weights for the rounds that start from
        the same masks as this run's; returns how many rounds were replayed."""
        try:
            stored = json.loads((donor / paths.RECORDS).read_text())["records"]
            tfile = donor / paths.TIMINGS
            timings = json.loads(tfile.read_text())["seconds_per_round"] if tfile.exists() else []
            ck = (
                torch.load(donor / paths.CHECKPOINT, map_location="cpu", weights_only=False)
                if (donor / paths.CHECKPOINT).exists()
                else None
            )
        except (OSError, ValueError, KeyError):
            return 0
        rewind = ck["rewind_state"] if ck is not None else None
        if rewind is None and self.p.rewind_iteration > 0:
            return 0  # the weights to rewind to were never kept
        t = 0
        while not self.complete and t < len(stored):
            snap, trained = paths.round_masks(donor, t), _trained_path(donor, t)
            if not (snap.exists() and trained.exists()):
                break
            try:
                theirs = _load_masks(snap, self.masks)
            except DamagedFile as err:
                print(f"ramanujan_lth: {err}; replay stops there", file=sys.stderr)
                break
            if any(not torch.equal(theirs[n], m) for n, m in self.masks.items()):
                break
            self.begin_round()
            self.model.load_state_dict(torch.load(trained, map_location=self.data.device, weights_only=True))
            self.end_round(
                TrainResult(history=stored[t]["history"], rewind_state=rewind),
                seconds=timings[t] if t < len(timings) else None,
            )
            t += 1
        if t:
            self.forked_from = {"run": donor.name, "rounds_replayed": t}
        return t

    def result(self) -> RunResult:
        return RunResult(self.p, self.folder, self.records, self.complete, self.data_info)

    def begin_round(self):
        """Load the round's starting weights and masks; returns the device masks."""
        self.t0 = time.perf_counter()
        self.model.load_state_dict(self.rewind_state if self.rewind_state is not None else self.init_state)
        self.dev_masks = {n: m.to(self.data.device) for n, m in self.masks.items()}
        P.apply_masks(self.model, self.dev_masks)
        return self.dev_masks

    @property
    def train_seed(self) -> int:
        """The round's batch order; a control trains with its ticket round's."""
        return self.p.seed * 10_007 + (self.p.control_round if self.p.control else self.next_round)

    @property
    def rewind_at(self):
        return self.p.rewind_iteration if (self.next_round == 0 and self.p.rewind_iteration > 0) else None

    def desc(self) -> str:
        return f"round {self.next_round}/{self.rounds} ({P.overall_density(self.masks):.2%})"

    def end_round(self, res, seconds: float | None = None) -> None:
        """Measure, score, prune and checkpoint after the round's training
        (``seconds``: the round's time when it was trained elsewhere)."""
        p, t, data, masks = self.p, self.next_round, self.data, self.masks
        save_masks(paths.round_masks(self.folder, t), masks)  # round t's starting masks, for forks
        if sum(v.numel() for v in self.model.state_dict().values()) <= TRAINED_SNAPSHOT_MAX:
            trained = {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}
            atomic_write(_trained_path(self.folder, t), lambda f: torch.save(trained, f))
        if self.rewind_state is None:
            self.rewind_state = {k: v.detach().cpu().clone() for k, v in (res.rewind_state or self.init_state).items()}
        rec = _measure(self.model, self.dev_masks, data, p, t, res.history)
        # a diverged network has no scores to prune by: the run ends at this round, which says so
        complete = t == self.rounds or bool(rec.get("diverged"))
        if (not complete or p.bound) and not rec.get("diverged"):
            scores = P.SCORES[p.score](
                self.model, self.dev_masks, data, batch_size=p.snip_batch, seed=p.seed * 10_007 + t
            )
            rec["spectral"] += _report_rows(self.model, masks, "score", scores)
        if not complete:
            if p.bound:
                weights = {n: m.weight for n, m in prunable_layers(self.model)} if p.bound_criteria else None
                masks, decisions = bound_prune(
                    masks, scores, self.rates, p.bound_K, p.bound_guard, criteria=p.bound_criteria, weights=weights
                )
                rec["bound_decisions"] = [d.as_dict() for d in decisions]
                complete = not any(d.changed for d in decisions)
            else:
                target = _targets(p, self.rates, self.sizes, self.t_total, t + 1)
                masks = (
                    P.prune_global(masks, scores, target)
                    if p.schedule == "global"
                    else P.prune_layerwise(masks, scores, target)
                )
        self.masks = masks
        self.records.append(rec)
        self.timings.append(seconds if seconds is not None else time.perf_counter() - self.t0)
        self.next_round, self.complete = t + 1, complete
        state = {
            "masks": masks,
            "rewind_state": self.rewind_state,
            "records": self.records,
            "next_round": t + 1,
            "timings": self.timings,
            "complete": complete,
        }
        atomic_write(self.ckpt_path, lambda f: torch.save(state, f))
        write_json(self.records_path, {"complete": complete, "records": self.records, "data": self.data_info})
        write_json(self.folder / paths.TIMINGS, {"seconds_per_round": self.timings, "device": str(data.device)})
        if self.after_round is not None:
            self.after_round(self.folder, complete)


def run(
    params: RunParams,
    runs_dir=None,
    data=None,
    data_root=None,
    download: bool = False,
    device=None,
    progress: bool = True,
    stop_after: int | None = None,
    after_round=None,
) -> RunResult:
    """Run (or resume, or load) the iterative-pruning experiment ``params``.

    ``data``: an already loaded :class:`TensorData` (else loaded from
    ``data_root``). ``stop_after``: return after that many rounds of this call,
    as if killed (for tests and for splitting long runs). ``after_round``:
    called as ``after_round(folder, complete)`` once each round's files are
    written (:func:`ramanujan_lth.storage.parked.parking` parks the run there).
    """
    p = params.resolved()
    data = prepare_data(p, data, data_root, download, device)
    r = _Run(p, data, runs_dir, after_round)
    if r.provenance_note:
        print(f"warning: {r.provenance_note}", file=sys.stderr, flush=True)
    if progress and p.precision == "bf16" and not r.complete:
        from ramanujan_lth.networks.estimates import bf16_note

        note = bf16_note(p.model, data.device)
        if note:
            print(f"warning: {note}", file=sys.stderr, flush=True)
    done_here = 0
    try:
        while not r.complete:
            masks = r.begin_round()
            res = train(
                r.model,
                data,
                p.iterations,
                p.lr,
                p.batch_size,
                masks=masks,
                seed=r.train_seed,
                eval_every=p.eval_every or None,
                rewind_iteration=r.rewind_at,
                progress=progress,
                desc=r.desc(),
                precision=p.precision,
            )
            r.end_round(res)
            done_here += 1
            if not r.complete and stop_after is not None and done_here >= stop_after:
                break
    finally:
        r.release()
    return r.result()


def run_seeds(
    params_list,
    runs_dir=None,
    data=None,
    data_root=None,
    download: bool = False,
    device=None,
    progress: bool = True,
    stop_after: int | None = None,
    after_round=None,
) -> list[RunResult]:
    """:func:`run` for several seeds of one configuration, trained together
    (:func:`ramanujan_lth.networks.batched.train_seeds`) round after round.

    The parameter records may differ only in ``seed``. Each run writes its
    own folder, checkpoints and records exactly as :func:`run` does, so a
    batched run can be resumed alone and the other way round; runs that
    finish early (a ``-Bound`` run that stops) leave the batch. Models with
    batch norm fall back to one seed after another. ``eval_every`` is not
    supported here (the batched loop records no history). ``after_round`` as in :func:`run`.
    """
    ps = [q.resolved() for q in params_list]
    if not ps:
        return []
    base = {k: v for k, v in ps[0].as_dict().items() if k != "seed"}
    for q in ps[1:]:
        if {k: v for k, v in q.as_dict().items() if k != "seed"} != base:
            raise ValueError("run_seeds takes parameter records that differ only in their seed")
    if len({q.seed for q in ps}) != len(ps):
        raise ValueError("run_seeds got the same seed twice")
    if ps[0].eval_every:
        raise ValueError("run_seeds does not record a training history: use eval_every=0 or run()")
    p0 = ps[0]
    data = prepare_data(p0, data, data_root, download, device)
    if not supports_batching(build_model(p0.model)):
        return [
            run(q, runs_dir, data=data, progress=progress, stop_after=stop_after, after_round=after_round) for q in ps
        ]
    runs = []
    try:
        for q in ps:
            runs.append(_Run(q, data, runs_dir, after_round))
            if runs[-1].provenance_note:
                print(f"warning: {runs[-1].provenance_note}", file=sys.stderr, flush=True)
        _lockstep(runs, p0, data, progress, stop_after)
    finally:
        for r in runs:
            r.release()
    return [r.result() for r in runs]


def _lockstep(runs: list, p0: RunParams, data, progress: bool, stop_after: int | None) -> None:
    """Train the unfinished ``runs`` together, round after round."""
    done_here = 0
    while True:
        active = [r for r in runs if not r.complete]
        if not active:
            break
        if len({r.rewind_at for r in active}) > 1:  # resumed at different rounds: those at round 0 go first
            active = [r for r in active if r.next_round == 0]
        masks = [r.begin_round() for r in active]
        rounds = sorted({r.next_round for r in active})
        desc = f"round {rounds[0]}" + (f"-{rounds[-1]}" if len(rounds) > 1 else "") + f", {len(active)} seeds"
        res = train_seeds(
            [r.model for r in active],
            data,
            p0.iterations,
            p0.lr,
            [r.train_seed for r in active],
            masks=masks,
            batch_size=p0.batch_size,
            rewind_iteration=active[0].rewind_at,
            progress=progress,
            desc=desc,
            precision=p0.precision,
        )
        for r, one in zip(active, res):
            r.end_round(one)
        done_here += 1
        if stop_after is not None and done_here >= stop_after:
            break


def interactive() -> bool:
    """Whether a person watches this process: a terminal, or a notebook open
    in a Jupyter server (not the book build, papermill or nbval)."""
    return bool(os.environ.get("JPY_SESSION_NAME")) or sys.stderr.isatty()


def run_all(
    params_list,
    runs_dir=None,
    progress: bool | None = None,
    batched: bool | None = None,
    **run_kwargs,
) -> list[RunResult]:
    """A result for every parameter record: the finished run under
    ``runs_dir`` when there is one, else a run (or a resumed one), each
    dataset loaded once. Which runs a chapter takes from the book's stored
    runs instead is :mod:`ramanujan_lth.evidence.studies`' decision.

    ``progress``: a bar over the runs (default: only when :func:`interactive`).
    ``batched``: train the seeds of one configuration together
    (:func:`run_seeds`); ``None`` = on a GPU only, where it
    pays (see ``benchmarks/batched_seeds.py``).
    """
    params_list = list(params_list)
    progress = interactive() if progress is None else progress
    out, loaded = [None] * len(params_list), {}
    data_kw = {k: run_kwargs.pop(k) for k in ("data_root", "download", "device") if k in run_kwargs}
    todo = {}  # configuration without the seed -> [(index, params)]
    for i, p in enumerate(params_list):
        cached = stored_runs.find_stored(p, runs_dir) if runs_dir is not None else None
        if cached is not None:  # finished under the runs folder: no data to load
            out[i] = cached
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
    bar.close()
    return out
