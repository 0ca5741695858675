"""A run's parameters, its identity and folder name, and its stored records
(imports no torch: reading results needs none).

:class:`RunParams` holds everything that determines an iterative-pruning run
and generates the ``run`` command's options from its fields. A run is
identified by :func:`identity` (its parameters, leaving out those added
later while at their neutral values) and the sizes of the data it used;
:func:`run_dir` names its folder from them. :func:`load_run` reads a folder
(complete or not) into a :class:`RunResult`. Training lives in
:mod:`ramanujan_lth.storage.runs`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ramanujan_lth.catalog import (
    BATCH_SIZE,
    CONTROLS,
    CRITERIA,
    DATASETS,
    DEFAULTS,
    GUARDS,
    MODEL_DATASET,
    NOISE_SIGMAS,
    ONESHOT_ONLY,
    PRECISIONS,
    PRUNING_SCORES,
    SCHEDULES,
    check_criteria,
)
from ramanujan_lth.storage import paths

__all__ = ["RunParams", "RunResult", "identity", "run_id", "run_dir", "default_runs_dir", "load_run"]


def _opt(default, help: str = "", option: str | None = None, choices=None, cli: bool = True):
    """A :class:`RunParams` field with what the command line says of it
    (``python -m ramanujan_lth run`` generates its options from these)."""
    return field(default=default, metadata={"help": help, "option": option, "choices": choices, "cli": cli})


@dataclass(frozen=True)
class RunParams:
    """Everything that determines an iterative-pruning run.

    ``None`` means the paper's default for the model (dataset, lr, iterations).
    With ``alpha`` set, the run prunes to exactly ``10^-alpha`` overall density
    (or to ``density``, a fraction): ``rounds`` is then derived, the last
    round landing on the target. With ``bound``, each round prunes through
    Algorithm 1 (level ``bound_K``, collapse guard ``bound_guard``) at the
    layer-wise rates, and the run stops when no layer changes or after
    ``rounds`` rounds. ``precision="bf16"`` trains under bfloat16 autocast
    (:func:`ramanujan_lth.networks.train.train`). With ``control`` (``"random"`` or
    ``"biregular"``) the run is one training of a mask that keeps
    ``control_edges`` weights per layer, the control of run
    ``control_ticket`` at its round ``control_round``
    (:mod:`ramanujan_lth.networks.controls`). ``bound_criteria`` (names among ``UE``,
    ``UD``, ``WE``, ``WD``) makes Algorithm 1 accept a candidate on those
    single bounds instead of its own rule
    (:func:`ramanujan_lth.networks.bound_pruner.bound_prune_layer`).
    """

    model: str = _opt("lenet_300_100", "network", choices=sorted(MODEL_DATASET))
    dataset: str | None = _opt(None, "default: the model's dataset in the paper", choices=sorted(DATASETS))
    score: str = _opt(
        "magnitude",
        "pruning score (magnitude = IMP); grasp, erk and uniform (random placement) prune once, at initialisation",
        choices=PRUNING_SCORES,
    )
    schedule: str = _opt(
        "layerwise",
        "layer-wise rates, one global threshold, or oneshot: once at initialisation to --density, then one training",
        choices=SCHEDULES,
    )
    p_fc: float = _opt(0.2, "layer-wise rate of fully connected layers, in (0, 1)")
    p_conv: float = _opt(0.1, "layer-wise rate of convolutions, in (0, 1)")
    p_out: float = _opt(0.1, "layer-wise rate of the output layer, in (0, 1)")
    p_global: float = _opt(0.2, "global rate, in (0, 1)")
    rounds: int = _opt(10, "pruning rounds (ignored with --alpha or --density)")
    alpha: float | None = _opt(None, "prune to exactly 10^-alpha overall density (alpha >= 0)")
    iterations: int | None = _opt(None, "training iterations per round (default: the paper's)")
    lr: float | None = _opt(None, "Adam learning rate (default: the paper's)")
    batch_size: int = _opt(BATCH_SIZE, "training batch size")
    eval_every: int = _opt(0, "test every N iterations (0: at the end of each round only)")
    rewind_iteration: int = _opt(0, "iteration the survivors rewind to (0 = the original initialisation)")
    seed: int = _opt(0, "seed of the initialisation and the batch order")
    noise_sigmas: tuple = _opt(NOISE_SIGMAS, "noise standard deviations of the noisy test sets", option="--noise")
    n_train: int | None = _opt(None, "use only the first N training images")
    snip_batch: int = _opt(256, "SNIP's batch size")
    density: float | None = _opt(None, "prune to exactly this overall density, in (0, 1]")
    bound: bool = _opt(False, "prune through Algorithm 1 until no layer changes (at most --rounds)")
    bound_K: int = _opt(5, "Algorithm 1's level K: rates p, p/2, ..., p/2^(K-1)", option="--bound-K")
    bound_guard: str = _opt("average", "layer-collapse guard", choices=GUARDS)
    n_test: int | None = _opt(None, "use only the first N test images")
    precision: str = _opt(
        "fp32", "bf16: bfloat16 autocast over float32 weights (conv nets in channels-last)", choices=PRECISIONS
    )
    control: str | None = _opt(None, cli=False)
    control_ticket: str | None = _opt(None, cli=False)
    control_round: int | None = _opt(None, cli=False)
    control_edges: tuple | None = _opt(None, cli=False)
    bound_criteria: tuple | None = _opt(
        None,
        "accept a candidate when one of these single bounds holds (UE, UD: "
        "unweighted eigenvalue / degree bound; WE, WD: on |W|) instead of "
        "Algorithm 1's rule",
        choices=list(CRITERIA),
    )

    @classmethod
    def from_dict(cls, d: dict) -> "RunParams":
        """The parameters as :meth:`as_dict` (or a stored ``params.json``) gives them."""
        d = dict(d)
        d["noise_sigmas"] = tuple(d.get("noise_sigmas", ()))
        if d.get("control_edges") is not None:
            d["control_edges"] = tuple((str(n), int(c)) for n, c in d["control_edges"])
        if d.get("bound_criteria") is not None:
            d["bound_criteria"] = tuple(d["bound_criteria"])
        return cls(**d)

    def resolved(self) -> "RunParams":
        self.validate()
        d = DEFAULTS[self.model]
        return dataclasses.replace(
            self,
            dataset=self.dataset or MODEL_DATASET[self.model],
            iterations=self.iterations or d["iterations"],
            lr=self.lr or d["lr"],
            noise_sigmas=tuple(float(s) for s in self.noise_sigmas),
        )

    def key(self) -> str:
        """The run's identity as one string (:func:`identity` of the resolved
        parameters, as JSON): equal keys are the same run."""
        return json.dumps(identity(self.resolved()), sort_keys=True)

    def validate(self) -> None:
        def bad(msg):
            raise ValueError(msg)

        if self.model not in MODEL_DATASET:
            bad(f"unknown model {self.model!r}; allowed: {', '.join(sorted(MODEL_DATASET))}")
        if self.dataset is not None and self.dataset not in DATASETS:
            bad(f"unknown dataset {self.dataset!r}; allowed: {', '.join(sorted(DATASETS))}")
        if self.dataset is not None and DATASETS[self.dataset].shape != DATASETS[MODEL_DATASET[self.model]].shape:
            fits = sorted(n for n, d in DATASETS.items() if d.shape == DATASETS[MODEL_DATASET[self.model]].shape)
            bad(
                f"{self.model} takes {DATASETS[MODEL_DATASET[self.model]].shape} images, {self.dataset} has "
                f"{DATASETS[self.dataset].shape}: use dataset {', '.join(fits)}"
            )
        if self.score not in PRUNING_SCORES:
            bad(f"unknown score {self.score!r}; allowed: {', '.join(PRUNING_SCORES)}")
        if self.schedule not in SCHEDULES:
            bad(f"unknown schedule {self.schedule!r}; allowed: {', '.join(SCHEDULES)}")
        for name in ("p_fc", "p_conv", "p_out", "p_global"):
            v = getattr(self, name)
            if not 0 < v < 1:
                bad(f"{name} must be in (0, 1), got {v}")
        if self.alpha is not None and not self.alpha >= 0:
            bad(f"alpha must be >= 0, got {self.alpha}")
        if self.density is not None and not 0 < self.density <= 1:
            bad(f"density must be in (0, 1], got {self.density}")
        if self.alpha is not None and self.density is not None:
            bad("give alpha or density, not both")
        if self.bound and (self.alpha is not None or self.density is not None):
            bad("a bound run prunes until no layer changes: it takes no alpha or density")
        if self.bound and self.schedule != "layerwise":
            bad("the bound pruner works layer by layer: use schedule 'layerwise'")
        if self.bound_K < 1:
            bad(f"bound_K must be >= 1, got {self.bound_K}")
        if self.bound_guard not in GUARDS:
            bad(f"unknown bound_guard {self.bound_guard!r}; allowed: {', '.join(GUARDS)}")
        if self.bound_criteria is not None:
            if not self.bound:
                bad("bound_criteria choose how Algorithm 1 accepts a candidate: they need bound=True")
            check_criteria(self.bound_criteria)
        if self.alpha is None and self.rounds < 0:
            bad(f"rounds must be >= 0, got {self.rounds}")
        for name in ("iterations", "batch_size", "snip_batch", "n_train", "n_test"):
            v = getattr(self, name)
            if v is not None and v <= 0:
                bad(f"{name} must be a positive integer, got {v}")
        if self.lr is not None and not self.lr > 0:
            bad(f"lr must be positive, got {self.lr}")
        if self.eval_every < 0:
            bad(f"eval_every must be >= 0 (0 = only at the end), got {self.eval_every}")
        if self.rewind_iteration < 0:
            bad(f"rewind_iteration must be >= 0, got {self.rewind_iteration}")
        its = self.iterations or DEFAULTS[self.model]["iterations"]
        if self.rewind_iteration > its:
            bad(f"rewind_iteration must be <= iterations ({its}), got {self.rewind_iteration}")
        if self.precision not in PRECISIONS:
            bad(f"unknown precision {self.precision!r}; allowed: {', '.join(PRECISIONS)}")
        if self.control is not None:
            if self.control not in CONTROLS:
                bad(f"unknown control {self.control!r}; allowed: {', '.join(CONTROLS)}")
            if self.control_ticket is None or self.control_round is None or not self.control_edges:
                bad("a control run needs control_ticket, control_round and control_edges (see controls.control_params)")
            if self.bound or self.alpha is not None or self.density is not None or self.rounds != 0:
                bad("a control run trains one fixed mask: no bound, alpha or density, and rounds = 0")
            if self.rewind_iteration:
                bad("a control run starts from the initialisation: rewind_iteration must be 0")
        if self.schedule == "oneshot":
            if self.score == "magnitude":
                bad("one-shot pruning at initialisation takes snip, synflow, grasp, erk or uniform, not magnitude")
            if self.alpha is None and self.density is None:
                bad("a one-shot run prunes to a target: give density (or alpha)")
            if self.bound or self.control is not None or self.rewind_iteration:
                bad("a one-shot run trains one mask from the initialisation: no bound, control or rewind_iteration")
        elif self.score in ONESHOT_ONLY:
            bad(f"{self.score} prunes once at initialisation: use schedule 'oneshot'")
        if any(not math.isfinite(s) or s < 0 for s in self.noise_sigmas):
            bad(f"noise standard deviations must be finite and >= 0, got {list(self.noise_sigmas)}")

    def as_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["noise_sigmas"] = list(d["noise_sigmas"])
        return d


@dataclass
class RunResult:
    params: RunParams
    folder: Path
    records: list
    complete: bool
    data: dict = field(default_factory=dict)

    def frame(self) -> pd.DataFrame:
        """One row per round: density, accuracy, noisy accuracies."""
        rows = []
        for r in self.records:
            row = {"round": r["round"], "density": r["density"], "accuracy": r["accuracy"]}
            row.update({f"noisy_{s}": a for s, a in r["noisy_accuracy"].items()})
            row.update({f"density_{n}": d for n, d in r["layers"].items()})
            rows.append(row)
        return pd.DataFrame(rows)

    def spectral(self) -> pd.DataFrame:
        """One row per (round, graph, layer) with the spectral fields."""
        rows = [dict(s, round=r["round"], overall_density=r["density"]) for r in self.records for s in r["spectral"]]
        return pd.DataFrame(rows)


def default_runs_dir() -> Path:
    return Path(os.environ.get("RAMANUJAN_LTH_RUNS", "runs"))


#: fields added after the first stored runs, left out of the identity while at
#: these neutral values so that older runs keep their folder names
NEUTRAL = {
    "density": None,
    "bound": False,
    "n_test": None,
    "precision": "fp32",
    "control": None,
    "control_ticket": None,
    "control_round": None,
    "control_edges": None,
    "bound_criteria": None,
}
BOUND_ONLY = ("bound_K", "bound_guard", "bound_criteria")


def identity(params: RunParams) -> dict:
    """The parameters that name a run (see :data:`NEUTRAL`)."""
    d = params.as_dict()
    for k, v in NEUTRAL.items():
        if d[k] == v:
            del d[k]
    if not params.bound:
        for k in BOUND_ONLY:
            d.pop(k, None)
    return d


def run_id(params: RunParams, data_sizes) -> str:
    key = json.dumps({"params": identity(params), "data": list(data_sizes)}, sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def run_dir(params: RunParams, data_sizes, runs_dir=None) -> Path:
    p = params.resolved()
    kind = f"{p.control}-control" if p.control else f"{p.score}-bound" if p.bound else f"{p.score}-{p.schedule}"
    name = f"{p.model}-{p.dataset}-{kind}-s{p.seed}-{run_id(p, data_sizes)}"
    return Path(runs_dir or default_runs_dir()) / name


def load_run(folder) -> RunResult:
    """Read a run folder written by :func:`run` (complete or not)."""
    folder = Path(folder)
    meta = json.loads((folder / paths.PARAMS).read_text())
    stored = json.loads((folder / paths.RECORDS).read_text())
    return RunResult(RunParams.from_dict(meta["params"]), folder, stored["records"], stored["complete"], meta["data"])
