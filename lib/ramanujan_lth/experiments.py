"""The experiments of the chapters, by profile: which runs each one is, and loading them.

* the profiles (``quick``, ``paper``, ``subset``) and what they change in the
  paper's hyper-parameters (book/methods.md §12);
* the regime study of chapters 3 and 5 (:func:`lth_params`, :func:`load_lth`):
  layer-wise IMP with rewinding down to 1 % overall density;
* Table 3 of chapter 4 (:func:`comparison_base`, :func:`table3_params`,
  :func:`comparison_runs`) and the output-layer test (:func:`output_rate_runs`);
* the controls of chapter 6 (:func:`control_plan`, :func:`load_controls`);
* the appendix studies of chapter 7 (:func:`appendix_params`) and Algorithm 1
  under single criteria (:func:`criterion_runs`).

``quick`` runs the same schedules with a few hundred iterations on part of the
data, for a laptop CPU and for CI; the chapters show stored full runs instead
when they exist. :mod:`ramanujan_lth.tasks` lists the same runs, with what
each waits for, for ``reproduce``.
"""

from __future__ import annotations

import functools
import math

import pandas as pd

from . import results
from .controls import CONTROLS, control_params, rounds_nearest
from .data import DATASETS, MODEL_DATASET, load_dataset
from .runs import RunParams
from .train import DEFAULTS

__all__ = [
    "PROFILES",
    "STUDIED_LAYERS",
    "lth_params",
    "load_lth",
    "comparison_runs",
    "comparison_base",
    "ALPHAS",
    "SCORE_NAMES",
    "SCORE_LABELS",
    "BOUND_CAP",
    "table3_params",
    "APPENDIX",
    "appendix_params",
    "is_paper_scale",
    "stored_profile",
    "stored_lth",
    "load_runs",
    "OUTPUT_RATES",
    "output_rate_params",
    "output_rate_runs",
    "output_rate_frame",
    "profile_settings",
    "subset_iterations",
    "present_train_size",
    "CONTROL_DENSITIES",
    "CONTROLS",
    "control_plan",
    "load_controls",
    "CRITERION_DELTA",
    "criterion_params",
    "criterion_runs",
    "criterion_frame",
    "criterion_stops",
]

PROFILES = ("quick", "paper", "subset")

#: the paper's training-set size per dataset (the iterations of the paper's
#: hyper-parameters are counted against it)
PAPER_TRAIN_SIZE = {name: spec.n_train for name, spec in DATASETS.items()}


@functools.lru_cache(maxsize=None)
def present_train_size(dataset: str, root: str | None = None) -> int:
    """How many training images of ``dataset`` the data root holds."""
    return load_dataset(dataset, root=root, device="cpu", quiet=True).sizes[0]


def subset_iterations(model: str, n_train: int) -> int:
    """The ``subset`` profile's iterations per round: the paper's, scaled to
    the same number of passes over ``n_train`` training images (rounded)."""
    full = PAPER_TRAIN_SIZE[MODEL_DATASET[model]]
    return max(1, math.floor(DEFAULTS[model]["iterations"] * min(n_train, full) / full + 0.5))


def profile_settings(model: str, profile: str, n_train: int | None = None) -> dict:
    """What a profile changes in the paper's hyper-parameters for ``model``:
    nothing (``paper``; ``subset`` for MNIST networks), or, in ``subset`` for
    the CIFAR-10 networks, the iterations scaled to the training images
    present (``n_train``, default: counted under the data root) and bfloat16."""
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    if profile != "subset" or MODEL_DATASET[model] != "cifar10":
        return {}
    n = n_train if n_train is not None else present_train_size(MODEL_DATASET[model])
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
    model: str, profile: str, seeds, noise_sigmas=(0.1, 0.2, 0.3), rewind_iteration: int = 0, n_train: int | None = None
) -> list:
    """Parameter records of the regime experiment, one per seed (``n_train``:
    the training images present, for the ``subset`` profile)."""
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    common = dict(model=model, rewind_iteration=rewind_iteration, noise_sigmas=tuple(noise_sigmas))
    if profile in ("paper", "subset"):
        common.update(profile_settings(model, profile, n_train))
        return [RunParams(alpha=2.0, seed=s, **common) for s in seeds]
    if model == "lenet_300_100":
        return [RunParams(alpha=1.5, iterations=300, n_train=4000, seed=s, **common) for s in seeds]
    # conv nets cost ~0.5 s per iteration on a CPU: a pipeline check, not an experiment
    common["noise_sigmas"] = tuple(noise_sigmas)[-1:]
    return [RunParams(rounds=5, iterations=10, n_train=1000, n_test=500, seed=s, **common) for s in seeds]


