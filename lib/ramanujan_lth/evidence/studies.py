"""The book's studies, each declared once: the runs it needs per profile, and
how a chapter receives them.

A study is a function that returns a :class:`Plan`: its runs as
:class:`Task` s (parameters known in advance, or derived from the runs they
come after: a ``*`` run is pruned to the density its ``-Bound`` run reached,
a control keeps its ticket's weight count at the round nearest a density) and
how their results reach a chapter. One rule is applied here, once:

* in the ``quick`` profile a chapter shows a study's stored full runs when
  every one of them is stored (:func:`ramanujan_lth.storage.stored_runs.stored_all`);
  a CIFAR-10 study, stored seed by seed in the ``subset`` profile, is shown
  with the seeds stored so far; otherwise the quick runs are computed;
* the ``paper`` and ``subset`` profiles take each run from the book's stored
  runs when it is there and compute the rest.

Chapters call ``studies.<study>(...).load(runs_dir)``; ``reproduce`` plans,
estimates and executes :func:`tasks` (the same plans, with each chapter's
defaults), so what a chapter shows and what the batch trains cannot differ.
``after`` also orders runs that share rounds: the shorter plain runs fork
from α = 2 and a ``-Bound`` run replays the plain run of its score
(:mod:`ramanujan_lth.storage.runs`), so they wait for it.

The studies: :func:`regimes` (chapters 3 and 5), :func:`table3` and
:func:`output_rates` (chapter 4, and Conv4's Table 3 for the report),
:func:`controls` and :func:`oneshot` (chapter 6), :func:`appendix` and
:func:`criteria` (chapter 7).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ramanujan_lth.catalog import MODEL_DATASET, NOISE_SIGMAS, PAPER_SCORES, check_profile
from ramanujan_lth.evidence import plans
from ramanujan_lth.labels import SCORE_LABELS
from ramanujan_lth.networks.controls import control_params, rounds_nearest
from ramanujan_lth.storage import paths, stored_runs
from ramanujan_lth.storage.params import RunParams, RunResult

__all__ = [
    "Task",
    "Plan",
    "Unfinished",
    "regimes",
    "table3",
    "output_rates",
    "controls",
    "oneshot",
    "appendix",
    "criteria",
    "chapter_plans",
    "tasks",
    "derive_params",
    "unique",
    "execute",
]


@dataclass(frozen=True)
class Task:
    """One run a study needs.

    ``params``: known now, or None when ``derive`` computes them from the
    first task in ``after`` once it has finished: ``("star", score, base)``,
    ``("control", density, kind)`` or ``("oneshot", density, method)``.
    ``after``: keys of tasks to finish first. ``estimate``: trainings of a
    derived run (an upper bound). ``stored``: shown from the book's stored
    runs (nothing to compute).
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
    (:class:`ramanujan_lth.storage.params.RunResult`, finished)."""
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


def unique(tasks) -> list[Task]:
    """``tasks`` without repeats (two studies can need the same run), first wins."""
    seen, out = set(), []
    for t in tasks:
        if t.key not in seen:
            seen.add(t.key)
            out.append(t)
    return out


def _key(p: RunParams) -> str:
    return Task("", p).key


def _shown(label: str, params: list, what: str = "full run") -> list[Task]:
    """Tasks of runs a quick chapter shows from the book's stored runs."""
    return [Task(f"{label} seed {p.seed} (stored {what})", p, stored=True) for p in params]


@dataclass
class Plan:
    """A study's runs and how a chapter receives them.

    ``shape``: the results in task order -> what the chapter gets.
    ``source``: where they come from, given ``"stored"``, ``"computed"`` or
    ``"mixed"`` (a string when it is known in advance). ``stored_root``: where
    stored runs are looked up when the plan runs (None: compute everything).
    """

    tasks: list[Task]
    shape: Callable[[list], object] = list
    source: str | Callable[[str], str] = "computed"
    stored_root: object = None

    def load(self, runs_dir, **run_kw):
        """``(what the chapter gets, where it comes from)``: stored runs where
        the plan takes them, the rest run (or resumed, or loaded) under
        ``runs_dir``. ``run_kw``: ``device``, ``download``, ``data_root``,
        ``progress``, ``batched`` (:func:`ramanujan_lth.storage.runs.run_all`)."""
        results, src = execute(self.tasks, self.stored_root, runs_dir, **run_kw)
        return self.shape(results), self.source(src) if callable(self.source) else self.source


