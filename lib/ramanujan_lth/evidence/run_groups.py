"""The long groups of runs the book stores a run at a time, each beside the
paper's figure or table it reproduces, how many of its runs are stored and
what differs from the paper.

These are hours of CPU each (the CIFAR-10 networks in the ``subset`` profile,
the one-shot masks on LeNet); the report lists them so that a reader sees what
a number rests on and what is still training. Counting reads the stored
records only (no torch).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ramanujan_lth.catalog import PAPER_SCORES
from ramanujan_lth.evidence import plans
from ramanujan_lth.storage import paths, stored_runs

__all__ = ["BOUND_GROUP", "DERIVED", "GROUPS", "group_params", "parked", "run_groups", "stored"]

#: group -> (what it reproduces, where the book shows it)
GROUPS = {
    "Conv4 regime runs, seeds 0-9": ("ICML Figure 4 and Table 5 (appendix A.5)", "chapters 3 and 5"),
    "Conv4 controls, seeds 0-4": ("none: the book's controls at matched density", "chapter 6, the verdict"),
    "Conv6 layer-wise, seeds 0-1": ("ICML Figure 11 (ICLR Figure 17): Conv6 layer-wise, p_out = 0.1", "chapter 7"),
    "VGG19 global, seeds 0-1": ("ICLR Figure 18", "chapter 7"),
    "Conv4 at the 20 % output rate": ("chapter 4's test of Table 3's collapse, on Conv4", "chapter 4, the report"),
    "Conv4 IMP-Bound and IMP*, seeds 1-2": ("Table 3, Conv4's IMP row over three seeds", "the report"),
    "LeNet one-shot masks, seeds 0-4": ("Hoang et al. (ICLR 2023): methods ranked by graph measures", "chapter 6"),
}

#: the groups whose runs all derive from stored ones (controls at a ticket's
#: rounds, one-shot masks at its densities): none is known in advance
DERIVED = ("Conv4 controls, seeds 0-4", "LeNet one-shot masks, seeds 0-4")
BOUND_GROUP = "Conv4 IMP-Bound and IMP*, seeds 1-2"


def group_params(group: str) -> list:
    """The parameter records of a group's runs that are known in advance:
    none for a :data:`DERIVED` group; the -Bound runs only for
    :data:`BOUND_GROUP` (each ``*`` run prunes to the density its -Bound run
    reaches)."""
    if group in DERIVED:
        return []
    if group == "Conv4 regime runs, seeds 0-9":
        return plans.lth_params("conv4", "subset", range(10))
    if group == "Conv6 layer-wise, seeds 0-1":
        return plans.appendix_subset_params("Conv6, layer-wise", range(2))
    if group == "VGG19 global, seeds 0-1":
        return plans.appendix_subset_params("VGG19, global", range(2))
    if group == "Conv4 at the 20 % output rate":
        return [plans.output_rate_params("conv4", "subset", s)[1] for s in PAPER_SCORES]
    if group == BOUND_GROUP:
        bases = [plans.comparison_base("conv4", "subset", s) for s in plans.BOUND_SEEDS[1:]]
        return [plans.table3_params("magnitude", base, "bound") for base in bases]
    raise ValueError(f"unknown group {group!r}; choose from {list(GROUPS)}")


def stored(group: str, stored_root) -> tuple[list, list, int]:
    """A group's runs known in advance (:func:`group_params`), its stored
    runs, and how many runs it plans."""
    if group == "Conv4 controls, seeds 0-4":
        tickets = stored_runs.stored_some(plans.lth_params("conv4", "subset", range(5)), stored_root) or []
        return [], stored_runs.stored_some(plans.control_plan(tickets), stored_root) or [], 60
    if group == "LeNet one-shot masks, seeds 0-4":
        tickets = stored_runs.stored_some(plans.lth_params("lenet_300_100", "paper", range(5)), stored_root) or []
        return [], stored_runs.stored_some(plans.oneshot_plan(tickets), stored_root) or [], 150
    known = group_params(group)
    found = stored_runs.stored_some(known, stored_root) or []
    if group != BOUND_GROUP:
        return known, found, len(known)
    stars = []
    for bound in found:  # each IMP-Bound's * run: IMP pruned to exactly the density it reached
        base = plans.comparison_base("conv4", "subset", bound.params.seed)
        star = ("star", bound.records[-1]["density"])
        stars += stored_runs.stored_some([plans.table3_params("magnitude", base, star)], stored_root) or []
    return known, found + stars, 2 * len(known)


def parked(params_list, stored_root) -> str:
    """How far each unfinished run of ``params_list`` parked beside the stored
    runs (``book/parked``, committed so that a fresh machine resumes it) has
    come: "seed 0: 21 of 39 trainings"; "–" when none is parked."""
    root = Path(stored_root).parent / paths.PARKED
    runs = [stored_runs.find_stored(p, root, complete_only=False) for p in params_list]
    return "; ".join(stored_runs.progress(r) for r in runs if r is not None and not r.complete) or "–"


def run_groups(stored_root) -> pd.DataFrame:
    """One row per group: what it reproduces, where it is shown, runs stored
    of planned, how far its parked runs have come, and the runs as the book
    names them (data, iterations, precision: what differs from the paper)."""
    rows = []
    for group, (reproduces, shown) in GROUPS.items():
        try:
            known, found, planned = stored(group, stored_root)
        except FileNotFoundError:  # the subset profile counts the CIFAR-10 images present: none here
            known, found, planned = [], [], None
        rows.append(
            {
                "group": group,
                "reproduces": reproduces,
                "shown in": shown,
                "stored": f"{len(found)} of {planned}" if planned else "no CIFAR-10 data to plan it",
                "parked, unfinished": parked(known, stored_root),
                "runs": stored_runs.describe(found) if found else "none stored yet",
            }
        )
    return pd.DataFrame(rows)