def load_runs(
    paper: list,
    quick: list,
    profile: str,
    stored_root,
    runs_dir,
    use_stored: bool = True,
    device=None,
    download: bool = False,
    subset: list | None = None,
) -> tuple[list, str]:
    """Results of one experiment given its paper-profile and quick-profile
    parameter records, and a label of where they come from.

    In the quick profile, stored full (paper-profile) runs are shown when any
    exist and ``use_stored``, else stored ``subset``-profile runs (records
    ``subset``); otherwise the quick runs are computed. The
    paper (or subset) profile uses stored runs for the seeds that have them
    (``paper`` holds that profile's records) and computes the rest
    (``device``, ``download`` go to :func:`ramanujan_lth.runs.run`).
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    run_kw = dict(device=device, download=download)
    if profile == "quick":
        stored = [r for r in (results.find_stored(p, stored_root) for p in paper) if r] if use_stored else []
        if stored:
            return stored, f"stored full runs ({len(stored)} of {len(paper)} seeds)"
        subset = [r for r in (results.find_stored(p, stored_root) for p in (subset or [])) if r] if use_stored else []
        if subset:
            return subset, f"stored subset-profile runs ({len(subset)} of {len(paper)} seeds)"
        res, _ = results.get_runs(quick, None, runs_dir, False, **run_kw)
        return res, "quick profile"
    res, src = results.get_runs(paper, stored_root, runs_dir, use_stored, **run_kw)
    return res, f"{profile} profile ({src})"


def load_lth(
    model: str,
    profile: str,
    n_seeds: int,
    stored_root,
    runs_dir,
    use_stored: bool = True,
    quick_seeds: int | None = None,
    noise_sigmas=(0.1, 0.2, 0.3),
    rewind_iteration: int = 0,
    device=None,
    download: bool = False,
) -> tuple[list, str]:
    """Results of the regime experiment (see :func:`load_runs`): ``n_seeds``
    paper-profile seeds, ``quick_seeds`` (default ``n_seeds``) quick ones."""
    kw = dict(noise_sigmas=noise_sigmas, rewind_iteration=rewind_iteration)
    paper = lth_params(model, "paper", range(n_seeds), **kw)
    if profile == "subset":
        return load_runs(
            lth_params(model, "subset", range(n_seeds), **kw),
            [],
            "subset",
            stored_root,
            runs_dir,
            use_stored,
            device=device,
            download=download,
        )
    quick = lth_params(model, "quick", range(quick_seeds or n_seeds), **kw)
    subset = _subset_params(model, n_seeds, **kw) if profile == "quick" else None
    return load_runs(
        paper, quick, profile, stored_root, runs_dir, use_stored, device=device, download=download, subset=subset
    )


def _subset_params(model: str, n_seeds: int, **kw) -> list | None:
    """The subset profile's regime runs of a CIFAR-10 network, None for MNIST
    networks or when no CIFAR-10 data is present to count."""
    if MODEL_DATASET[model] != "cifar10":
        return None
    try:
        return lth_params(model, "subset", range(n_seeds), **kw)
    except FileNotFoundError:
        return None


# ------------------------------------------------------------------ Table 3
SCORE_NAMES = {"magnitude": "imp", "snip": "snip", "synflow": "synflow"}
#: how the book names each score
SCORE_LABELS = {"magnitude": "IMP", "snip": "SNIP", "synflow": "SynFlow"}
#: Algorithm 1's round cap: the paper's comparison (full profiles), and the quick profile
BOUND_CAP = {"full": 60, "quick": 25}


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
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    if profile in ("paper", "subset"):
        return dict(model=model, seed=seed, noise_sigmas=(), **profile_settings(model, profile))
    if model == "lenet_300_100":
        return dict(model=model, seed=seed, noise_sigmas=(), iterations=150, n_train=2000, n_test=2000)
    return dict(model=model, seed=seed, noise_sigmas=(), iterations=5, n_train=500, n_test=200)


def comparison_runs(
    model: str,
    score: str,
    profile: str,
    stored_root,
    runs_dir,
    max_bound_rounds: int | None = None,
    use_stored: bool = True,
    seed: int = 0,
    **run_kw,
) -> tuple[dict, str]:
    """Table 3's runs for one score: the plain algorithm at each α, the
    ``-Bound`` variant until no layer changes (at most ``max_bound_rounds``:
    60 in the paper profile), and ``*``: the plain algorithm pruned to exactly
    the density the ``-Bound`` variant reached. Returns variant -> RunResult
    and where they come from. The quick profile shows the stored full runs
    (paper profile) instead when every one of the score's five is stored."""
    if profile == "quick" and use_stored and max_bound_rounds in (None, 60):
        stored = _stored_comparison(model, score, stored_root, seed)
        if stored is not None:
            return stored, "stored full runs"
    base = comparison_base(model, profile, seed)
    cap = max_bound_rounds or BOUND_CAP["quick" if profile == "quick" else "full"]
    out = {}
    for a in sorted(ALPHAS, reverse=True):  # the longest first: the others start from its rounds (runs.py, forks)
        out[a] = _one(table3_params(score, base, a), stored_root, runs_dir, use_stored, run_kw)
    out = {a: out[a] for a in ALPHAS}
    out["bound"] = _one(table3_params(score, base, "bound", cap), stored_root, runs_dir, use_stored, run_kw)
    reached = out["bound"].records[-1]["density"]
    out["star"] = _one(table3_params(score, base, ("star", reached)), stored_root, runs_dir, use_stored, run_kw)
    return out, f"{profile} profile"