@dataclass
class Unfinished(Plan):
    """Runs still training elsewhere, shown as far as they have come from
    their copies parked beside the stored runs (``stored_root`` is
    ``book/parked``); nothing is computed (their tasks are marked stored)."""

    def load(self, runs_dir, **run_kw):
        found = [stored_runs.find_stored(t.params, self.stored_root, complete_only=False) for t in self.tasks]
        return self.shape(found), self.source


def _parked(label: str, params: list, stored_root) -> Unfinished | None:
    """The unfinished runs among ``params`` parked beside ``stored_root``, with at least two rounds."""
    root = Path(stored_root).parent / paths.PARKED
    found = [stored_runs.find_stored(p, root, complete_only=False) for p in params]
    found = [r for r in found if r is not None and not r.complete and len(r.records) >= 2]
    if not found:
        return None
    source = f"unfinished subset-profile runs, parked ({stored_runs.seed_count(found)})"  # how far: describe()
    return Unfinished(_shown(label, [r.params for r in found], "unfinished run, parked"), list, source, root)


def execute(tasks, stored_root, runs_dir, progress=None, batched=None, **run_kw) -> tuple[list[RunResult], str]:
    """Results of ``tasks`` in their order, each once their ``after`` tasks
    are done: stored under ``stored_root`` (when not None) or run under
    ``runs_dir`` (the runs that are ready together are trained together,
    seeds batched on a GPU); and ``"stored"``, ``"computed"`` or ``"mixed"``."""
    from ramanujan_lth.storage.runs import run_all  # training needs torch; planning does not

    tasks, done, origins = list(tasks), {}, set()
    pending = unique(tasks)
    while pending:
        ready = [t for t in pending if all(k in done for k in t.after)]
        if not ready:
            missing = sorted({k for t in pending for k in t.after if k not in done})
            raise ValueError(f"tasks wait for runs no task computes: {missing[:2]}")
        todo = {}
        for t in ready:
            p = t.params if t.params is not None else derive_params(t, done[t.after[0]])
            found = stored_runs.find_stored(p, stored_root) if stored_root is not None else None
            if found is not None:
                done[t.key] = found
                origins.add("stored")
            elif t.stored:
                raise FileNotFoundError(f"{t.label}: not under {stored_root}")
            else:
                todo[t.key] = p
        if todo:  # two derived tasks can name one run (two densities nearest one round): run it once
            runs = {p.key(): p for p in todo.values()}
            got = dict(zip(runs, run_all(list(runs.values()), runs_dir, progress, batched, **run_kw)))
            done.update({key: got[p.key()] for key, p in todo.items()})
            origins.add("computed")
        pending = [t for t in pending if t.key not in done]
    return [done[t.key] for t in tasks], (origins.pop() if len(origins) == 1 else "mixed" if origins else "computed")


def _with_source(profile: str) -> Callable[[str], str]:
    return lambda src: f"{profile} profile ({src})"


