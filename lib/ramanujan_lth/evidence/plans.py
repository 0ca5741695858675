"""What each chapter runs, per profile: the parameter records of every
experiment (imports no torch).

* the profiles (``quick``, ``paper``, ``subset``) and what they change in the
  paper's hyper-parameters (book/methods.md §12);
* the regime study of chapters 3 and 5 (:func:`lth_params`): layer-wise IMP
  with rewinding down to 1 % overall density;
* Table 3 of chapter 4 (:func:`comparison_base`, :func:`table3_params`) and
  the output-layer test (:func:`output_rate_params`);
* the controls of chapter 6 (:func:`control_plan`);
* the appendix studies of chapter 7 (:func:`appendix_params`) and Algorithm 1
  under single criteria (:func:`criterion_params`).

``quick`` runs the same schedules with a few hundred iterations on part of the
data, for a laptop CPU and for CI. :mod:`ramanujan_lth.evidence.studies` declares which
of these runs each study needs, with what each waits for; the chapters load
them and ``reproduce`` trains them from there.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from collections import Counter
from pathlib import Path

from ramanujan_lth.catalog import (
    CONTROLS,
    CRITERIA,
    DATASETS,
    DEFAULTS,
    MODEL_DATASET,
    NOISE_SIGMAS,
    ONESHOT_METHODS,
    PROFILES,
    STORED_PROFILES,
    check_profile,
    count_train_images,
)
from ramanujan_lth.labels import SCORE_PAPER_KEYS
from ramanujan_lth.networks.controls import control_params, rounds_nearest
from ramanujan_lth.storage import paths, stored_runs
from ramanujan_lth.storage.params import RunParams

__all__ = [
    "PROFILES",
    "CHAPTER_SEEDS",
    "chapter_seeds",
    "APPENDIX_GROUPS",
    "STUDIED_LAYERS",
    "lth_params",
    "comparison_base",
    "ALPHAS",
    "BOUND_CAP",
    "BOUND_SEEDS",
    "table3_params",
    "APPENDIX",
    "appendix_params",
    "is_paper_scale",
    "stored_profile",
    "stored_lth",
    "stored_comparison",
    "bound_star_pairs",
    "STORED_SEEDS",
    "OUTPUT_RATES",
    "output_rate_params",
    "profile_settings",
    "QUICK_SETTINGS",
    "quick_settings",
    "subset_iterations",
    "present_train_size",
    "stored_train_size",
    "subset_train_size",
    "CONTROL_DENSITIES",
    "CONTROLS",
    "control_plan",
    "oneshot_params",
    "ONESHOT_MODELS",
    "ONESHOT_METHODS",
    "oneshot_plan",
    "CRITERION_SCORE",
    "CRITERION_SEED",
    "criterion_params",
]


#: how many seeds each chapter runs of each experiment, in the full profiles
#: (``paper``, ``subset``) and in ``quick``; the chapters' load cells and
#: ``reproduce`` (:mod:`ramanujan_lth.evidence.studies`) both read it
CHAPTER_SEEDS = {
    "03_regimes": {"lenet_300_100": (10, 2), "conv4": (10, 1)},
    "05_significance": {"lenet_300_100": (10, 3), "conv4": (10, 1)},  # Tables 4 and 5
    # tickets whose controls are compared (Conv4's: the full profiles only, a quick one shows LeNet's)
    "06_verdict": {"lenet_300_100": (5, 3), "conv4": (5, 1)},
    "07_appendix": {"every study": (2, 1)},
}


def chapter_seeds(chapter: str, experiment: str, profile: str) -> int:
    """The number of seeds ``chapter`` runs of ``experiment`` (a model, or
    ``"every study"`` in the appendix) under ``profile``."""
    check_profile(profile)
    table = CHAPTER_SEEDS[chapter]
    if experiment not in table and experiment in CHAPTER_SEEDS["03_regimes"]:  # another model's regime runs
        table = CHAPTER_SEEDS["03_regimes"]
    if experiment not in table:
        raise ValueError(f"{chapter} runs no {experiment!r}; choose one of {sorted(table)}")
    full, quick = table[experiment]
    return quick if profile == "quick" else full


#: the paper's training-set size per dataset (the iterations of the paper's
#: hyper-parameters are counted against it)
PAPER_TRAIN_SIZE = {name: spec.n_train for name, spec in DATASETS.items()}


@functools.lru_cache(maxsize=None)
def present_train_size(dataset: str, root: str | None = None) -> int:
    """How many training images of ``dataset`` the data root holds."""
    return count_train_images(dataset, root)


def subset_iterations(model: str, n_train: int) -> int:
    """The ``subset`` profile's iterations per round: the paper's, scaled to
    the same number of passes over ``n_train`` training images (rounded)."""
    full = PAPER_TRAIN_SIZE[MODEL_DATASET[model]]
    return max(1, math.floor(DEFAULTS[model]["iterations"] * min(n_train, full) / full + 0.5))


def stored_train_size(dataset: str, stored_root=None) -> int | None:
    """How many training images of ``dataset`` the stored ``subset``-profile
    runs under ``stored_root`` (default: the book's ``book/results``) trained
    on (the most common count; the larger on a tie), None when none is stored."""
    if stored_root is None:
        try:
            stored_root = paths.stored_root(stored_runs.book_root())
        except FileNotFoundError:  # the library without its book
            return None
    root = Path(stored_root)
    if not root.is_dir():
        return None
    return _stored_train_size(dataset, str(root.resolve()), root.stat().st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _stored_train_size(dataset: str, root: str, _mtime_ns: int) -> int | None:
    counts = Counter()
    for meta in Path(root).glob("*/params.json"):
        try:
            stored = json.loads(meta.read_text())
            p, data = stored["params"], stored["data"]
            n, model = int(data["n_train"]), p["model"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if (
            MODEL_DATASET.get(model) == dataset
            and data.get("subset")
            and p.get("precision") == "bf16"
            and p.get("iterations") == subset_iterations(model, n)
        ):
            counts[n] += 1
    return max(counts, key=lambda n: (counts[n], n)) if counts else None


def subset_train_size(dataset: str) -> int:
    """The training-set size the ``subset`` profile scales the iterations to:
    that of the book's stored subset-profile runs of ``dataset`` when it
    stores any (so a reader sees them whatever images the data root holds,
    none or all), else the images the data root holds. ``reproduce`` refuses
    to train subset-profile runs on other images than the stored ones."""
    stored = stored_train_size(dataset)
    return stored if stored is not None else present_train_size(dataset)


#: what the ``quick`` profile trains, per study and dataset: a few hundred
#: iterations on part of MNIST; a pipeline check on CIFAR-10 (a conv net costs
#: about 0.5 s an iteration on a CPU core), with the noisiest test set only
QUICK_SETTINGS = {
    "regimes": {
        "mnist": dict(alpha=1.5, iterations=300, n_train=4000),
        "cifar10": dict(rounds=5, iterations=10, n_train=1000, n_test=500),
    },
    "table3": {
        "mnist": dict(iterations=150, n_train=2000, n_test=2000),
        "cifar10": dict(iterations=5, n_train=500, n_test=200),
    },
    "appendix": {
        "mnist": dict(alpha=1.5, iterations=300, n_train=4000),
        "cifar10": dict(rounds=3, iterations=5, n_train=600, n_test=300),
    },
}


def quick_settings(model: str, study: str) -> dict:
    """The ``quick`` profile's settings of ``study`` (``regimes``, ``table3``,
    ``appendix``) for ``model``, from :data:`QUICK_SETTINGS`."""
    return dict(QUICK_SETTINGS[study][MODEL_DATASET[model]])


def profile_settings(model: str, profile: str, n_train: int | None = None) -> dict:
    """What a profile changes in the paper's hyper-parameters for ``model``:
    nothing (``paper``; ``subset`` for MNIST networks), or, in ``subset`` for
    the CIFAR-10 networks, the iterations scaled to ``n_train`` training
    images (default: :func:`subset_train_size`) and bfloat16."""
    check_profile(profile)
    if profile != "subset" or MODEL_DATASET[model] != "cifar10":
        return {}
    n = n_train if n_train is not None else subset_train_size(MODEL_DATASET[model])
    return {"iterations": subset_iterations(model, n), "precision": "bf16"}


#: the layers the paper studies: Conv4 without its first convolution (27 left
#: vertices) and its output layer (10 right vertices)
STUDIED_LAYERS = {
    "lenet_300_100": ["fc1", "fc2", "fc3"],
    "conv2": ["conv2", "fc1", "fc2"],
    "conv4": ["conv2", "conv3", "conv4", "fc1", "fc2"],
    "conv6": ["conv2", "conv3", "conv4", "conv5", "conv6", "fc1", "fc2"],
    "vgg19": [f"conv{i}" for i in range(2, 17)],
}


def lth_params(
    model: str, profile: str, seeds, noise_sigmas=NOISE_SIGMAS, rewind_iteration: int = 0, n_train: int | None = None
) -> list:
    """Parameter records of the regime experiment, one per seed (``n_train``:
    the training images present, for the ``subset`` profile)."""
    check_profile(profile)
    common = dict(model=model, rewind_iteration=rewind_iteration, noise_sigmas=tuple(noise_sigmas))
    if profile in STORED_PROFILES:
        common.update(profile_settings(model, profile, n_train))
        return [RunParams(alpha=2.0, seed=s, **common) for s in seeds]
    if MODEL_DATASET[model] == "cifar10":  # a pipeline check, not an experiment
        common["noise_sigmas"] = tuple(noise_sigmas)[-1:]
    return [RunParams(seed=s, **common, **quick_settings(model, "regimes")) for s in seeds]


# ------------------------------------------------------------------ Table 3
#: how the book names each score
#: Algorithm 1's round cap: the paper's comparison (full profiles), and the quick profile
BOUND_CAP = {"full": 60, "quick": 25}
#: the seeds of Conv4's IMP-Bound and IMP* in the report (the paper gives one run a
#: cell; three seeds measure how far -Bound and * differ by seed alone)
BOUND_SEEDS = (0, 1, 2)


def table3_params(score: str, base: dict, variant, cap: int | None = None) -> RunParams:
    """One run of Table 3 with the shared settings ``base`` (:func:`comparison_base`):
    ``variant`` an α (the plain pruner to ``10^-α``), ``"bound"`` (Algorithm 1,
    at most ``cap`` rounds, default the paper's 60) or ``("star", density)``
    (the plain pruner to exactly that density)."""
    if variant == "bound":
        return RunParams(score=score, bound=True, rounds=cap or BOUND_CAP["full"], **base)
    if isinstance(variant, tuple) and variant[0] == "star":
        return RunParams(score=score, density=variant[1], **base)
    return RunParams(score=score, alpha=variant, **base)


ALPHAS = (1.0, 1.5, 2.0)


def comparison_base(model: str, profile: str, seed: int = 0) -> dict:
    """Shared settings of the pruning comparison (Table 3) for a profile."""
    check_profile(profile)
    if profile in STORED_PROFILES:
        return dict(model=model, seed=seed, noise_sigmas=(), **profile_settings(model, profile))
    return dict(model=model, seed=seed, noise_sigmas=(), **quick_settings(model, "table3"))


def stored_comparison(model: str, score: str, stored_root, seed: int = 0) -> dict | None:
    """The paper-profile comparison runs of one score when all five are stored
    (``*`` is the one pruned to the density the stored -Bound run reached)."""
    base = comparison_base(model, "paper", seed)
    first = stored_runs.stored_all([table3_params(score, base, v) for v in (*ALPHAS, "bound")], stored_root)
    if first is None:
        return None
    star = stored_runs.stored_all([table3_params(score, base, ("star", first[-1].records[-1]["density"]))], stored_root)
    return dict(zip((*ALPHAS, "bound", "star"), first + star)) if star else None


#: rates of the output layer compared in chapter 4: the book's p_out (Frankle and
#: Carbin's) and p_fc, the rate of the other fully connected layers
OUTPUT_RATES = (0.1, 0.2)


def output_rate_params(
    model: str, profile: str, score: str = "magnitude", alpha: float = 2.0, rates=OUTPUT_RATES
) -> list:
    """The plain ``score`` pruned to ``10^-alpha`` overall density with the
    output layer pruned at each rate in ``rates``, other settings as in
    Table 3 (so the ``p_out = 0.1`` run is Table 3's run at that α)."""
    if score not in SCORE_PAPER_KEYS:
        raise ValueError(f"score must be one of {sorted(SCORE_PAPER_KEYS)} (the paper's), got {score!r}")
    for r in rates:
        if not 0 < r < 1:
            raise ValueError(f"output-layer rates must be in (0, 1), got {r}")
    base = comparison_base(model, profile)
    return [RunParams(score=score, alpha=alpha, p_out=r, **base) for r in rates]


# ------------------------------------------------------------------ appendix
#: the appendix experiments (ICLR A.1-A.5, ICML A.2-A.4): label -> (model, schedule, settings)
APPENDIX = {
    "LeNet-300-100, layer-wise": ("lenet_300_100", "layerwise", {}),
    "LeNet-300-100, global": ("lenet_300_100", "global", {}),
    # ICML Figure 7: layer-wise at p = 0.2 for every layer, the output layer included
    "LeNet-300-100, layer-wise at p = 0.2": ("lenet_300_100", "layerwise", {"p_out": 0.2}),
    "Conv2, layer-wise": ("conv2", "layerwise", {}),
    "Conv6, layer-wise": ("conv6", "layerwise", {}),
    # ICLR Figure 18: VGG19 with global pruning at p = 0.2. The paper's lr = 0.01 names no optimizer;
    # with Adam (every other network's) it stays near chance, so VGG19 trains at Adam's 3e-4 (the
    # catalog's default for it; chapter 7 gives the measured check)
    "VGG19, global": ("vgg19", "global", {}),
}


#: appendix studies a chart compares, so shown from one profile: stored full
#: runs for all of a group, or quick runs for all of it
APPENDIX_GROUPS = (
    tuple(label for label in APPENDIX if label.startswith("LeNet")),
    *((label,) for label in APPENDIX if not label.startswith("LeNet")),
)


def appendix_params(label: str, profile: str, seeds, noise_sigmas=NOISE_SIGMAS) -> list:
    """Parameter records of one appendix experiment, one per seed.

    ``paper``: the paper's iterations per model, down to 1 % overall density.
    ``quick``: LeNet as in chapter 3's quick profile; the CIFAR-10 networks
    three rounds of five iterations on 600 images (a pipeline check: a CPU
    core does about two Conv6 and half a VGG19 iteration per second).
    """
    if label not in APPENDIX:
        raise ValueError(f"unknown appendix experiment {label!r}; choose one of {list(APPENDIX)}")
    check_profile(profile)
    model, schedule, extra = APPENDIX[label]
    common = dict(model=model, schedule=schedule, noise_sigmas=tuple(noise_sigmas), **extra)
    if profile in STORED_PROFILES:
        return [RunParams(alpha=2.0, seed=s, **common, **profile_settings(model, profile)) for s in seeds]
    if MODEL_DATASET[model] == "cifar10":  # a pipeline check, not an experiment
        common["noise_sigmas"] = tuple(noise_sigmas)[-1:]
    return [RunParams(seed=s, **common, **quick_settings(model, "appendix")) for s in seeds]


def appendix_subset_params(label: str, seeds, noise_sigmas=NOISE_SIGMAS) -> list:
    """The ``subset`` profile's runs of appendix study ``label`` when it trains
    a CIFAR-10 network (stored seed by seed, hours each on a CPU, and shown by
    the quick chapter with the seeds stored so far); [] for an MNIST study, or
    when no CIFAR-10 images are present to count."""
    if MODEL_DATASET[APPENDIX[label][0]] != "cifar10":
        return []
    try:
        return appendix_params(label, "subset", seeds, noise_sigmas)
    except FileNotFoundError:
        return []


def is_paper_scale(params: RunParams, n_train: int | None = None) -> bool:
    """Whether a run is worth storing in the book: all the data present, and
    the paper's iterations or (CIFAR-10 networks) the ``subset`` profile's
    for the ``n_train`` training images it saw."""
    p = params.resolved()
    if p.n_train is not None or p.n_test is not None:
        return False
    if p.iterations >= DEFAULTS[p.model]["iterations"]:
        return True
    return (
        n_train is not None
        and MODEL_DATASET[p.model] == "cifar10"
        and p.precision == "bf16"
        and p.iterations == subset_iterations(p.model, n_train)
    )


def stored_lth(model: str, stored_root, n_seeds: int = 10) -> tuple[list, str]:
    """The stored regime runs of ``model`` and their profile: the paper
    profile's when any is stored, else the ``subset`` profile's."""
    for profile in STORED_PROFILES:
        if profile == "subset" and MODEL_DATASET[model] == "mnist":
            continue
        try:
            params = lth_params(model, profile, range(n_seeds))
        except FileNotFoundError:  # the subset profile counts the images present: none here
            continue
        found = stored_runs.stored_some(params, stored_root)
        if found:
            return found, profile
    return [], ""


def stored_profile(model: str, stored_root) -> str:
    """``paper`` when the book stores paper-profile Table 3 or regime runs of
    ``model``, else ``subset`` when it stores subset-profile ones, else ``paper``."""
    for profile in STORED_PROFILES:
        try:
            params = lth_params(model, profile, [0]) + [
                RunParams(alpha=2.0, score="snip", **comparison_base(model, profile))
            ]
        except FileNotFoundError:  # no CIFAR-10 images to count
            continue
        if any(stored_runs.find_stored(p, stored_root) for p in params):
            return profile
    return "paper"


# ------------------------------------------------------------------ controls
#: the ticket densities the controls match (chapter 3's regimes, from the
#: fully Ramanujan stretch of LeNet to its last round)
CONTROL_DENSITIES = (0.51, 0.21, 0.086, 0.035, 0.014, 0.01)


def control_plan(tickets: list, densities=CONTROL_DENSITIES, kinds=CONTROLS) -> list:
    """Parameter records of the controls of stored ``tickets`` (regime runs):
    per ticket, the rounds nearest each density, each control kind."""
    out = []
    for t in tickets:
        for rnd in dict.fromkeys(rounds_nearest(t, densities)):
            out += [control_params(t, rnd, kind) for kind in kinds]
    return out


#: the models whose tickets get one-shot runs at their controls' densities (training is cheap)
ONESHOT_MODELS = ("lenet_300_100",)


def oneshot_params(ticket, round_: int, method: str) -> RunParams:
    """The one-shot run of ``method`` matched to a stored ticket's round: the
    ticket's hyper-parameters and seed, pruned at initialisation to exactly
    the ticket's overall density there (its weight count), trained once."""
    if method not in ONESHOT_METHODS:
        raise ValueError(f"unknown one-shot method {method!r}; choose one of {', '.join(ONESHOT_METHODS)}")
    rec = next((r for r in ticket.records if r["round"] == round_), None)
    if rec is None:
        raise ValueError(f"run {ticket.folder.name} has no round {round_} (it has {len(ticket.records)})")
    kept = sum(int(c) for c in rec["remaining"].values())
    total = round(kept / rec["density"])
    p = ticket.params.resolved()
    return dataclasses.replace(
        p, score=method, schedule="oneshot", alpha=None, density=kept / total, rounds=0, bound=False
    )


def oneshot_plan(tickets: list, densities=CONTROL_DENSITIES, methods=ONESHOT_METHODS) -> list:
    """The one-shot runs matched to stored ``tickets`` (the later literature's
    methods at the controls' densities): per ticket, its rounds nearest each
    density, each method."""
    out = []
    for t in tickets:
        for rnd in dict.fromkeys(rounds_nearest(t, densities)):
            out += [oneshot_params(t, rnd, m) for m in methods]
    return out


# ------------------------------------------------------------------ single criteria (ICLR appendix A.1)
#: Algorithm 1 under one criterion at a time (ICLR appendix A.1, Figures 9-10): score and seed
CRITERION_SCORE, CRITERION_SEED = "magnitude", 0


def criterion_params(profile: str) -> tuple[RunParams, dict]:
    """The plain regime run whose rounds the single-criterion runs replay, and
    criterion -> the -Bound run under that criterion alone (at most 60 rounds;
    25 in the quick profile)."""
    plain = (
        lth_params("lenet_300_100", profile, [CRITERION_SEED])[0]
        if profile != "quick"
        else appendix_params("LeNet-300-100, layer-wise", "quick", [CRITERION_SEED])[0]
    )
    common = {k: v for k, v in plain.as_dict().items() if k not in ("alpha", "rounds", "noise_sigmas")}
    cap = BOUND_CAP["quick" if profile == "quick" else "full"]
    return plain, {
        c: RunParams(
            **{
                **common,
                "score": CRITERION_SCORE,
                "bound": True,
                "rounds": cap,
                "bound_criteria": (c,),
                "noise_sigmas": plain.noise_sigmas,
            }
        )
        for c in CRITERIA
    }


#: the seeds looked for among the stored runs when a comparison is repeated over seeds
STORED_SEEDS = range(10)


def bound_star_pairs(score: str, base: dict, stored_root) -> list[tuple[int, object, object]]:
    """(seed, -Bound, ``*``) for every seed with both stored, each ``*`` at
    its own seed's -Bound density."""
    pairs = []
    for seed in STORED_SEEDS:
        same = dict(base, seed=seed)
        bound = stored_runs.find_stored(table3_params(score, same, "bound"), stored_root)
        star = bound and stored_runs.find_stored(
            table3_params(score, same, ("star", bound.records[-1]["density"])), stored_root
        )
        if bound and star:
            pairs.append((seed, bound, star))
    return pairs
