"""What a run can be made of, known without importing torch.

The models and their paper hyper-parameters, the datasets and where their
files live, the pruning scores, schedules, Algorithm 1's guards and single
criteria, the training precisions and the control kinds. The modules that
implement them (``models``, ``prune``, ``train``, ``data``, ``bound_pruner``,
``controls``) register under these names; :mod:`ramanujan_lth.storage.params`
validates run parameters against them, so reading stored results needs no
torch.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "is_subset_run",
    "PROFILES",
    "STORED_PROFILES",
    "check_profile",
    "NOISE_SIGMAS",
    "MODEL_DATASET",
    "DEFAULTS",
    "BATCH_SIZE",
    "PRECISIONS",
    "Spec",
    "DATASETS",
    "ENV_VAR",
    "data_root",
    "count_train_images",
    "PRUNING_SCORES",
    "PAPER_SCORES",
    "SCHEDULES",
    "ONESHOT_ONLY",
    "ONESHOT_METHODS",
    "GUARDS",
    "CRITERIA",
    "check_criteria",
    "CONTROLS",
]

#: the run profiles: ``quick`` (minutes on a laptop CPU, a pipeline check),
#: ``paper`` (the paper's hyper-parameters) and ``subset`` (the CIFAR-10
#: networks with iterations scaled to the images present, in bfloat16)
PROFILES = ("quick", "paper", "subset")
#: the profiles whose finished runs are stored with the book (``book/results``)
STORED_PROFILES = ("paper", "subset")


def check_profile(profile: str) -> str:
    """``profile`` if it is one of :data:`PROFILES`; else one clear ``ValueError``."""
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    return profile


#: the noise standard deviations of the noisy test sets (the paper's Figure 3)
NOISE_SIGMAS = (0.1, 0.2, 0.3)

#: the dataset each model is trained on in the paper (its keys: the models)
MODEL_DATASET = {
    "lenet_300_100": "mnist",
    "conv2": "cifar10",
    "conv4": "cifar10",
    "conv6": "cifar10",
    "vgg19": "cifar10",
}

#: learning rate and iterations per round: the paper's (LeNet, Conv4), Frankle
#: & Carbin's (Conv2, Conv6; the paper gives none), ours for VGG19 (the paper
#: gives lr 0.01 and no optimizer; with Adam 0.01 stays near chance, chapter 7); book/methods.md §3
DEFAULTS = {
    "lenet_300_100": {"lr": 1.2e-3, "iterations": 50_000},
    "conv2": {"lr": 2e-4, "iterations": 20_000},
    "conv4": {"lr": 3e-4, "iterations": 25_000},
    "conv6": {"lr": 3e-4, "iterations": 30_000},
    "vgg19": {"lr": 3e-4, "iterations": 25_000},
}
BATCH_SIZE = 60

#: training precisions: ``fp32``, or ``bf16`` (bfloat16 autocast over float32
#: master weights and Adam state; channels-last memory for conv nets)
PRECISIONS = ("fp32", "bf16")


@dataclass(frozen=True)
class Spec:
    name: str
    folder: str
    n_train: int
    n_test: int
    mean: tuple
    std: tuple
    shape: tuple


DATASETS = {
    "mnist": Spec("mnist", "MNIST", 60_000, 10_000, (0.1307,), (0.3081,), (1, 28, 28)),
    "cifar10": Spec(
        "cifar10",
        "cifar-10-batches-py",
        50_000,
        10_000,
        (0.4914, 0.4822, 0.4465),
        (0.2470, 0.2435, 0.2616),
        (3, 32, 32),
    ),
}

ENV_VAR = "RAMANUJAN_LTH_DATA"


def data_root(root: str | os.PathLike | None = None) -> Path:
    """``root`` if given, else ``$RAMANUJAN_LTH_DATA``, else ``~/.cache/ramanujan_lth/data``."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "ramanujan_lth" / "data"


def count_train_images(name: str, root=None) -> int:
    """How many training images of ``name`` the data root holds, read from the
    files' headers (MNIST) or labels (CIFAR-10) in torchvision's layout.
    Raises FileNotFoundError when they are not there."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}")
    base = data_root(root) / DATASETS[name].folder
    if name == "mnist":
        labels = base / "raw" / "train-labels-idx1-ubyte"
        with open(labels, "rb") as f:
            header = f.read(8)
        if len(header) < 8 or int.from_bytes(header[:4], "big") != 2049:
            raise ValueError(f"{labels} is not an MNIST label file")
        return int.from_bytes(header[4:8], "big")
    n = 0
    for i in range(1, 6):
        with open(base / f"data_batch_{i}", "rb") as f:
            n += len(pickle.load(f, encoding="latin1")["labels"])
    return n


#: the pruning scores (``magnitude`` is IMP's; :mod:`ramanujan_lth.networks.prune` implements them)
PRUNING_SCORES = ("magnitude", "snip", "synflow", "grasp", "erk", "uniform")


def is_subset_run(params) -> bool:
    """Whether a run (resolved parameters, or their dict) is one of the
    ``subset`` profile: a CIFAR-10 network in bfloat16 on every training image
    present. The profile is the only one that trains in bfloat16, so the
    precision names it; a run that cuts its training set is a quick one.

    Examples
    --------
    >>> from types import SimpleNamespace as P
    >>> is_subset_run(P(model="conv4", precision="bf16", n_train=None))
    True
    >>> is_subset_run(P(model="conv4", precision="fp32", n_train=None))
    False
    >>> is_subset_run({"precision": "bf16", "n_train": 600})
    False
    """
    get = params.get if isinstance(params, dict) else lambda k: getattr(params, k, None)
    return get("precision") == "bf16" and get("n_train") is None


#: the paper's three scores, which prune round after round (Table 3, Algorithm 1)
PAPER_SCORES = PRUNING_SCORES[:3]
#: layer-wise rates, one global threshold, or once at initialisation (:mod:`ramanujan_lth.networks.oneshot`)
SCHEDULES = ("layerwise", "global", "oneshot")
#: the scores that prune once at initialisation only (GraSP, and ERK and uniform random placement)
ONESHOT_ONLY = ("grasp", "erk", "uniform")
#: every method of one-shot pruning at initialisation (:mod:`ramanujan_lth.networks.oneshot`)
ONESHOT_METHODS = ("snip", "synflow", "grasp", "erk", "uniform")
#: Algorithm 1's layer-collapse guards (:mod:`ramanujan_lth.networks.bound_pruner`)
GUARDS = ("average", "minimum")
#: single criteria of the paper's Table 1: (graph, bound)
CRITERIA = {
    "UE": ("unweighted", "eigenvalue"),
    "UD": ("unweighted", "degree"),
    "WE": ("weighted", "eigenvalue"),
    "WD": ("weighted", "degree"),
}
#: the masks a control run trains (:mod:`ramanujan_lth.networks.controls`)
CONTROLS = ("random", "biregular")


def check_criteria(criteria) -> tuple | None:
    """``criteria`` as a tuple of known names (None stays None: Algorithm 1's own rule)."""
    if criteria is None:
        return None
    criteria = tuple(criteria)
    unknown = [c for c in criteria if c not in CRITERIA]
    if unknown or not criteria or len(set(criteria)) != len(criteria):
        raise ValueError(f"bound criteria must be distinct names among {', '.join(CRITERIA)}, got {list(criteria)}")
    return criteria