# ------------------------------------------------------------------ the regime study (chapters 3 and 5)
def regimes(
    model: str,
    profile: str,
    stored_root=None,
    chapter: str = "03_regimes",
    seeds: int | None = None,
    quick_seeds: int | None = None,
    noise_sigmas=NOISE_SIGMAS,
    rewind_iteration: int = 0,
) -> Plan:
    """IMP down to 1 % density with the noisy test sets: ``seeds`` runs
    (default: ``chapter``'s, :data:`ramanujan_lth.evidence.plans.CHAPTER_SEEDS`), and
    ``quick_seeds`` in the quick profile. The results are the runs, in seed
    order. ``stored_root`` None: compute everything."""
    check_profile(profile)
    n = seeds or plans.chapter_seeds(chapter, model, "paper")
    kw = dict(noise_sigmas=tuple(noise_sigmas), rewind_iteration=rewind_iteration)
    if profile != "quick":
        chosen = plans.lth_params(model, profile, range(n), **kw)
        return Plan([Task(f"{model} IMP seed {p.seed}", p) for p in chosen], list, _with_source(profile), stored_root)
    if stored_root is not None:
        full = stored_runs.stored_all(plans.lth_params(model, "paper", range(n), **kw), stored_root)
        if full:
            label = f"stored full runs ({stored_runs.seed_count(full)})"
            return Plan(_shown(model, [r.params for r in full]), list, label, stored_root)
        subset = _subset_params(model, n, **kw)
        found = stored_runs.stored_some(subset, stored_root)
        if found:
            of = "" if len(found) == len(subset) else f" of {len(subset)}"
            label = f"stored subset-profile runs ({stored_runs.seed_count(found)}{of})"
            return Plan(_shown(model, [r.params for r in found], "subset-profile run"), list, label, stored_root)
    quick = plans.lth_params(model, "quick", range(quick_seeds or plans.chapter_seeds(chapter, model, "quick")), **kw)
    return Plan([Task(f"{model} IMP seed {p.seed}", p) for p in quick], list, "quick profile")


def _subset_params(model: str, n_seeds: int, **kw) -> list:
    """The subset profile's regime runs of a CIFAR-10 network; none for MNIST
    networks or when no CIFAR-10 data is present to count."""
    if MODEL_DATASET[model] != "cifar10":
        return []
    try:
        return plans.lth_params(model, "subset", range(n_seeds), **kw)
    except FileNotFoundError:
        return []


# ------------------------------------------------------------------ Table 3 and the output layer (chapter 4)
def table3(
    model: str, score: str, profile: str, stored_root=None, max_bound_rounds: int | None = None, seed: int = 0
) -> Plan:
    """Table 3's runs for one score: the plain pruner at each α, its -Bound
    variant until no layer changes (at most ``max_bound_rounds``: 60 in the
    full profiles) and ``*``, the plain pruner at exactly the density the
    -Bound run reached. The results: variant (α, ``"bound"``, ``"star"``) ->
    run. In the full profiles IMP at α = 2 is a copy of the regime run of the
    same seed, so that run comes first."""
    check_profile(profile)
    variants = (*plans.ALPHAS, "bound", "star")
    if profile == "quick" and stored_root is not None and max_bound_rounds in (None, 60):
        full = plans.stored_comparison(model, score, stored_root, seed)
        if full:
            label = f"{model} {SCORE_LABELS[score]}"
            return Plan(
                _shown(label, [r.params for r in full.values()]), _by(variants), "stored full runs", stored_root
            )
    base = plans.comparison_base(model, profile, seed)
    cap = max_bound_rounds or plans.BOUND_CAP["quick" if profile == "quick" else "full"]
    name = ("" if model == "lenet_300_100" else f"{model} ") + SCORE_LABELS[score]
    of = f", seed {seed}" if seed else ""  # seed 0 is the paper's one run a cell
    out, first, keys = [], (), []
    if profile != "quick" and score == "magnitude":
        regime = plans.lth_params(model, profile, [seed])[0]
        out.append(Task(f"{model} IMP seed {regime.seed}", regime))
        first, keys = (_key(regime),), [None]
    longest = plans.table3_params(score, base, max(plans.ALPHAS))
    k2 = _key(longest)
    for a in plans.ALPHAS:
        q = plans.table3_params(score, base, a)
        out.append(Task(f"{name} α={a}{of}", q, after=first if q == longest else (k2,)))
    bound = plans.table3_params(score, base, "bound", cap)
    out.append(Task(f"{name}-Bound{of}", bound, after=(k2,)))
    star = ("star", score, tuple(sorted(base.items())))
    out.append(Task(f"{name}*{of} (pruned to the -Bound density)", derive=star, after=(_key(bound), k2), estimate=2))
    return Plan(out, _by([*keys, *variants]), f"{profile} profile", stored_root)