def _stored_comparison(model: str, score: str, stored_root, seed: int = 0) -> dict | None:
    """The paper-profile comparison runs of one score when all five are stored."""
    if stored_root is None:
        return None
    base = comparison_base(model, "paper", seed)
    out = {a: results.find_stored(table3_params(score, base, a), stored_root) for a in ALPHAS}
    out["bound"] = results.find_stored(table3_params(score, base, "bound"), stored_root)
    if out["bound"] is not None:
        reached = out["bound"].records[-1]["density"]
        out["star"] = results.find_stored(table3_params(score, base, ("star", reached)), stored_root)
    return out if all(out.get(k) is not None for k in (*ALPHAS, "bound", "star")) else None


#: rates of the output layer compared in chapter 4: the book's p_out (Frankle and
#: Carbin's) and p_fc, the rate of the other fully connected layers
OUTPUT_RATES = (0.1, 0.2)


def output_rate_params(
    model: str, profile: str, score: str = "magnitude", alpha: float = 2.0, rates=OUTPUT_RATES
) -> list:
    """The plain ``score`` pruned to ``10^-alpha`` overall density with the
    output layer pruned at each rate in ``rates``, other settings as in
    Table 3 (so the ``p_out = 0.1`` run is Table 3's run at that α)."""
    if score not in SCORE_NAMES:
        raise ValueError(f"score must be one of {sorted(SCORE_NAMES)}, got {score!r}")
    for r in rates:
        if not 0 < r < 1:
            raise ValueError(f"output-layer rates must be in (0, 1), got {r}")
    base = comparison_base(model, profile)
    return [RunParams(score=score, alpha=alpha, p_out=r, **base) for r in rates]


def output_rate_runs(
    model: str, score: str, profile: str, stored_root, runs_dir, use_stored: bool = True, **run_kw
) -> tuple[dict, str]:
    """:func:`output_rate_params`' runs for one score, rate -> result, and
    where they come from. The quick profile shows stored full runs when both
    rates are stored (for IMP, α = 2 at ``p_out = 0.1`` is also the
    noise-free copy of chapter 3's seed 0), else computes its own."""
    paper = output_rate_params(model, "paper", score)
    if profile == "quick" and use_stored:
        stored = [results.find_stored(p, stored_root) for p in paper]
        if all(stored):
            return dict(zip(OUTPUT_RATES, stored)), "stored full runs"
    chosen = paper if profile == "paper" else output_rate_params(model, "quick", score)
    got, src = results.get_runs(chosen, stored_root, runs_dir, use_stored, progress=False, **run_kw)
    return dict(zip(OUTPUT_RATES, got)), f"{profile} profile ({src})"


def output_rate_frame(runs: dict):
    """One row per (score, output-layer rate, round) of runs keyed by
    ``(score label, rate)``: overall density, test accuracy and the output
    layer's surviving weights."""
    rows = []
    for (score, rate), res in runs.items():
        for rec in res.records:
            out = [s for s in rec["spectral"] if s["graph"] == "unweighted" and s["output"]]
            if len(out) != 1:
                raise ValueError(
                    f"run {res.folder.name}: round {rec['round']} has {len(out)} output layers in its records"
                )
            rows.append(
                {
                    "score": score,
                    "output rate": f"p_out = {rate:g}",
                    "round": rec["round"],
                    "density": rec["density"],
                    "accuracy": rec["accuracy"],
                    "output weights": out[0]["edges"],
                    "output layer": out[0]["layer"],
                    "classes": out[0]["n_right"],
                }
            )
    return pd.DataFrame(rows)


