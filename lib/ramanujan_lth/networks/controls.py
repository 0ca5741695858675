"""Controls at matched density: masks that keep a ticket's weight count per layer.

To ask whether a ticket's graphs matter beyond how many weights each layer
keeps, it is compared with masks of exactly the same number of weights in
every layer (not in the paper; the book's methods page):

* ``random``: the weights placed uniformly at random;
* ``biregular``: every left (input) degree in ``{floor(E/nL), ceil(E/nL)}``
  and every right (output) degree in ``{floor(E/nR), ceil(E/nR)}``, no edge
  twice, drawn at random among such graphs (random biregular graphs are
  close to Ramanujan with high probability; the book measures their Δ).

A control network starts from the ticket's initialisation (same seed),
trains once with its mask fixed and the ticket's hyper-parameters, and is
tested on the same clean and noisy sets: :func:`control_params` gives the
run's parameters, and :mod:`ramanujan_lth.storage.runs` trains it like any run.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ramanujan_lth.catalog import CONTROLS

__all__ = [
    "CONTROLS",
    "random_biadjacency",
    "biregular_biadjacency",
    "mask_from_biadjacency",
    "control_masks",
    "control_params",
    "rounds_nearest",
]

#: switch attempts per edge when randomising a biregular graph
SWITCHES_PER_EDGE = 10


def _check(n_left: int, n_right: int, n_edges: int) -> None:
    if n_left < 1 or n_right < 1:
        raise ValueError(f"a bipartite graph needs vertices on both sides, got {n_left} x {n_right}")
    if not 0 <= n_edges <= n_left * n_right:
        raise ValueError(f"{n_edges} edges do not fit in a {n_left} x {n_right} bipartite graph")


def random_biadjacency(n_left: int, n_right: int, n_edges: int, rng: np.random.Generator) -> np.ndarray:
    """0/1 bi-adjacency with exactly ``n_edges`` edges placed uniformly at random.

    Examples
    --------
    >>> import numpy as np
    >>> B = random_biadjacency(4, 5, 7, np.random.default_rng(0))
    >>> B.shape, int(B.sum())
    ((4, 5), 7)
    """
    _check(n_left, n_right, n_edges)
    flat = np.zeros(n_left * n_right, dtype=bool)
    flat[rng.choice(n_left * n_right, size=n_edges, replace=False)] = True
    return flat.reshape(n_left, n_right)


def _near_regular(n: int, total: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` degrees in {floor, ceil} of ``total / n`` summing to ``total``, the larger ones at random vertices."""
    deg = np.full(n, total // n, dtype=np.int64)
    deg[rng.permutation(n)[: total % n]] += 1
    return deg


def _switch(left: list, right: list, n_right: int, attempts: int, rng: np.random.Generator) -> None:
    """Degree-preserving random switches in place: edges (a, b), (c, d) become
    (a, d), (c, b) when neither exists yet."""
    present = {a * n_right + b for a, b in zip(left, right)}
    n = len(left)
    pairs = rng.integers(0, n, size=(attempts, 2)).tolist()
    for i, j in pairs:
        a, b, c, d = left[i], right[i], left[j], right[j]
        if a == c or b == d:
            continue
        ad, cb = a * n_right + d, c * n_right + b
        if ad in present or cb in present:
            continue
        present.discard(a * n_right + b)
        present.discard(c * n_right + d)
        present.add(ad)
        present.add(cb)
        right[i], right[j] = d, b


def biregular_biadjacency(
    n_left: int, n_right: int, n_edges: int, rng: np.random.Generator, switches_per_edge: int = SWITCHES_PER_EDGE
) -> np.ndarray:
    """0/1 bi-adjacency with ``n_edges`` edges, left degrees in
    ``{floor(E/nL), ceil(E/nL)}``, right degrees in ``{floor(E/nR), ceil(E/nR)}``.

    Built by dealing each left vertex's edges to the right vertices in turn
    (so the right degrees differ by at most one and no edge repeats), then
    randomised by degree-preserving switches. Above half density the
    complement (also near-biregular, and sparser) is built instead.

    Examples
    --------
    10 edges on 4 + 6 vertices: left degrees 2 or 3 (10/4 = 2.5), right degrees 1 or 2 (10/6).

    >>> import numpy as np
    >>> B = biregular_biadjacency(4, 6, 10, np.random.default_rng(0))
    >>> np.sort(B.sum(axis=1)), np.sort(B.sum(axis=0))
    (array([2, 2, 3, 3]), array([1, 1, 2, 2, 2, 2]))

    Above half density (20 of 24), through the complement: left degree 5, right 3 or 4 (20/6).

    >>> B = biregular_biadjacency(4, 6, 20, np.random.default_rng(0))
    >>> np.sort(B.sum(axis=1)), np.sort(B.sum(axis=0))
    (array([5, 5, 5, 5]), array([3, 3, 3, 3, 4, 4]))
    """
    _check(n_left, n_right, n_edges)
    if 2 * n_edges > n_left * n_right:
        return ~biregular_biadjacency(n_left, n_right, n_left * n_right - n_edges, rng, switches_per_edge)
    deg = _near_regular(n_left, n_edges, rng)
    left = np.repeat(np.arange(n_left), deg)
    offset = int(rng.integers(n_right))
    right = (np.arange(n_edges) + offset) % n_right  # consecutive stubs of a vertex: distinct right vertices
    right = rng.permutation(n_right)[right]
    left_l, right_l = left.tolist(), right.tolist()
    _switch(left_l, right_l, n_right, switches_per_edge * n_edges, rng)
    B = np.zeros((n_left, n_right), dtype=bool)
    B[np.asarray(left_l, dtype=np.int64), np.asarray(right_l, dtype=np.int64)] = True
    return B


def mask_from_biadjacency(B: np.ndarray, shape: tuple) -> np.ndarray:
    """The weight-shaped 0/1 mask whose bi-adjacency (book/methods.md §1 orientation:
    rows are inputs, or (channel, row, column) of a kernel) is ``B``.

    Examples
    --------
    The inverse of :func:`ramanujan_lth.maths.spectral.biadjacency`, here on a 2x2 kernel from 2 to 3 channels.

    >>> import numpy as np
    >>> from ramanujan_lth.maths.spectral import biadjacency
    >>> mask = (np.arange(24).reshape(3, 2, 2, 2) % 3 == 0).astype(float)
    >>> B = biadjacency(mask)
    >>> B.shape, bool((mask_from_biadjacency(B, mask.shape) == mask).all())
    ((8, 3), True)
    """
    n_out = shape[0]
    if B.shape != (math.prod(shape[1:]), n_out):
        raise ValueError(f"bi-adjacency {B.shape} does not fit a weight of shape {tuple(shape)}")
    return np.ascontiguousarray(B.T).reshape(shape)


def control_masks(kind: str, shapes: dict, edges: dict, seed: int, round_: int) -> dict:
    """Per layer, a ``kind`` mask (numpy 0/1) of the weight's shape with
    ``edges[layer]`` weights, seeded by ``(seed, round_, kind, layer)``.

    Examples
    --------
    Each layer keeps exactly its count; the same arguments give the same masks.

    >>> import numpy as np
    >>> shapes, edges = {"fc.weight": (3, 4), "out.weight": (2, 3)}, {"fc.weight": 5, "out.weight": 4}
    >>> masks = control_masks("biregular", shapes, edges, seed=0, round_=1)
    >>> {name: (m.shape, int(m.sum())) for name, m in masks.items()}
    {'fc.weight': ((3, 4), 5), 'out.weight': ((2, 3), 4)}
    >>> bool(np.array_equal(masks["fc.weight"], control_masks("biregular", shapes, edges, 0, 1)["fc.weight"]))
    True
    """
    if kind not in CONTROLS:
        raise ValueError(f"unknown control {kind!r}; choose one of {CONTROLS}")
    missing = sorted(set(shapes) - set(edges))
    if missing:
        raise ValueError(f"no edge count for layers {missing}")
    build = random_biadjacency if kind == "random" else biregular_biadjacency
    children = np.random.SeedSequence([seed, round_, CONTROLS.index(kind)]).spawn(len(shapes))
    out = {}
    for (name, shape), ss in zip(shapes.items(), children):
        n_left, n_right = math.prod(shape[1:]), shape[0]
        B = build(n_left, n_right, int(edges[name]), np.random.default_rng(ss))
        out[name] = mask_from_biadjacency(B, shape).astype(np.float32)
    return out


def control_params(ticket, round_: int, kind: str):
    """Parameters of the ``kind`` control of a stored ticket run
    (:class:`ramanujan_lth.storage.params.RunResult`) at its round ``round_``: the
    ticket's hyper-parameters and seed, one training, the ticket's weight
    count per layer at that round.

    Examples
    --------
    A (made-up) LeNet-300-100 ticket of seed 3 whose round 2 kept these weights:

    >>> from pathlib import Path
    >>> from ramanujan_lth.storage.params import RunParams, RunResult
    >>> kept = {"fc1.weight": 150000, "fc2.weight": 19200, "fc3.weight": 800}
    >>> ticket = RunResult(RunParams(seed=3), Path("runs/ticket"), [{"round": 2, "remaining": kept}], True)
    >>> p = control_params(ticket, 2, "random")
    >>> p.control, p.seed, p.rounds, p.control_edges
    ('random', 3, 0, (('fc1.weight', 150000), ('fc2.weight', 19200), ('fc3.weight', 800)))
    """
    if kind not in CONTROLS:
        raise ValueError(f"unknown control {kind!r}; choose one of {CONTROLS}")
    rec = next((r for r in ticket.records if r["round"] == round_), None)
    if rec is None:
        raise ValueError(f"run {ticket.folder.name} has no round {round_} (it has {len(ticket.records)})")
    p = ticket.params.resolved()
    if p.rewind_iteration:
        raise ValueError("controls start from the initialisation: the ticket must rewind to iteration 0")
    return dataclasses.replace(
        p,
        alpha=None,
        density=None,
        rounds=0,
        bound=False,
        control=kind,
        control_ticket=ticket.folder.name,
        control_round=int(round_),
        control_edges=tuple(sorted((n, int(c)) for n, c in rec["remaining"].items())),
    )


def rounds_nearest(ticket, densities) -> list[int]:
    """The ticket's rounds whose overall density is nearest (in log scale) to each of ``densities``.

    Examples
    --------
    Rounds at densities 1, 0.8, 0.64, 0.512, 0.41, 0.328 (20 % pruned per round):

    >>> from types import SimpleNamespace
    >>> ticket = SimpleNamespace(records=[{"round": r, "density": 0.8**r} for r in range(6)])
    >>> rounds_nearest(ticket, [0.5, 0.3])
    [3, 5]
    """
    got = [(r["round"], r["density"]) for r in ticket.records]
    return [min(got, key=lambda rd: abs(math.log(rd[1]) - math.log(d)))[0] for d in densities]