def _by(names) -> Callable[[list], dict]:
    """Results -> name -> result, skipping the positions named None."""
    return lambda results: {n: r for n, r in zip(names, results) if n is not None}


def output_rates(model: str, score: str, profile: str, stored_root=None) -> Plan:
    """The plain ``score`` at α = 2 with the output layer pruned at each of
    :data:`ramanujan_lth.evidence.plans.OUTPUT_RATES` (the first is Table 3's run).
    The results: rate -> run."""
    check_profile(profile)
    shape, label = _by(plans.OUTPUT_RATES), f"{model} {SCORE_LABELS[score]}"
    full = plans.output_rate_params(model, "paper", score)
    if profile == "quick" and stored_root is not None and stored_runs.stored_all(full, stored_root):
        return Plan(_shown(f"{label}, output layer at each rate", full), shape, "stored full runs", stored_root)
    chosen = plans.output_rate_params(model, profile, score)
    out = [Task(f"{label} α=2, output layer at p_out={p.p_out:g}", p) for p in chosen]
    return Plan(out, shape, _with_source(profile), stored_root if profile != "quick" else None)


# ------------------------------------------------------------------ controls and one-shot masks (chapter 6)
def controls(
    model: str, profile: str, stored_root=None, seeds: int | None = None, densities=plans.CONTROL_DENSITIES
) -> Plan:
    """Tickets (regime runs) and their random and biregular controls at the
    rounds nearest ``densities``. The results: ``(tickets, controls)``. The
    quick profile shows the stored full runs when every ticket and control is
    stored, else computes quick tickets and controls near the first four
    densities."""
    check_profile(profile)
    if profile == "quick":
        full = seeds or plans.chapter_seeds("06_verdict", model, "paper")
        # the stored tickets: the paper profile's, or a CIFAR-10 network's subset-profile ones
        found = plans.stored_lth(model, stored_root, full)[0] if stored_root is not None else []
        ctrl = stored_runs.stored_all(plans.control_plan(found, densities), stored_root) if len(found) == full else None
        if ctrl:
            label = f"stored full runs ({len(found)} seeds, {len(ctrl)} controls)"
            tickets = [r.params for r in found]
            shown = _shown(f"{model} (a ticket)", tickets) + _shown(f"{model} (a control)", [r.params for r in ctrl])
            return Plan(shown, _split(len(tickets)), label, stored_root)
        n, densities, stored_root = seeds or plans.chapter_seeds("06_verdict", model, "quick"), densities[:4], None
    else:
        n = seeds or plans.chapter_seeds("06_verdict", model, profile)
    out = []
    names = {k: f"{k} control" for k in plans.CONTROLS}
    tickets = plans.lth_params(model, profile, range(n))
    for p in tickets:
        out += [Task(f"{model} IMP seed {p.seed} (ticket)", p), *_matched(model, p, densities, "control", names)]
    source = "quick profile" if profile == "quick" else _with_source(profile)
    return Plan(out, _tickets_and(len(densities) * len(names) + 1), source, stored_root)