def _one(params, stored_root, runs_dir, use_stored, run_kw):
    res, _ = results.get_runs([params], stored_root, runs_dir, use_stored, progress=False, **run_kw)
    return res[0]


# ------------------------------------------------------------------ appendix
#: the appendix experiments (ICLR A.1-A.5, ICML A.2-A.4): label -> (model, schedule, settings)
APPENDIX = {
    "LeNet-300-100, layer-wise": ("lenet_300_100", "layerwise", {}),
    "LeNet-300-100, global": ("lenet_300_100", "global", {}),
    # ICML Figure 7: layer-wise at p = 0.2 for every layer, the output layer included
    "LeNet-300-100, layer-wise at p = 0.2": ("lenet_300_100", "layerwise", {"p_out": 0.2}),
    "Conv2, layer-wise": ("conv2", "layerwise", {}),
    "Conv6, layer-wise": ("conv6", "layerwise", {}),
    # ICLR Figure 18: VGG19 with global pruning at p = 0.2 and lr = 0.01
    "VGG19, global": ("vgg19", "global", {"lr": 0.01}),
}


def appendix_params(label: str, profile: str, seeds, noise_sigmas=(0.1, 0.2, 0.3)) -> list:
    """Parameter records of one appendix experiment, one per seed.

    ``paper``: the paper's iterations per model, down to 1 % overall density.
    ``quick``: LeNet as in chapter 3's quick profile; the CIFAR-10 networks
    three rounds of five iterations on 600 images (a pipeline check: a CPU
    core does about two Conv6 and half a VGG19 iteration per second).
    """
    if label not in APPENDIX:
        raise ValueError(f"unknown appendix experiment {label!r}; choose one of {list(APPENDIX)}")
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    model, schedule, extra = APPENDIX[label]
    common = dict(model=model, schedule=schedule, noise_sigmas=tuple(noise_sigmas), **extra)
    if profile in ("paper", "subset"):
        return [RunParams(alpha=2.0, seed=s, **common, **profile_settings(model, profile)) for s in seeds]
    if model == "lenet_300_100":
        return [RunParams(alpha=1.5, iterations=300, n_train=4000, seed=s, **common) for s in seeds]
    common["noise_sigmas"] = tuple(noise_sigmas)[-1:]
    return [RunParams(seed=s, rounds=3, iterations=5, n_train=600, n_test=300, **common) for s in seeds]


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
    for profile in ("paper", "subset"):
        if profile == "subset" and MODEL_DATASET[model] == "mnist":
            continue
        try:
            params = lth_params(model, profile, range(n_seeds))
        except FileNotFoundError:  # the subset profile counts the images present: none here
            continue
        found = [r for r in (results.find_stored(p, stored_root) for p in params) if r]
        if found:
            return found, profile
    return [], ""


def stored_profile(model: str, stored_root) -> str:
    """``paper`` when the book stores paper-profile Table 3 or regime runs of
    ``model``, else ``subset`` when it stores subset-profile ones, else ``paper``."""
    for profile in ("paper", "subset"):
        try:
            params = lth_params(model, profile, [0]) + [
                RunParams(alpha=2.0, score="snip", **comparison_base(model, profile))
            ]
        except FileNotFoundError:  # no CIFAR-10 images to count
            continue
        if any(results.find_stored(p, stored_root) for p in params):
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


def load_controls(
    model: str,
    profile: str,
    stored_root,
    runs_dir,
    use_stored: bool = True,
    n_seeds: int = 5,
    densities=CONTROL_DENSITIES,
    device=None,
    download: bool = False,
) -> tuple[list, list, str]:
    """The tickets (regime runs) and their controls, and where they come from.

    The quick profile shows the stored full runs when controls of them are
    stored, else computes a small version: quick tickets of three seeds and
    controls of their rounds nearest the first four ``densities``. The paper
    profile takes ``n_seeds`` stored (or computed) tickets and their controls
    (stored, or trained now)."""
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    run_kw = dict(device=device, download=download)
    if profile == "quick":
        stored = (
            [r for r in (results.find_stored(p, stored_root) for p in lth_params(model, "paper", range(n_seeds))) if r]
            if use_stored
            else []
        )
        plan = control_plan(stored, densities)
        found = [results.find_stored(p, stored_root) for p in plan]
        if stored and plan and all(found):
            return stored, found, f"stored full runs ({len(stored)} seeds, {len(found)} controls)"
        tickets, _ = results.get_runs(
            lth_params(model, "quick", range(3)), None, runs_dir, False, progress=False, **run_kw
        )
        ctrl, _ = results.get_runs(
            control_plan(tickets, densities[:4]), None, runs_dir, False, progress=False, **run_kw
        )
        return tickets, ctrl, "quick profile"
    tickets, src = results.get_runs(
        lth_params(model, profile, range(n_seeds)), stored_root, runs_dir, use_stored, progress=False, **run_kw
    )
    ctrl, csrc = results.get_runs(
        control_plan(tickets, densities), stored_root, runs_dir, use_stored, progress=False, **run_kw
    )
    return tickets, ctrl, f"{profile} profile (tickets {src}, controls {csrc})"


