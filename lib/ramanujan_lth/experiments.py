"""The chapters' runs, loaded: stored when the book has them, computed otherwise.

What each experiment runs per profile is in :mod:`ramanujan_lth.plans`; this
module finds those runs in the book's stored results
(:func:`ramanujan_lth.stored.find_stored`) or computes them
(:func:`ramanujan_lth.runs.get_runs`):

* the regime study of chapters 3 and 5 (:func:`load_lth`, :func:`load_runs`);
* Table 3 of chapter 4 (:func:`comparison_runs`) and the output-layer test
  (:func:`output_rate_runs`);
* the controls of chapter 6 (:func:`load_controls`);
* the appendix studies and Algorithm 1 under single criteria, chapter 7
  (:func:`load_appendix`, :func:`criterion_runs`).

In the ``quick`` profile a chapter shows an experiment's stored full runs
instead of its quick runs when every one of them is stored
(:func:`ramanujan_lth.stored.stored_all`, the one rule); a CIFAR-10 regime
study, stored seed by seed in the ``subset`` profile, is shown with the seeds
stored so far (:func:`ramanujan_lth.stored.stored_some`).
"""

from __future__ import annotations

from . import plans, stored_runs
from .catalog import MODEL_DATASET, NOISE_SIGMAS, check_profile
from .params import RunResult
from .plans import (
    ALPHAS,
    BOUND_CAP,
    CONTROL_DENSITIES,
    OUTPUT_RATES,
    chapter_seeds,
    comparison_base,
    control_plan,
    criterion_params,
    lth_params,
    output_rate_params,
    table3_params,
)
from .runs import get_runs

