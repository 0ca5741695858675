"""The runs each chapter needs, as tasks with their dependencies.

A :class:`Task` is one run: its parameters when they are known in advance,
or a rule that derives them from the runs it comes after (a ``*`` run is
pruned to the density its ``-Bound`` run reached; a control keeps its
ticket's weight count at the round nearest a density). ``after`` also
orders runs that share rounds: the shorter plain runs fork from α = 2, a
``-Bound`` run replays the plain run of its score (see
:mod:`ramanujan_lth.runs`), so they wait for it instead of training those
rounds again. :func:`chapter_tasks` is the one list of what each chapter
runs per profile; ``reproduce`` plans, estimates and executes from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from . import plans, stored_runs
from .catalog import MODEL_DATASET, PAPER_SCORES, check_profile
from .controls import control_params, rounds_nearest
from .labels import SCORE_LABELS
from .params import RunParams

__all__ = ["Task", "chapter_tasks", "criterion_tasks", "table3", "derive_params", "unique"]


@dataclass(frozen=True)
class Task:
    """One run a chapter needs.

    ``params``: known now, or None when ``derive`` computes them from the
    first task in ``after`` once it has finished: ``("star", score, base)``
    or ``("control", density, kind)``. ``after``: keys of tasks to finish
    first. ``estimate``: trainings of a derived run (an upper bound).
    ``stored``: shown from the book's stored runs (nothing to compute).
    """

    label: str
    params: RunParams | None = None
    after: tuple = ()
    derive: tuple | None = None
    estimate: int = 0
    stored: bool = False

    @property
    def key(self) -> str:
        if self.params is not None:
            return self.params.key()
        return json.dumps({"derive": self.derive, "after": self.after}, sort_keys=True, default=str)


def derive_params(task: Task, first) -> RunParams:
    """A derived task's parameters from its first dependency's result
    (:class:`ramanujan_lth.params.RunResult`, finished)."""
    kind = task.derive[0]
    if kind == "star":
        _, score, base = task.derive
        return plans.table3_params(score, dict(base), ("star", first.records[-1]["density"]))
    if kind == "control":
        _, density, control = task.derive
        return control_params(first, rounds_nearest(first, [density])[0], control)
    if kind == "oneshot":
        _, density, method = task.derive
        return plans.oneshot_params(first, rounds_nearest(first, [density])[0], method)
    raise ValueError(f"unknown derivation {kind!r}")


def _key(p: RunParams) -> str:
    return Task("", p).key


def _shown_stored(label: str, params: list, what: str = "full run") -> list[Task]:
    """Tasks of runs a quick chapter shows from the book's stored runs."""
    return [Task(f"{label} seed {p.seed} (stored {what})", p, stored=True) for p in params]


def _lth(chapter: str, profile: str, stored_root) -> list[Task]:
    out = []
    for model in plans.CHAPTER_SEEDS[chapter]:
        full = plans.lth_params(model, "paper", range(plans.chapter_seeds(chapter, model, "paper")))
        if profile == "quick" and stored_runs.stored_all(full, stored_root):  # the chapter shows them
            out += _shown_stored(model, full)
            continue
        if profile == "quick" and MODEL_DATASET[model] == "cifar10":
            try:  # or the stored subset-profile runs
                subset = plans.lth_params(model, "subset", range(len(full)))
            except FileNotFoundError:  # no CIFAR-10 images to count
                subset = []
            found = stored_runs.stored_some(subset, stored_root)
            if found:  # the seeds stored so far (experiments.load_runs)
                out += _shown_stored(model, [r.params for r in found], "subset-profile run")
                continue
        chosen = plans.lth_params(model, profile, range(plans.chapter_seeds(chapter, model, profile)))
        out += [Task(f"{model} IMP seed {p.seed}", p) for p in chosen]
    return out