# ------------------------------------------------------------------ single criteria (ICLR appendix A.1)
#: the graph and Δ each single criterion of Algorithm 1 reads (Table 1 of the paper)
CRITERION_DELTA = {
    "UE": ("unweighted", "delta_s"),
    "UD": ("unweighted", "delta_r"),
    "WE": ("weighted", "delta_s"),
    "WD": ("weighted", "delta_r"),
}


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
    cap = 25 if profile == "quick" else 60
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
        for c in CRITERION_DELTA
    }


def criterion_runs(
    profile: str, stored_root, runs_dir, use_stored: bool = True, device=None, download: bool = False
) -> tuple[dict, str]:
    """:func:`criterion_params`' runs, criterion -> result, and where they
    come from. The quick profile shows the stored full runs when all four are
    stored; otherwise it computes its own after the plain quick run whose
    rounds they replay."""
    _, full = criterion_params("paper")
    if profile == "quick" and use_stored:
        stored = {c: results.find_stored(p, stored_root) for c, p in full.items()}
        if all(stored.values()):
            return stored, "stored full runs"
    plain, chosen = criterion_params(profile)
    got, src = results.get_runs(
        [plain, *chosen.values()],
        stored_root,
        runs_dir,
        use_stored and profile != "quick",
        progress=False,
        device=device,
        download=download,
    )
    return dict(zip(chosen, got[1:])), f"{profile} profile ({src})"


def criterion_frame(runs: dict, layers) -> pd.DataFrame:
    """One row per (criterion, round, layer): the network's density, the
    layer's density, the Δ its criterion reads, the unweighted
    max(ΔS, ΔR), and the test accuracies (clean and noisy)."""
    rows = []
    for crit, res in runs.items():
        graph, col = CRITERION_DELTA[crit]
        for rec in res.records:
            spec = pd.DataFrame(rec["spectral"])
            for layer in layers:
                row = spec[(spec["graph"] == graph) & (spec["layer"] == layer)].iloc[0]
                unw = spec[(spec["graph"] == "unweighted") & (spec["layer"] == layer)].iloc[0]
                rows.append(
                    {
                        "criterion": crit,
                        "round": rec["round"],
                        "density": rec["density"],
                        "layer": layer,
                        "layer density": rec["layers"][layer],
                        "delta": float(row[col]),
                        "max_delta": float(max(unw["delta_s"], unw["delta_r"])),
                        "accuracy": rec["accuracy"],
                        **{f"σ = {s}": a for s, a in rec["noisy_accuracy"].items()},
                    }
                )
    return pd.DataFrame(rows)


def criterion_stops(runs: dict) -> pd.DataFrame:
    """One row per criterion: the rounds it ran, where it stopped (density,
    clean and noisiest accuracy), whether the round cap ended it, and for
    each layer Algorithm 1 held, from which round, at what density and why."""
    rows = []
    for crit, res in runs.items():
        last = res.records[-1]
        noisy = max(last["noisy_accuracy"], key=float) if last["noisy_accuracy"] else None
        held = results.held_layers(res.records)
        rows.append(
            {
                "criterion": crit,
                "rounds": len(res.records),
                "density %": 100 * last["density"],
                "clean accuracy %": 100 * last["accuracy"],
                f"σ = {noisy} accuracy %": 100 * last["noisy_accuracy"][noisy] if noisy else None,
                "ended by": "the round cap" if "bound_decisions" not in last else "no layer changed",
                "layers held": "; ".join(
                    f"{layer} from round {r} at {100 * d:.3g} %: {why}"
                    for layer, (r, why, d) in sorted(held.items(), key=lambda kv: kv[1][0])
                ),
            }
        )
    return pd.DataFrame(rows)
