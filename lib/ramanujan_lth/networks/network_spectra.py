"""The spectral report of every prunable layer of a network, and the regime
it puts the network in (book/methods.md §2).

:mod:`ramanujan_lth.maths.spectral` computes the spectrum of one bi-adjacency
matrix and :mod:`ramanujan_lth.maths.metrics` the later measures of one graph; this
module walks a model's layers and lays both out as one row per layer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ramanujan_lth.labels import regime_of
from ramanujan_lth.maths.metrics import later_fields
from ramanujan_lth.maths.spectral import biadjacency, bipartite_spectrum, to_numpy
from ramanujan_lth.networks.models import prunable_layers

__all__ = ["GRAPHS", "graph_fields", "layer_report", "regime"]


def _lookup(table, name):
    if table is None:
        return None
    for key in (name, f"{name}.weight"):
        if key in table:
            return table[key]
    return None


GRAPHS = ("unweighted", "weighted", "score")


def graph_fields(mask_B: np.ndarray, values_B: np.ndarray, graph: str, method: str = "auto") -> dict:
    """The spectral record of one graph (bi-adjacency ``values_B``) and the
    later measures of :mod:`ramanujan_lth.maths.metrics` (``mask_B``: its 0/1
    pattern): every per-layer number of the book's reports comes from here."""
    rec = bipartite_spectrum(values_B, method=method)
    return {**rec.as_dict(), **later_fields(mask_B, rec, graph)}


def layer_report(model, masks=None, graph: str = "unweighted", scores=None, method: str = "auto") -> pd.DataFrame:
    """One row per prunable layer (``nn.Linear``, ``nn.Conv2d``) of ``model``.

    ``masks``: mapping from layer name (or ``name.weight``) to a 0/1 tensor of
    the weight's shape; a layer without one uses its non-zero pattern.
    ``graph``: ``"unweighted"`` (the mask), ``"weighted"`` (``|W| * M``) or
    ``"score"`` (``|score| * M``; needs ``scores``, a mapping like ``masks``).
    Passing ``scores`` with ``graph="weighted"`` also weights by the scores.
    Besides the paper's fields, each row has the later measures of
    :mod:`ramanujan_lth.maths.metrics` (``spectral_gap``; ``r``, ``imdb`` and
    ``narc`` on the unweighted graph, NaN on the others).

    Examples
    --------
    Layer ``0`` is complete (K_{3,10}: ``t2 = 0``); layer ``1`` is masked to two
    complete blocks K_{5,5} and K_{5,4}, whose ``σ = 5`` and ``sqrt(20)`` leave
    ``t2 = 4.4721`` above both bounds.

    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 10), torch.nn.Linear(10, 9))
    >>> B = torch.zeros(10, 9); B[:5, :5] = 1; B[5:, 5:] = 1
    >>> report = layer_report(net, masks={"1": B.T})
    >>> report[["layer", "edges", "t1", "t2", "eb", "db", "ramanujan"]].round(4)
      layer  edges      t1      t2      eb      db  ramanujan
    0     0     30  5.4772  0.0000  4.2319  4.4142       True
    1     1     45  5.0000  4.4721  4.0000  3.8708      False
    """
    if graph not in GRAPHS:
        raise ValueError(f"graph must be one of {GRAPHS}, got {graph!r}")
    if graph == "score" and scores is None:
        raise ValueError("graph='score' needs scores: a mapping from layer name to a score tensor")
    if graph == "unweighted" and scores is not None:
        raise ValueError("graph='unweighted' is the mask alone: pass graph='score' to weight it by scores")
    layers = prunable_layers(model)
    if not layers:
        raise ValueError("the model has no prunable layer (nn.Linear or nn.Conv2d)")
    rows = []
    for i, (name, module) in enumerate(layers):
        w = module.weight
        mask = _lookup(masks, name)
        if mask is None:
            m = (to_numpy(w) != 0).astype(np.float64)
        else:
            m = to_numpy(mask)
            if m.shape != tuple(w.shape):
                raise ValueError(f"mask for layer {name!r} has shape {m.shape}, its weight {tuple(w.shape)}")
            if not np.isin(m, (0.0, 1.0)).all():
                raise ValueError(f"mask for layer {name!r} must hold only 0 and 1")
        if graph == "unweighted":
            values = m
        else:
            score = _lookup(scores, name) if scores is not None else None
            if scores is not None and score is None:
                raise ValueError(f"scores has no entry for layer {name!r}")
            base = to_numpy(score if score is not None else w)
            values = np.abs(base) * m
        B = biadjacency(values)
        rows.append(
            {
                "layer": name,
                "kind": "conv" if w.dim() == 4 else "fc",
                "output": i == len(layers) - 1,
                "shape": tuple(w.shape),
                "n_left": B.shape[0],
                "n_right": B.shape[1],
                "edges": int(m.sum()),
                "total": int(m.size),
                "density": float(m.sum() / m.size),
                **graph_fields(biadjacency(m), B, graph, method),
            }
        )
    return pd.DataFrame(rows)


def regime(report: pd.DataFrame, layers=None) -> str:
    """``"fully"``, ``"partially"`` or ``"non"`` Ramanujan (book/methods.md §2).

    ``layers``: the names of the studied layers (default: every row); the
    paper leaves out layers with a tiny side, so the caller chooses.

    Examples
    --------
    >>> import pandas as pd
    >>> report = pd.DataFrame({"layer": ["fc1", "fc2"], "ramanujan": [True, False]})
    >>> regime(report), regime(report, layers=["fc1"]), regime(report, layers=["fc2"])
    ('partially', 'fully', 'non')
    """
    if "ramanujan" not in report or "layer" not in report:
        raise ValueError("regime expects a layer_report DataFrame (columns 'layer' and 'ramanujan')")
    rows = report
    if layers is not None:
        layers = list(layers)
        missing = sorted(set(layers) - set(report["layer"]))
        if missing:
            raise ValueError(f"unknown layers {missing}; the report has {list(report['layer'])}")
        rows = report[report["layer"].isin(layers)]
    if len(rows) == 0:
        raise ValueError("regime needs at least one studied layer")
    return regime_of(int(rows["ramanujan"].astype(bool).sum()), len(rows))
