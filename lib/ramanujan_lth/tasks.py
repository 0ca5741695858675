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

from . import experiments as E
from . import results
from .controls import control_params, rounds_nearest
from .runs import RunParams, identity

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
            return json.dumps(identity(self.params.resolved()), sort_keys=True)
        return json.dumps({"derive": self.derive, "after": self.after}, sort_keys=True, default=str)


def derive_params(task: Task, first) -> RunParams:
    """A derived task's parameters from its first dependency's result
    (:class:`ramanujan_lth.runs.RunResult`, finished)."""
    kind = task.derive[0]
    if kind == "star":
        _, score, base = task.derive
        return E.table3_params(score, dict(base), ("star", first.records[-1]["density"]))
    if kind == "control":
        _, density, control = task.derive
        return control_params(first, rounds_nearest(first, [density])[0], control)
    raise ValueError(f"unknown derivation {kind!r}")


def _key(p: RunParams) -> str:
    return Task("", p).key


def _lth(chapter: str, profile: str, stored_root) -> list[Task]:
    out = []
    for model, paper_seeds, quick_seeds in LTH_CHAPTERS[chapter]:
        full = E.lth_params(model, "paper" if profile == "quick" else profile, range(paper_seeds))
        stored = [p for p in full if results.find_stored(p, stored_root)]
        if profile == "quick" and stored:  # the chapter shows the stored full runs
            out += [Task(f"{model} seed {p.seed} (stored full run)", p, stored=True) for p in stored]
            continue
        chosen = full if profile != "quick" else E.lth_params(model, "quick", range(quick_seeds))
        out += [Task(f"{model} IMP seed {p.seed}", p) for p in chosen]
    return out


def table3(model: str, profile: str, scores=("magnitude", "snip", "synflow"), output_rates: bool = True) -> list[Task]:
    """Table 3's runs of ``model``: per score the plain pruner at each α, its
    -Bound variant and ``*``; with ``output_rates``, α = 2 with the output
    layer at the other layers' rate (chapter 4's test)."""
    base = E.comparison_base(model, profile)
    cap = E.BOUND_CAP["quick" if profile == "quick" else "full"]
    prefix = "" if model == "lenet_300_100" else f"{model} "
    out, first = [], ()
    if profile != "quick" and "magnitude" in scores:
        # IMP at α = 2 is the regime run of the same seed without its noisy test sets: a copy of it
        regime = E.lth_params(model, profile, [base["seed"]])[0]
        out.append(Task(f"{model} IMP seed {regime.seed}", regime))
        first = (_key(regime),)
    for score in scores:
        name = prefix + E.SCORE_LABELS[score]
        longest = E.table3_params(score, base, max(E.ALPHAS))
        k2 = _key(longest)
        for a in E.ALPHAS:
            q = E.table3_params(score, base, a)
            out.append(
                Task(f"{name} α={a}", q, after=(first if score == "magnitude" else ()) if q == longest else (k2,))
            )
        bound = E.table3_params(score, base, "bound", cap)
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
            for p in E.output_rate_params(model, profile, score)[1:]:  # the first is α=2 above
                out.append(Task(f"{name} α=2, output layer at p_out={p.p_out:g}", p))
    return out


def _verdict(profile: str, stored_root) -> list[Task]:
    model, n = VERDICT_TICKETS
    if profile == "quick":
        tickets = E.lth_params(model, "paper", range(n))
        found = [results.find_stored(p, stored_root) for p in tickets]
        if all(found) and all(results.find_stored(c, stored_root) for c in E.control_plan(found)):
            return [Task(f"{model} seed {p.seed} and its controls (stored full runs)", p, stored=True) for p in tickets]
        tickets, densities = E.lth_params(model, "quick", range(3)), E.CONTROL_DENSITIES[:4]
    else:
        tickets, densities = E.lth_params(model, profile, range(n)), E.CONTROL_DENSITIES
    out = []
    for p in tickets:
        out.append(Task(f"{model} IMP seed {p.seed} (ticket)", p))
        out += [
            Task(
                f"{model} seed {p.seed}: {kind} control near {100 * d:.3g} %",
                derive=("control", d, kind),
                after=(_key(p),),
                estimate=1,
            )
            for d in densities
            for kind in E.CONTROLS
        ]
    return out


def _appendix(profile: str, stored_root) -> list[Task]:
    out = []
    seeds = range(2 if profile != "quick" else 1)
    pair = [label for label in E.APPENDIX if label.startswith("LeNet")]  # shown from one profile

    def stored(labels):
        return all(results.find_stored(p, stored_root) for lb in labels for p in E.appendix_params(lb, "paper", seeds))

    for label in E.APPENDIX:
        if profile == "quick" and stored(pair if label in pair else [label]):
            out += [
                Task(f"{label} seed {p.seed} (stored full run)", p, stored=True)
                for p in E.appendix_params(label, "paper", seeds)
            ]
            continue
        out += [Task(f"{label} seed {p.seed}", p) for p in E.appendix_params(label, profile, seeds)]
    out += criterion_tasks(profile)
    return out


def criterion_tasks(profile: str) -> list[Task]:
    """Algorithm 1 under each single criterion, after the plain run they replay."""
    plain, runs = E.criterion_params(profile)
    label = E.SCORE_LABELS[E.CRITERION_SCORE]
    return [Task(f"LeNet-300-100 IMP seed {plain.seed} (replayed by the criterion runs)", plain)] + [
        Task(f"{label}-Bound under {c} only, seed {p.seed}", p, after=(_key(plain),)) for c, p in runs.items()
    ]


def chapter_tasks(chapter: str, profile: str, stored_root) -> list[Task]:
    """The runs ``chapter`` needs under ``profile`` with its default parameters."""
    if profile not in E.PROFILES:
        raise ValueError(f"profile must be one of {E.PROFILES}, got {profile!r}")
    if chapter in LTH_CHAPTERS:
        return _lth(chapter, profile, stored_root)
    if chapter == "04_bound_pruner":
        return table3("lenet_300_100", profile)
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


#: the regime runs of chapters 3 and 5: (model, paper seeds, quick seeds)
LTH_CHAPTERS = {
    "03_regimes": (("lenet_300_100", 10, 2), ("conv4", 5, 1)),
    "05_significance": (("lenet_300_100", 10, 3),),
}
#: the regime runs whose controls chapter 6 compares: (model, paper seeds)
VERDICT_TICKETS = ("lenet_300_100", 5)