__all__ = [
    "load_runs",
    "load_lth",
    "comparison_runs",
    "output_rate_runs",
    "load_controls",
    "criterion_runs",
    "load_appendix",
]


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

    In the quick profile, the stored full (paper-profile) runs are shown when
    every one is stored and ``use_stored`` (:func:`ramanujan_lth.stored.stored_all`),
    else the stored ``subset``-profile runs (records ``subset``) of the seeds
    stored so far, when there is one (the label says how many of how many:
    those take hours a seed on a CPU and are stored seed by seed); otherwise
    the quick runs are computed. The
    paper (or subset) profile uses stored runs for the seeds that have them
    (``paper`` holds that profile's records) and computes the rest
    (``device``, ``download`` go to :func:`ramanujan_lth.runs.run`).
    """
    check_profile(profile)
    run_kw = dict(device=device, download=download)
    if profile == "quick":
        stored = stored_runs.stored_all(paper, stored_root) if use_stored else None
        if stored:
            return stored, f"stored full runs ({stored_runs.seed_count(stored)})"
        found = stored_runs.stored_some(subset or [], stored_root) if use_stored else None
        if found:
            of = "" if len(found) == len(subset) else f" of {len(subset)}"
            return found, f"stored subset-profile runs ({stored_runs.seed_count(found)}{of})"
        res, _ = get_runs(quick, None, runs_dir, False, **run_kw)
        return res, "quick profile"
    res, src = get_runs(paper, stored_root, runs_dir, use_stored, **run_kw)
    return res, f"{profile} profile ({src})"


def load_lth(
    model: str,
    profile: str,
    n_seeds: int,
    stored_root,
    runs_dir,
    use_stored: bool = True,
    quick_seeds: int | None = None,
    noise_sigmas=NOISE_SIGMAS,
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
        stored = plans.stored_comparison(model, score, stored_root, seed)
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


def output_rate_runs(
    model: str, score: str, profile: str, stored_root, runs_dir, use_stored: bool = True, **run_kw
) -> tuple[dict, str]:
    """:func:`output_rate_params`' runs for one score, rate -> result, and
    where they come from. The quick profile shows stored full runs when both
    rates are stored (for IMP, α = 2 at ``p_out = 0.1`` is also the
    noise-free copy of chapter 3's seed 0), else computes its own."""
    paper = output_rate_params(model, "paper", score)
    if profile == "quick" and use_stored:
        stored = stored_runs.stored_all(paper, stored_root)
        if stored:
            return dict(zip(OUTPUT_RATES, stored)), "stored full runs"
    chosen = paper if profile == "paper" else output_rate_params(model, "quick", score)
    got, src = get_runs(chosen, stored_root, runs_dir, use_stored, progress=False, **run_kw)
    return dict(zip(OUTPUT_RATES, got)), f"{profile} profile ({src})"


def _one(params, stored_root, runs_dir, use_stored, run_kw):
    res, _ = get_runs([params], stored_root, runs_dir, use_stored, progress=False, **run_kw)
    return res[0]


def load_controls(
    model: str,
    profile: str,
    stored_root,
    runs_dir,
    use_stored: bool = True,
    n_seeds: int | None = None,
    densities=CONTROL_DENSITIES,
    device=None,
    download: bool = False,
) -> tuple[list, list, str]:
    """The tickets (regime runs) and their controls, and where they come from.

    The quick profile shows the stored full runs when every ticket and every
    control of them is stored, else computes a small version: quick tickets
    and controls of their rounds nearest the first four ``densities``. The
    paper profile takes ``n_seeds`` (default: chapter 6's,
    :data:`ramanujan_lth.plans.CHAPTER_SEEDS`) stored (or computed) tickets
    and their controls (stored, or trained now)."""
    check_profile(profile)
    run_kw = dict(device=device, download=download)
    if profile == "quick":
        full = n_seeds or chapter_seeds("06_verdict", model, "paper")
        stored = stored_runs.stored_all(lth_params(model, "paper", range(full)), stored_root) if use_stored else None
        found = stored_runs.stored_all(control_plan(stored, densities), stored_root) if stored else None
        if found:
            return stored, found, f"stored full runs ({len(stored)} seeds, {len(found)} controls)"
        quick = n_seeds or chapter_seeds("06_verdict", model, "quick")
        tickets, _ = get_runs(lth_params(model, "quick", range(quick)), None, runs_dir, False, progress=False, **run_kw)
        ctrl, _ = get_runs(control_plan(tickets, densities[:4]), None, runs_dir, False, progress=False, **run_kw)
        return tickets, ctrl, "quick profile"
    n_seeds = n_seeds or chapter_seeds("06_verdict", model, profile)
    tickets, src = get_runs(
        lth_params(model, profile, range(n_seeds)), stored_root, runs_dir, use_stored, progress=False, **run_kw
    )
    ctrl, csrc = get_runs(control_plan(tickets, densities), stored_root, runs_dir, use_stored, progress=False, **run_kw)
    return tickets, ctrl, f"{profile} profile (tickets {src}, controls {csrc})"


def criterion_runs(
    profile: str, stored_root, runs_dir, use_stored: bool = True, device=None, download: bool = False
) -> tuple[dict, RunResult, str]:
    """:func:`criterion_params`' runs: criterion -> result, the plain run
    whose rounds they replay, and where they come from. The quick profile
    shows the stored full runs when all five are stored; otherwise it computes
    its own after the plain quick run."""
    plain_full, full = criterion_params("paper")
    if profile == "quick" and use_stored:
        stored = stored_runs.stored_all([plain_full, *full.values()], stored_root)
        if stored:
            return dict(zip(full, stored[1:])), stored[0], "stored full runs"
    plain, chosen = criterion_params(profile)
    got, src = get_runs(
        [plain, *chosen.values()],
        stored_root,
        runs_dir,
        use_stored and profile != "quick",
        progress=False,
        device=device,
        download=download,
    )
    return dict(zip(chosen, got[1:])), got[0], f"{profile} profile ({src})"


def load_appendix(
    labels,
    profile: str,
    stored_root,
    runs_dir,
    use_stored: bool = True,
    n_seeds: int | None = None,
    noise_sigmas=NOISE_SIGMAS,
    device=None,
    download: bool = False,
) -> dict:
    """The appendix studies ``labels`` (of :data:`ramanujan_lth.plans.APPENDIX`),
    label -> (results, where they come from), ``n_seeds`` each (default:
    chapter 7's). The studies of one of :data:`ramanujan_lth.plans.APPENDIX_GROUPS`
    are compared in one chart, so they load together (:func:`load_runs`):
    stored full runs for all of the group, or quick runs for all of it."""
    unknown = [label for label in labels if label not in plans.APPENDIX]
    if unknown:
        raise ValueError(f"unknown appendix studies {unknown}; choose from {list(plans.APPENDIX)}")
    n = n_seeds or chapter_seeds("07_appendix", "every study", profile)
    out = {}
    for group in plans.APPENDIX_GROUPS:
        chosen = [label for label in group if label in labels]
        if not chosen:
            continue
        # the quick profile shows the stored runs of the full profiles' seeds, or trains its own fewer
        full_n = n_seeds or chapter_seeds("07_appendix", "every study", "paper")
        own = "subset" if profile == "subset" else "paper"  # the stored runs the profile trains or shows
        paper = [p for label in chosen for p in plans.appendix_params(label, own, range(full_n), noise_sigmas)]
        quick = [p for label in chosen for p in plans.appendix_params(label, "quick", range(n), noise_sigmas)]
        # a CIFAR-10 study is a group of its own: its subset-profile seeds, stored one by one, can be shown
        subset = plans.appendix_subset_params(chosen[0], range(full_n), noise_sigmas) if len(chosen) == 1 else None
        res, source = load_runs(
            paper, quick, profile, stored_root, runs_dir, use_stored, device, download, subset=subset or None
        )
        per = len(res) // len(chosen)  # the runs are in the order of their labels, as many each
        for i, label in enumerate(chosen):
            out[label] = (res[i * per : (i + 1) * per], source)
    return {label: out[label] for label in labels}