def table3(
    model: str,
    profile: str,
    scores=PAPER_SCORES,
    output_rates: bool = True,
    stored_root=None,
) -> list[Task]:
    """Table 3's runs of ``model``: per score the plain pruner at each α, its
    -Bound variant and ``*``; with ``output_rates``, α = 2 with the output
    layer at the other layers' rate (chapter 4's test). In the quick profile,
    a score's runs (and its output-rate pair) that are all stored under
    ``stored_root`` are shown from there."""
    if profile == "quick" and stored_root is not None:
        out, left = [], []
        for score in scores:
            label = f"{model} {SCORE_LABELS[score]}"
            full = plans.stored_comparison(model, score, stored_root)
            if full:
                out += _shown_stored(label, [r.params for r in full.values()])
            else:
                left.append(score)
            if not output_rates:
                continue
            pair = plans.output_rate_params(model, "paper", score)
            if stored_runs.stored_all(pair, stored_root):
                out += _shown_stored(f"{label}, output layer at each rate", pair)
            else:  # both rates in the quick profile (one of them may be a Table 3 run too)
                out += [
                    Task(f"{label} α=2, output layer at p_out={p.p_out:g}", p)
                    for p in plans.output_rate_params(model, "quick", score)
                ]
        return (table3(model, profile, tuple(left), output_rates=False) if left else []) + out
    base = plans.comparison_base(model, profile)
    cap = plans.BOUND_CAP["quick" if profile == "quick" else "full"]
    prefix = "" if model == "lenet_300_100" else f"{model} "
    out, first = [], ()
    if profile != "quick" and "magnitude" in scores:
        # IMP at α = 2 is the regime run of the same seed without its noisy test sets: a copy of it
        regime = plans.lth_params(model, profile, [base["seed"]])[0]
        out.append(Task(f"{model} IMP seed {regime.seed}", regime))
        first = (_key(regime),)
    for score in scores:
        name = prefix + SCORE_LABELS[score]
        longest = plans.table3_params(score, base, max(plans.ALPHAS))
        k2 = _key(longest)
        for a in plans.ALPHAS:
            q = plans.table3_params(score, base, a)
            out.append(
                Task(f"{name} α={a}", q, after=(first if score == "magnitude" else ()) if q == longest else (k2,))
            )
        bound = plans.table3_params(score, base, "bound", cap)
        out.append(Task(f"{name}-Bound", bound, after=(k2,)))
        out.append(
            Task(
                f"{name}* (pruned to the -Bound density)",
                derive=("star", score, tuple(sorted(base.items()))),
                after=(_key(bound), k2),
                estimate=2,
            )
        )
        if output_rates:
            for p in plans.output_rate_params(model, profile, score)[1:]:  # the first is α=2 above
                out.append(Task(f"{name} α=2, output layer at p_out={p.p_out:g}", p))
    return out


def _verdict(profile: str, stored_root) -> list[Task]:
    out = []
    for model in plans.CHAPTER_SEEDS["06_verdict"]:
        if profile == "quick" and MODEL_DATASET[model] == "cifar10":
            continue  # a quick Conv4 would be a pipeline check at chance: the chapter shows stored runs only
        out += _model_controls(model, profile, stored_root)
    return out


def _model_controls(model: str, profile: str, stored_root) -> list[Task]:
    """Chapter 6's tickets of ``model`` and their random and biregular controls."""
    if profile == "quick":
        tickets = plans.lth_params(model, "paper", range(plans.chapter_seeds("06_verdict", model, "paper")))
        found = stored_runs.stored_all(tickets, stored_root)
        if found and stored_runs.stored_all(plans.control_plan(found), stored_root):
            return _shown_stored(f"{model} (a ticket and its controls)", tickets)
        densities = plans.CONTROL_DENSITIES[:4]
    else:
        densities = plans.CONTROL_DENSITIES
    tickets = plans.lth_params(model, profile, range(plans.chapter_seeds("06_verdict", model, profile)))
    out = []
    for p in tickets:
        out.append(Task(f"{model} IMP seed {p.seed} (ticket)", p))
        out += _matched(model, p, densities, "control", {k: f"{k} control" for k in plans.CONTROLS})
        if profile != "quick" and model in plans.ONESHOT_MODELS:  # the later literature's masks, matched
            names = {m: f"{SCORE_LABELS[m]} one-shot" for m in plans.ONESHOT_METHODS}
            out += _matched(model, p, densities, "oneshot", names)
    return out