def oneshot(model: str, profile: str, stored_root=None, seeds: int | None = None, densities=plans.CONTROL_DENSITIES):
    """The later literature's masks pruned at initialisation (SNIP, SynFlow,
    GraSP, ERK, uniform random) at the tickets' densities near ``densities``,
    each trained once. The results: ``(tickets, one-shot runs)``. The quick
    profile shows the stored ones found (they take hours to train)."""
    check_profile(profile)
    names = {m: f"{SCORE_LABELS[m]} one-shot" for m in plans.ONESHOT_METHODS}
    if profile == "quick":
        n = seeds or plans.chapter_seeds("06_verdict", model, "paper")
        found = (
            stored_runs.stored_some(plans.lth_params(model, "paper", range(n)), stored_root) if stored_root else None
        )
        runs = stored_runs.stored_some(plans.oneshot_plan(found, densities), stored_root) if found else None
        if not runs:
            return Plan([], _split(0), "not stored")
        shown = _shown(model, [t.params for t in found]) + _shown(model, [r.params for r in runs], "one-shot run")
        return Plan(shown, _split(len(found)), "stored full runs", stored_root)
    out = []
    for p in plans.lth_params(model, profile, range(seeds or plans.chapter_seeds("06_verdict", model, profile))):
        out += [Task(f"{model} IMP seed {p.seed} (ticket)", p), *_matched(model, p, densities, "oneshot", names)]
    return Plan(out, _tickets_and(len(densities) * len(names) + 1), _with_source(profile), stored_root)


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


def _split(n: int) -> Callable[[list], tuple]:
    return lambda results: (results[:n], results[n:])


def _tickets_and(every: int) -> Callable[[list], tuple]:
    """Results laid out as ticket, its matched runs, next ticket, ... -> (tickets,
    matched runs once each: two densities can share a round)."""

    def shape(results):
        tickets = results[::every]
        matched = [r for i, r in enumerate(results) if i % every]
        return tickets, list({r.folder: r for r in matched}.values())

    return shape


# ------------------------------------------------------------------ the appendix (chapter 7)
def appendix(
    labels, profile: str, stored_root=None, seeds: int | None = None, noise_sigmas=NOISE_SIGMAS
) -> dict[str, Plan]:
    """The appendix studies ``labels`` (of :data:`ramanujan_lth.evidence.plans.APPENDIX`):
    label -> its plan, ``seeds`` runs each (default: chapter 7's). The studies
    of one of :data:`ramanujan_lth.evidence.plans.APPENDIX_GROUPS` are compared in one
    chart, so they come from one profile: the stored full runs of all of the
    group, or quick runs for all of it."""
    check_profile(profile)
    unknown = [label for label in labels if label not in plans.APPENDIX]
    if unknown:
        raise ValueError(f"unknown appendix studies {unknown}; choose from {list(plans.APPENDIX)}")
    full_n = seeds or plans.chapter_seeds("07_appendix", "every study", "paper")
    out = {}
    for group in plans.APPENDIX_GROUPS:
        chosen = [label for label in group if label in labels]
        if chosen:
            out.update(_appendix_group(chosen, profile, stored_root, seeds, full_n, noise_sigmas))
    return {label: out[label] for label in labels}


def _appendix_group(chosen, profile, stored_root, seeds, full_n, noise_sigmas) -> dict[str, Plan]:
    own = "subset" if profile == "subset" else "paper"  # the stored runs the profile trains or shows
    full = {label: plans.appendix_params(label, own, range(full_n), noise_sigmas) for label in chosen}
    if profile != "quick":
        src = _with_source(profile)
        return {
            label: Plan([Task(f"{label} seed {p.seed}", p) for p in ps], list, src, stored_root)
            for label, ps in full.items()
        }
    if stored_root is not None:
        found = stored_runs.stored_all([p for ps in full.values() for p in ps], stored_root)
        if found:
            label = f"stored full runs ({stored_runs.seed_count(found)})"
            return {name: Plan(_shown(name, ps), list, label, stored_root) for name, ps in full.items()}
        if len(chosen) == 1:  # a CIFAR-10 study: its subset-profile seeds, stored one by one
            subset = plans.appendix_subset_params(chosen[0], range(full_n), noise_sigmas)
            found = stored_runs.stored_some(subset, stored_root)
            if found:
                of = "" if len(found) == len(subset) else f" of {len(subset)}"
                label = f"stored subset-profile runs ({stored_runs.seed_count(found)}{of})"
                shown = _shown(chosen[0], [r.params for r in found], "subset-profile run")
                return {chosen[0]: Plan(shown, list, label, stored_root)}
            unfinished = _parked(chosen[0], subset, stored_root)  # still training: as far as they have come
            if unfinished is not None:
                return {chosen[0]: unfinished}
    n = range(seeds or plans.chapter_seeds("07_appendix", "every study", "quick"))
    quick = {label: plans.appendix_params(label, "quick", n, noise_sigmas) for label in chosen}
    return {
        label: Plan([Task(f"{label} seed {p.seed}", p) for p in ps], list, "quick profile")
        for label, ps in quick.items()
    }


