"""The spectral report of any PyTorch network, or of its masks alone.

:func:`network` measures every prunable weight of any ``torch.nn.Module``
as the book measures its own models (book/methods.md §1, §2 and the later
measures of §9), with the same functions
(:func:`ramanujan_lth.networks.network_spectra.graph_fields`):

* every ``Linear`` (one left vertex per input, one right vertex per output);
* every ``Conv1d``/``Conv2d``/``Conv3d`` (one left vertex per input channel
  and kernel position), 1×1 and shortcut convolutions included; a grouped
  or depthwise convolution is the union of its groups' blocks, a graph
  disconnected by construction (its ``note`` says so);
* a ``MultiheadAttention``'s packed ``in_proj_weight`` split into its query,
  key and value maps (or its separate ``q/k/v_proj_weight``), and its
  ``out_proj``.

A weight's mask comes from, in this order: the ``masks`` argument (keyed by
parameter name, as a ``.mask.npz`` file is, see :mod:`ramanujan_lth.your_network.mask_file`),
``torch.nn.utils.prune``'s ``*_mask`` buffers, or the weight's non-zeros.
:func:`masks` measures masks without a model (the weighted column is then
empty, with its reason).

Examples
--------
A 2-3-2 network, fully connected:

>>> import torch
>>> net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
>>> table = network(net)
>>> table[["layer", "kind", "n_left", "n_right", "edges", "t1"]]
      layer    kind  n_left  n_right  edges        t1
0  0.weight  linear       3        4     12  3.464102
1  1.weight  linear       4        2      8  2.828427
>>> table.attrs["regime"], table.attrs["skipped"]
(None, ['0.weight', '1.weight'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ramanujan_lth.labels import REGIME_NAMES
from ramanujan_lth.maths.spectral import biadjacency, to_numpy
from ramanujan_lth.networks.network_spectra import graph_fields, regime

__all__ = ["COLUMNS", "MIN_SIDE", "network", "masks", "summary", "weights", "readable", "describe", "page"]

#: by default a layer is studied (enters the regime) when each side has at least this many vertices
MIN_SIDE = 10

#: the report's columns, in order
COLUMNS = (
    "layer",
    "kind",
    "n_left",
    "n_right",
    "density",
    "edges",
    "t1",
    "t2",
    "d_avg_left",
    "d_avg_right",
    "eb",
    "db",
    "delta_s",
    "delta_r",
    "ramanujan",
    "r",
    "imdb",
    "narc",
    "weighted_gap",
    "undefined",
    "note",
)


@dataclass(frozen=True)
class Weight:
    """One prunable weight: its row name, kind, parameter (the key of its
    mask), the rows of that parameter it covers (attention's packed q/k/v)
    and its convolution groups."""

    layer: str
    kind: str
    param: str
    rows: slice | None = None
    groups: int = 1


def _attention_weights(name: str, module) -> list[Weight]:
    prefix = f"{name}." if name else ""
    e = module.embed_dim
    if getattr(module, "_qkv_same_embed_dim", True):
        param = f"{prefix}in_proj_weight"
        return [
            Weight(f"{param}[{p}]", f"attention {p}", param, slice(i * e, (i + 1) * e)) for i, p in enumerate("qkv")
        ]
    return [Weight(f"{prefix}{p}_proj_weight", f"attention {p}", f"{prefix}{p}_proj_weight") for p in "qkv"]


def weights(model) -> list[Weight]:
    """Every prunable weight of ``model``, in ``named_modules`` order."""
    from torch import nn

    convs = {nn.Conv1d: "conv1d", nn.Conv2d: "conv2d", nn.Conv3d: "conv3d"}
    attention_outs = {
        f"{n}.out_proj" if n else "out_proj" for n, m in model.named_modules() if isinstance(m, nn.MultiheadAttention)
    }
    out = []
    for name, module in model.named_modules():
        param = f"{name}.weight" if name else "weight"
        if isinstance(module, nn.MultiheadAttention):
            out += _attention_weights(name, module)
        elif isinstance(module, nn.Linear):
            out.append(Weight(param, "attention out" if name in attention_outs else "linear", param))
        elif type(module) in convs:
            out.append(Weight(param, convs[type(module)], param, groups=module.groups))
    return out


def _tensor(model, param: str):
    """A parameter's effective value (``orig * mask`` under ``torch.nn.utils.prune``) and its prune mask."""
    mod_name, _, attr = param.rpartition(".")
    module = model.get_submodule(mod_name)
    mask = getattr(module, f"{attr}_mask", None) if hasattr(module, f"{attr}_orig") else None
    return getattr(module, attr), mask


def _lookup(masks: dict, param: str):
    for key in (param, param.removesuffix(".weight")):
        if key in masks:
            return key, masks[key]
    return None, None


def _reasons(row: dict, has_weights: bool) -> str:
    out = []
    if row["edges"] == 0:
        out.append("empty layer: no edges")
    else:
        nl = round(row["edges"] / row["d_avg_left"])
        nr = round(row["edges"] / row["d_avg_right"])
        if min(nl, nr) == 1:
            out.append("a side with one vertex: t2 = 0, r undefined")
        elif math.isnan(row["r"]):
            out.append("r: an average degree below 3")
        if math.isnan(row["imdb"]):
            out.append("IMDB: no group of 3 or more inputs of one degree scored")
    if not has_weights:
        out.append("weighted gap: no trained weights")
    return "; ".join(out)


def _row(w: Weight, mask: np.ndarray, weight, method: str) -> dict:
    Bm = biadjacency(mask, w.groups)
    fields = graph_fields(Bm, Bm, "unweighted", method)
    gap = math.nan
    if weight is not None and mask.any():
        Bw = biadjacency(np.abs(weight) * mask, w.groups)
        gap = graph_fields(Bm, Bw, "weighted", method)["spectral_gap"]
    row = {
        "layer": w.layer,
        "kind": w.kind,
        "n_left": Bm.shape[0],
        "n_right": Bm.shape[1],
        "density": float(mask.mean()) if mask.size else math.nan,
        "edges": int(mask.sum()),
        **fields,
        "weighted_gap": gap,
    }
    row["undefined"] = _reasons(row, weight is not None)
    row["note"] = f"{w.groups} groups: disconnected by construction" if w.groups > 1 else ""
    return row


def _check_names(masks: dict, params: set) -> None:
    known = params | {p.removesuffix(".weight") for p in params}
    unknown = sorted(set(masks) - known)
    if unknown:
        raise ValueError(
            f"masks for {unknown[:3]} match no prunable weight of the model (names like {sorted(params)[:2]})"
        )


def network(
    model, masks: dict | None = None, layers=None, trained: bool = True, method: str = "auto", progress: bool = False
) -> pd.DataFrame:
    """One row per prunable weight of ``model`` (columns :data:`COLUMNS`).

    ``masks``: ``{parameter name: 0/1 array}`` (or module name for its
    ``weight``); a weight without one uses ``torch.nn.utils.prune``'s mask
    buffer, else its non-zeros. ``layers``: the rows that decide the
    network's regime (default: both sides at least :data:`MIN_SIDE`).
    ``trained=False``: the weights are not trained ones (masks on a fresh
    model), so the weighted spectral gap is left empty.

    The network's regime, share of Ramanujan layers, and the studied and
    skipped layers are in ``table.attrs`` (see :func:`summary`).
    ``progress``: a progress bar on stderr, once every mask is checked.
    """
    found = weights(model)
    if not found:
        raise ValueError("the model has no prunable weight (Linear, Conv1d/2d/3d or MultiheadAttention)")
    masks = masks or {}
    _check_names(masks, {w.param for w in found})
    todo = []
    for w in found:
        tensor, pruned = _tensor(model, w.param)
        value = to_numpy(tensor)
        key, given = _lookup(masks, w.param)
        if given is not None:
            m = to_numpy(given)
            if m.shape != value.shape:
                raise ValueError(f"mask {key!r} has shape {m.shape}, the weight {value.shape}")
            if not np.isin(m, (0.0, 1.0)).all():
                raise ValueError(f"mask {key!r} must hold only 0 and 1")
        elif pruned is not None:
            m = to_numpy(pruned)
        else:
            m = (value != 0).astype(np.float64)
        if w.rows is not None:
            m, value = m[w.rows], value[w.rows]
        todo.append((w, m, value if trained else None))
    if progress:
        from tqdm.auto import tqdm

        todo = tqdm(todo, desc="measuring weights", unit="weight", leave=False)
    rows = [_row(w, m, value, method) for w, m, value in todo]
    return _with_summary(pd.DataFrame(rows, columns=list(COLUMNS)), layers)


def masks(mask_arrays: dict, layers=None, method: str = "auto") -> pd.DataFrame:
    """The report of masks alone (``{parameter name: 0/1 array}``, e.g. a
    ``.mask.npz`` file): a 2-D array is a ``Linear``, a 3- to 5-D one a
    convolution without groups; a packed attention ``in_proj_weight`` is
    split in three. The weighted column is empty (no trained weights)."""
    rows = []
    for name, a in mask_arrays.items():
        m = to_numpy(a)
        if not np.isin(m, (0.0, 1.0)).all():
            raise ValueError(f"mask {name!r} must hold only 0 and 1")
        if name.endswith("in_proj_weight") and m.ndim == 2 and m.shape[0] == 3 * m.shape[1]:
            e = m.shape[1]
            parts = [
                (Weight(f"{name}[{p}]", f"attention {p}", name), m[i * e : (i + 1) * e]) for i, p in enumerate("qkv")
            ]
        elif 2 <= m.ndim <= 5:
            parts = [(Weight(name, "linear" if m.ndim == 2 else f"conv{m.ndim - 2}d", name), m)]
        else:
            raise ValueError(f"mask {name!r} has shape {m.shape}: a weight mask is 2-D (Linear) or 3- to 5-D (conv)")
        rows += [_row(w, part, None, method) for w, part in parts]
    if not rows:
        raise ValueError("no masks given")
    return _with_summary(pd.DataFrame(rows, columns=list(COLUMNS)), layers)


def summary(table: pd.DataFrame, layers=None) -> dict:
    """The network's ``regime`` (fully / partially / non Ramanujan, or None
    when no layer is studied), ``share`` of Ramanujan layers among the
    ``studied`` ones, and the ``skipped`` ones. ``layers``: the studied
    rows' names (default: both sides at least :data:`MIN_SIDE` vertices)."""
    if layers is None:
        keep = (table["n_left"] >= MIN_SIDE) & (table["n_right"] >= MIN_SIDE)
    else:
        layers = list(layers)
        unknown = sorted(set(layers) - set(table["layer"]))
        if unknown:
            raise ValueError(f"unknown layers {unknown[:3]}; the report's layers are like {list(table['layer'][:2])}")
        keep = table["layer"].isin(layers)
    studied = table[keep]
    return {
        "regime": regime(studied) if len(studied) else None,
        "share": float(studied["ramanujan"].mean()) if len(studied) else math.nan,
        "studied": list(studied["layer"]),
        "skipped": list(table.loc[~keep, "layer"]),
    }


def _with_summary(table: pd.DataFrame, layers) -> pd.DataFrame:
    table.attrs.update(summary(table, layers))
    return table


# ------------------------------------------------------------------ reading the report
_SHOWN = {
    "layer": "layer",
    "kind": "kind",
    "size": "n_left × n_right",
    "density": "density",
    "edges": "edges",
    "t2": "t2",
    "eb": "eb",
    "db": "db",
    "delta_s": "ΔS",
    "delta_r": "ΔR",
    "Ramanujan": "Ramanujan",
    "r": "r",
    "imdb": "IMDB",
    "narc": "NaRC",
    "weighted_gap": "weighted gap",
}


#: the columns of a page-wide table (:func:`readable` with ``brief``)
_BRIEF = ("layer", "size", "density", "delta_s", "delta_r", "Ramanujan", "r")


def readable(table: pd.DataFrame, brief: bool = False) -> pd.DataFrame:
    """The report as a reader looks at it: sizes as ``n_left × n_right``,
    Ramanujan as yes/no, the book's symbols as column names. ``brief``: the
    columns that fit a page, layers named without their ``.weight``."""
    df = table.assign(
        size=[f"{a} × {b}" for a, b in zip(table["n_left"], table["n_right"])],
        Ramanujan=np.where(table["ramanujan"].astype(bool), "yes", "no"),
    )
    if brief:
        df = df.assign(layer=df["layer"].str.removesuffix(".weight"))
    return df[list(_BRIEF if brief else _SHOWN)].rename(columns=_SHOWN)


def describe(table: pd.DataFrame) -> str:
    """One line: the regime and the share of Ramanujan layers, and what was skipped."""
    a = table.attrs
    if not a.get("studied"):
        line = f"no layer studied (every layer has a side under {MIN_SIDE} vertices): no regime"
    else:
        n, k = len(a["studied"]), int(round(a["share"] * len(a["studied"])))
        line = f"{REGIME_NAMES[a['regime']]}: {k} of {n} studied layers have the Ramanujan property ({a['share']:.0%})"
    if a.get("skipped"):
        line += f"; not studied: {', '.join(a['skipped'])}"
    return line


def page(table: pd.DataFrame, title: str) -> str:
    """One self-contained HTML page: the summary line, the per-layer chart
    (:func:`ramanujan_lth.pages.plots.layer_chart`) and the table. Its scripts are
    inlined (needs ``vl-convert-python``), so it opens offline."""
    import html

    from ramanujan_lth.pages.plots import layer_chart

    doc = layer_chart(table).to_html(inline=True)
    shown = readable(table).to_html(index=False, float_format=lambda x: f"{x:.4g}", na_rep="—", border=0)
    head = f"<h2>{html.escape(title)}</h2>\n<p>{html.escape(describe(table))}</p>\n"
    notes = [f"<li>{html.escape(n)}: {html.escape(u)}</li>" for n, u in zip(table["layer"], table["undefined"]) if u]
    tail = f"\n<h3>Undefined values</h3><ul>{''.join(notes)}</ul>" if notes else ""
    style = (
        "<style>body{font-family:sans-serif;margin:2em} "
        "td,th{padding:2px 8px;text-align:right;white-space:nowrap}</style>"
    )
    # the inlined scripts contain the strings "<body>" and "</body>": place by the document's own tags
    start = doc.index("<body>", doc.rindex("</head>")) + len("<body>")
    end = doc.rindex("</body>")
    return f"{doc[:start]}\n{style}\n{head}{doc[start:end]}{shown}{tail}\n{doc[end:]}"