def _matched(model: str, ticket: RunParams, densities, derive: str, names: dict) -> list[Task]:
    """One derived task per density and kind (``names``: kind -> label) of runs matched to ``ticket``'s rounds."""
    return [
        Task(
            f"{model} seed {ticket.seed}: {name} near {100 * d:.3g} %",
            derive=(derive, d, kind),
            after=(_key(ticket),),
            estimate=1,
        )
        for d in densities
        for kind, name in names.items()
    ]


def _appendix(profile: str, stored_root) -> list[Task]:
    out = []
    seeds = range(plans.chapter_seeds("07_appendix", "every study", profile))
    for group in plans.APPENDIX_GROUPS:  # a group is shown from one profile
        full_seeds = range(plans.chapter_seeds("07_appendix", "every study", "paper"))
        full = {label: plans.appendix_params(label, "paper", full_seeds) for label in group}
        if profile == "quick" and stored_runs.stored_all([p for ps in full.values() for p in ps], stored_root):
            for label, params in full.items():
                out += _shown_stored(label, params)
            continue
        if profile == "quick" and len(group) == 1:  # or its subset-profile seeds stored so far
            found = stored_runs.stored_some(plans.appendix_subset_params(group[0], full_seeds), stored_root)
            if found:  # (experiments.load_appendix)
                out += _shown_stored(group[0], [r.params for r in found], "subset-profile run")
                continue
        for label in group:
            out += [Task(f"{label} seed {p.seed}", p) for p in plans.appendix_params(label, profile, seeds)]
    out += criterion_tasks(profile, stored_root)
    return out


def criterion_tasks(profile: str, stored_root=None) -> list[Task]:
    """Algorithm 1 under each single criterion, after the plain run they replay
    (in the quick profile, the stored full runs when all five are stored)."""
    if profile == "quick" and stored_root is not None:
        plain, full = plans.criterion_params("paper")
        if stored_runs.stored_all([plain, *full.values()], stored_root):
            return _shown_stored("IMP-Bound under one criterion", [plain, *full.values()])
    plain, runs = plans.criterion_params(profile)
    label = SCORE_LABELS[plans.CRITERION_SCORE]
    return [Task(f"LeNet-300-100 IMP seed {plain.seed} (replayed by the criterion runs)", plain)] + [
        Task(f"{label}-Bound under {c} only, seed {p.seed}", p, after=(_key(plain),)) for c, p in runs.items()
    ]


def chapter_tasks(chapter: str, profile: str, stored_root) -> list[Task]:
    """The runs ``chapter`` needs under ``profile`` with its default parameters."""
    check_profile(profile)
    if chapter in ("03_regimes", "05_significance"):
        return _lth(chapter, profile, stored_root)
    if chapter == "04_bound_pruner":
        return table3("lenet_300_100", profile, stored_root=stored_root)
    if chapter == "06_verdict":
        return _verdict(profile, stored_root)
    if chapter == "07_appendix":
        return _appendix(profile, stored_root)
    if chapter == "08_report" and profile != "quick":  # the report reads Table 3 of both models
        return table3("conv4", profile, output_rates=False)
    return []


def unique(tasks) -> list[Task]:
    """``tasks`` without repeats (two chapters can need the same run), first wins."""
    seen, out = set(), []
    for t in tasks:
        if t.key not in seen:
            seen.add(t.key)
            out.append(t)
    return out