def criteria(profile: str, stored_root=None) -> Plan:
    """Algorithm 1 under each single criterion (ICLR appendix A.1), after the
    plain run they replay. The results: ``(criterion -> run, the plain run)``."""
    check_profile(profile)
    plain, full = plans.criterion_params("paper")
    shape = _criteria_shape(list(full))
    if profile == "quick" and stored_root is not None and stored_runs.stored_all([plain, *full.values()], stored_root):
        return Plan(
            _shown("IMP-Bound under one criterion", [plain, *full.values()]), shape, "stored full runs", stored_root
        )
    plain, chosen = plans.criterion_params(profile)
    label = SCORE_LABELS[plans.CRITERION_SCORE]
    out = [Task(f"LeNet-300-100 IMP seed {plain.seed} (replayed by the criterion runs)", plain)]
    out += [Task(f"{label}-Bound under {c} only, seed {p.seed}", p, after=(_key(plain),)) for c, p in chosen.items()]
    for_quick = None if profile == "quick" else stored_root
    return Plan(out, shape, _with_source(profile), for_quick)


def _criteria_shape(names) -> Callable[[list], tuple]:
    return lambda results: (dict(zip(names, results[1:])), results[0])


# ------------------------------------------------------------------ the chapters
def chapter_plans(chapter: str, profile: str, stored_root) -> list[Plan]:
    """The plans ``chapter`` loads under ``profile`` with its default parameters."""
    check_profile(profile)
    if chapter in ("03_regimes", "05_significance"):
        return [regimes(m, profile, stored_root, chapter) for m in plans.CHAPTER_SEEDS[chapter]]
    if chapter == "04_bound_pruner":
        m = "lenet_300_100"
        return [f(m, s, profile, stored_root) for s in PAPER_SCORES for f in (table3, output_rates)]
    if chapter == "06_verdict":
        # a quick Conv4 would be a pipeline check at chance: the chapter shows its stored runs only
        shown = [controls(m, profile, stored_root) for m in plans.CHAPTER_SEEDS[chapter]]
        shown = [p for p in shown if profile != "quick" or all(t.stored for t in p.tasks) or _mnist(p)]
        return shown + [oneshot(m, profile, stored_root) for m in plans.ONESHOT_MODELS if profile != "quick"]
    if chapter == "07_appendix":
        return [*appendix(list(plans.APPENDIX), profile, stored_root).values(), criteria(profile, stored_root)]
    if chapter == "08_report" and profile != "quick":  # the report reads Conv4's Table 3, its p_fc rows and
        comparison = [table3("conv4", s, profile, stored_root) for s in PAPER_SCORES]  # IMP-Bound over three seeds
        comparison += [output_rates("conv4", s, profile, stored_root) for s in PAPER_SCORES]
        return comparison + [table3("conv4", "magnitude", profile, stored_root, seed=s) for s in plans.BOUND_SEEDS[1:]]
    return []


def _mnist(plan: Plan) -> bool:
    return all(t.params is None or MODEL_DATASET[t.params.model] == "mnist" for t in plan.tasks)


def tasks(chapter: str, profile: str, stored_root) -> list[Task]:
    """The runs ``chapter`` needs under ``profile`` with its default parameters, each once."""
    return unique(t for plan in chapter_plans(chapter, profile, stored_root) for t in plan.tasks)
