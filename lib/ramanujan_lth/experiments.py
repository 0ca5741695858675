"""The lottery-ticket regime experiment of chapters 3 and 5, by profile.

``paper``: the paper's hyper-parameters (SPEC §3, §6): layer-wise IMP with
rewinding down to 1 % overall density (α = 2), the paper's iterations and
learning rates, five or ten seeds. ``quick``: the same schedule with a few
hundred iterations on part of the data, for a laptop CPU and for CI.
"""
from __future__ import annotations

from . import results
from .runs import RunParams

__all__ = ["PROFILES", "STUDIED_LAYERS", "lth_params", "load_lth"]

PROFILES = ("quick", "paper")

#: the layers the paper studies: Conv4 without its first convolution (27 left
#: vertices) and its output layer (10 right vertices)
STUDIED_LAYERS = {
    "lenet_300_100": ["fc1", "fc2", "fc3"],
    "conv2": ["conv2", "fc1", "fc2"],
    "conv4": ["conv2", "conv3", "conv4", "fc1", "fc2"],
    "conv6": ["conv2", "conv3", "conv4", "conv5", "conv6", "fc1", "fc2"],
}


def lth_params(model: str, profile: str, seeds, noise_sigmas=(0.1, 0.2, 0.3), rewind_iteration: int = 0) -> list:
    """Parameter records of the regime experiment, one per seed."""
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    common = dict(model=model, rewind_iteration=rewind_iteration, noise_sigmas=tuple(noise_sigmas))
    if profile == "paper":
        return [RunParams(alpha=2.0, seed=s, **common) for s in seeds]
    if model == "lenet_300_100":
        return [RunParams(alpha=1.5, iterations=300, n_train=4000, seed=s, **common) for s in seeds]
    # conv nets cost ~0.5 s per iteration on a CPU: a pipeline check, not an experiment
    common["noise_sigmas"] = tuple(noise_sigmas)[-1:]
    return [RunParams(rounds=5, iterations=10, n_train=1000, n_test=500, seed=s, **common) for s in seeds]


def load_lth(model: str, profile: str, n_seeds: int, stored_root, runs_dir, use_stored: bool = True,
             quick_seeds: int | None = None, noise_sigmas=(0.1, 0.2, 0.3), rewind_iteration: int = 0,
             device=None, download: bool = False) -> tuple[list, str]:
    """Results of the regime experiment and a label of where they come from.

    In the quick profile, stored full (paper-profile) runs are shown when any
    exist and ``use_stored``; otherwise quick runs are computed (``quick_seeds``
    of them, default ``n_seeds``). The paper profile uses stored runs for the
    seeds that have them and computes the rest (``device``, ``download`` go
    to :func:`ramanujan_lth.runs.run`).
    """
    kw = dict(noise_sigmas=noise_sigmas, rewind_iteration=rewind_iteration)
    run_kw = dict(device=device, download=download)
    paper = lth_params(model, "paper", range(n_seeds), **kw)
    if profile == "quick":
        stored = [r for r in (results.find_stored(p, stored_root) for p in paper) if r] if use_stored else []
        if stored:
            return stored, f"stored full runs ({len(stored)} of {n_seeds} seeds)"
        quick = lth_params(model, "quick", range(quick_seeds or n_seeds), **kw)
        res, _ = results.get_runs(quick, None, runs_dir, False, **run_kw)
        return res, "quick profile"
    res, src = results.get_runs(paper, stored_root, runs_dir, use_stored, **run_kw)
    return res, f"paper profile ({src})"
