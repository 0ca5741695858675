"""Altair charts shared by the chapters.

Charts take tidy pandas frames and return altair charts; interaction that
must work on the static web page uses altair parameters (sliders, dropdowns,
legend selections), never Python callbacks. Importing this module makes
altair show charts through :func:`chart_html`, which draws with the
libraries the book's pages bundle (no network), and fetches the same
versions elsewhere.
"""

from __future__ import annotations

import json
import textwrap
import uuid

import altair as alt
import numpy as np
import pandas as pd

from .graphs import alon_milman_lower, alon_upper
from .labels import KIND_COLORS, QUANTITY_NAMES, REGIME_COLORS, REGIME_NAMES
from .spectral import bipartite_spectrum, singular_values

__all__ = [
    "candidates_chart",
    "bound_gain_chart",
    "layer_split_chart",
    "pruning_paths_chart",
    "chart_html",
    "bipartite_chart",
    "network_chart",
    "graph_chart",
    "cheeger_chart",
    "kesten_mckay",
    "kesten_mckay_chart",
    "regular_spectrum_chart",
    "biregular_chart",
    "random_bipartite_chart",
    "finite",
    "delta_long",
    "matrix_chart",
    "regime_shading",
    "accuracy_chart",
    "delta_chart",
    "schedule_chart",
    "data_lines",
    "paper_vs_ours_chart",
    "output_rate_chart",
    "kinds_accuracy_chart",
    "kinds_accuracy_sets",
    "spectrum_explorer",
    "layer_spectrum_explorer",
    "layer_delta_explorer",
    "singular_value_chart",
    "weighted_graph_charts",
    "difference_chart",
    "kinds_quantity_chart",
    "gain_chart",
    "regime_rules_chart",
    "rejection_chart",
    "loss_test_chart",
    "criterion_charts",
    "layer_chart",
    "KIND_COLORS",
    "QUANTITY_NAMES",
]


# ------------------------------------------------------------------ how charts are shown
#: the libraries a chart loads where the page does not provide them (Jupyter):
#: the versions the book's own pages bundle (book/_ext/offline_assets.py)
CDN = {
    "vega": "https://cdn.jsdelivr.net/npm/vega@6.2.0",
    "vega-lite": f"https://cdn.jsdelivr.net/npm/vega-lite@{alt.SCHEMA_VERSION.lstrip('v')}",
    "vega-embed": "https://cdn.jsdelivr.net/npm/vega-embed@7.0.2",
}

_CHART_JS = """(function () {
  var spec = %(spec)s, opts = %(opts)s, id = "%(id)s";
  function draw() {
    vegaEmbed("#" + id, spec, opts).catch(function (e) {
      document.getElementById(id).textContent = "chart error: " + e;
    });
  }
  if (window.vegaEmbed) { draw(); return; }  // the book's pages load the libraries in their head
  var urls = %(urls)s;
  if (typeof define === "function" && define.amd) {  // classic notebook: require.js
    requirejs.config({paths: {"vega": urls[0], "vega-lite": urls[1], "vega-embed": urls[2]}});
    require(["vega-embed"], function (ve) { window.vegaEmbed = ve; draw(); });
    return;
  }
  (function load(i) {
    if (i === urls.length) { draw(); return; }
    var s = document.createElement("script");
    s.src = urls[i];
    s.onload = function () { load(i + 1); };
    s.onerror = function () { document.getElementById(id).textContent = "could not load " + urls[i]; };
    document.head.appendChild(s);
  })(0);
})();"""


def chart_html(spec: dict) -> str:
    """HTML that draws a Vega-Lite ``spec`` with the vega-embed of the page
    (the book bundles it: no network needed), or, outside the book, with the
    same versions from a CDN."""
    div = f"chart-{uuid.uuid4().hex}"
    js = _CHART_JS % {
        "spec": json.dumps(spec).replace("</", "<\\/"),
        "opts": json.dumps({"mode": "vega-lite"}),
        "id": div,
        "urls": json.dumps([url + "?noext" for url in CDN.values()]),
    }
    return f'<div id="{div}" class="ramanujan-chart"></div>\n<script type="text/javascript">\n{js}\n</script>'


def _book_renderer(spec: dict, **metadata) -> dict:
    return {"text/html": chart_html(spec)}


alt.renderers.register("ramanujan_lth", _book_renderer)
alt.renderers.enable("ramanujan_lth")


UNDEFINED_DELTA = "t1 < 1 or a degree < 1: not satisfied"


def subtitle(text: str, width: int = 95) -> list[str]:
    """A long note as the lines of a chart subtitle (vega does not wrap them)."""
    return textwrap.wrap(text, width)


def finite(df: pd.DataFrame, cols, cap: float = 1e3) -> pd.DataFrame:
    """Copy of ``df`` with ``±inf`` in ``cols`` replaced by ``±cap`` (charts
    cannot draw infinity) and a boolean ``<col>_inf`` column marking them."""
    out = df.copy()
    for c in cols:
        v = out[c].astype(float)
        out[f"{c}_inf"] = np.isinf(v)
        out[c] = v.clip(-cap, cap)
    return out


def delta_long(report: pd.DataFrame, id_cols) -> pd.DataFrame:
    """Long form of a report: one row per (``id_cols``, bound) with the Δ value."""
    df = report.melt(id_vars=list(id_cols), value_vars=["delta_s", "delta_r"], var_name="bound", value_name="delta")
    df["bound"] = df["bound"].map({"delta_s": "ΔS (eigenvalue bound)", "delta_r": "ΔR (degree bound)"})
    return df


def network_chart(layers, names=None, title: str = "", width: int = 220, height: int = 160) -> alt.Chart:
    """Draw a feed-forward network given its bi-adjacency matrices, one column
    of vertices per layer, edge opacity proportional to |weight|."""
    sizes = [layers[0].shape[0]] + [B.shape[1] for B in layers]
    names = names or [f"layer {i}" for i in range(len(sizes))]

    def ypos(n, i):
        return (i + 0.5) / n

    nodes = pd.DataFrame(
        [{"x": col, "y": ypos(n, i), "layer": names[col], "vertex": i} for col, n in enumerate(sizes) for i in range(n)]
    )
    rows = []
    for col, B in enumerate(layers):
        B = np.abs(np.asarray(B, dtype=float))
        top = B.max() if B.size and B.max() > 0 else 1.0
        for i, j in zip(*np.nonzero(B)):
            rows.append(
                {
                    "x": col,
                    "y": ypos(B.shape[0], i),
                    "x2": col + 1,
                    "y2": ypos(B.shape[1], j),
                    "w": float(B[i, j] / top),
                    "edge": f"{names[col]} {i} – {names[col + 1]} {j}",
                }
            )
    edges = pd.DataFrame(rows, columns=["x", "y", "x2", "y2", "w", "edge"])
    ax = alt.Axis(labels=False, ticks=False, grid=False, title=None, domain=False)
    e = (
        alt.Chart(edges)
        .mark_rule(color="#4c78a8")
        .encode(
            x=alt.X("x:Q", axis=ax),
            y=alt.Y("y:Q", axis=ax),
            x2="x2:Q",
            y2="y2:Q",
            opacity=alt.Opacity("w:Q", scale=alt.Scale(domain=[0, 1], range=[0.15, 1]), legend=None),
            tooltip=["edge:N", alt.Tooltip("w:Q", format=".2f", title="relative weight")],
        )
    )
    n = (
        alt.Chart(nodes)
        .mark_circle(size=90, color="#e45756", opacity=1)
        .encode(x="x:Q", y="y:Q", tooltip=["layer:N", "vertex:Q"])
    )
    return (e + n).properties(title=title, width=width, height=height)


def bipartite_chart(B, left_labels=None, right_labels=None, title: str = "", height: int = 260) -> alt.Chart:
    """Draw one bipartite graph: left vertices (rows of ``B``) on the left."""
    left_labels = left_labels or [f"L{i}" for i in range(B.shape[0])]
    right_labels = right_labels or [f"R{j}" for j in range(B.shape[1])]
    chart = network_chart([np.asarray(B)], names=["left", "right"], title=title, width=200, height=height)
    nL, nR = B.shape
    labels = pd.DataFrame(
        [{"x": -0.08, "y": (i + 0.5) / nL, "text": t, "side": "right"} for i, t in enumerate(left_labels)]
        + [{"x": 1.08, "y": (j + 0.5) / nR, "text": t, "side": "left"} for j, t in enumerate(right_labels)]
    )
    left = alt.Chart(labels[labels["side"] == "right"]).mark_text(align="right").encode(x="x:Q", y="y:Q", text="text:N")
    right = alt.Chart(labels[labels["side"] == "left"]).mark_text(align="left").encode(x="x:Q", y="y:Q", text="text:N")
    return chart + left + right


def matrix_chart(B, row_labels=None, col_labels=None, title: str = "", cell: int = 22) -> alt.Chart:
    """Heat map of a (small) matrix with its values as tooltips."""
    B = np.asarray(B, dtype=float)
    row_labels = row_labels or [str(i) for i in range(B.shape[0])]
    col_labels = col_labels or [str(j) for j in range(B.shape[1])]
    df = pd.DataFrame(
        [
            {"row": row_labels[i], "col": col_labels[j], "value": B[i, j]}
            for i in range(B.shape[0])
            for j in range(B.shape[1])
        ]
    )
    base = alt.Chart(df).encode(
        x=alt.X("col:N", sort=col_labels, title="right vertex (output channel)"),
        y=alt.Y("row:N", sort=row_labels, title="left vertex (input channel, kernel position)"),
    )
    rect = base.mark_rect().encode(
        color=alt.Color("value:Q", scale=alt.Scale(scheme="blueorange")), tooltip=["row", "col", "value"]
    )
    text = base.mark_text(fontSize=10).encode(text=alt.Text("value:Q", format=".0f"))
    return (rect + text).properties(title=title, width=cell * B.shape[1], height=cell * B.shape[0])


def graph_chart(A, highlight=(), title: str = "", size: int = 220) -> alt.Chart:
    """Draw a small graph on a circle; vertices in ``highlight`` (a set U) in
    orange, their vertex boundary δ(U) in green."""
    A = np.asarray(A)
    n = len(A)
    U = set(int(u) for u in highlight)
    boundary = set(np.nonzero(A[sorted(U)].any(axis=0))[0].tolist()) - U if U else set()
    ang = 2 * np.pi * np.arange(n) / n
    xy = np.c_[np.cos(ang), np.sin(ang)]
    role = ["U" if i in U else "δ(U)" if i in boundary else "other" for i in range(n)]
    nodes = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "vertex": range(n), "role": role})
    iu, ju = np.nonzero(np.triu(A, 1))
    edges = pd.DataFrame({"x": xy[iu, 0], "y": xy[iu, 1], "x2": xy[ju, 0], "y2": xy[ju, 1]})
    ax = alt.Axis(labels=False, ticks=False, grid=False, title=None, domain=False)
    e = (
        alt.Chart(edges)
        .mark_rule(color="#999")
        .encode(x=alt.X("x:Q", axis=ax), y=alt.Y("y:Q", axis=ax), x2="x2", y2="y2")
    )
    v = (
        alt.Chart(nodes)
        .mark_circle(size=160, opacity=1)
        .encode(
            x="x:Q",
            y="y:Q",
            color=alt.Color(
                "role:N",
                scale=alt.Scale(domain=["U", "δ(U)", "other"], range=["#f58518", "#54a24b", "#bab0ac"]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=["vertex:Q", "role:N"],
        )
    )
    return (e + v).properties(title=title, width=size, height=size)


# ------------------------------------------------------------------ random graphs (chapter 1)
def cheeger_chart(cheeger: pd.DataFrame) -> alt.LayerChart:
    """The exact vertex Cheeger constant of small random regular graphs against their spectral gap
    (:func:`ramanujan_lth.sweeps.cheeger_sample`), with the Alon–Milman lower bound of each degree
    (dashed) and Alon's upper bound (grey, finite below a gap of 1/2); a degree is picked out by
    clicking it in the legend."""
    top = cheeger["gap"].max() * 1.05
    curve = pd.DataFrame(
        [
            {"gap": g, "d": d, "bound": f"lower, d={d}", "h": alon_milman_lower(g, d)}
            for d in sorted({int(d) for d in cheeger["d"]})
            for g in np.linspace(0.01, top, 60)
        ]
    )
    upper = pd.DataFrame([{"gap": g, "h": alon_upper(g)} for g in np.linspace(0.005, 0.45, 60)])
    pick = alt.selection_point(fields=["d"], bind="legend")
    dots = (
        alt.Chart(cheeger)
        .mark_circle(size=60)
        .encode(
            x=alt.X("gap:Q", title="spectral gap d − t₂"),
            y=alt.Y("h:Q", title="vertex Cheeger constant h(G)", scale=alt.Scale(domain=[0, 1.3 * cheeger["h"].max()])),
            color=alt.Color("d:N", title="degree d"),
            opacity=alt.condition(pick, alt.value(0.9), alt.value(0.1)),
            tooltip=["d", "n", alt.Tooltip("gap:Q", format=".3f"), alt.Tooltip("h:Q", format=".3f")],
        )
        .add_params(pick)
    )
    low = alt.Chart(curve).mark_line(strokeDash=[4, 3], clip=True).encode(x="gap:Q", y="h:Q", color="d:N")
    up = alt.Chart(upper).mark_line(color="gray", clip=True).encode(x="gap:Q", y="h:Q")
    return (dots + low + up).properties(
        width=460, height=300, title="h(G) against the spectral gap; dashed: lower bounds, grey: upper bound"
    )


def kesten_mckay(d: int, x) -> np.ndarray:
    """The Kesten–McKay density of the eigenvalues of a large random d-regular graph, per unit of
    ``x``: eigenvalues measured in units of the Ramanujan bound ``2 sqrt(d - 1)`` (0 outside ±1)."""
    r = 2 * np.sqrt(d - 1)
    lam = np.asarray(x, dtype=float) * r
    inside = np.abs(lam) < r
    f = np.zeros_like(lam)
    f[inside] = d * np.sqrt(r**2 - lam[inside] ** 2) / (2 * np.pi * (d**2 - lam[inside] ** 2))
    return f * r


def kesten_mckay_chart(spectra: pd.DataFrame, width: int = 440, height: int = 240) -> alt.LayerChart:
    """Histograms of the eigenvalues of random d-regular graphs (``spectra``: ``d``, ``n``,
    ``eigenvalue``, from :func:`ramanujan_lth.sweeps.random_regular_sweep`) in units of
    ``2 sqrt(d - 1)``, as densities, against the Kesten–McKay law (black) and the bound (red);
    the degree and the size picked under the chart."""
    degrees = list(dict.fromkeys(int(d) for d in spectra["d"]))
    sizes = list(dict.fromkeys(int(n) for n in spectra["n"]))
    spec = spectra.assign(x=spectra["eigenvalue"] / (2 * np.sqrt(spectra["d"] - 1)))
    bins = np.linspace(-1.6, 1.6, 41)
    spec["bin"] = pd.cut(spec["x"], bins, labels=(bins[:-1] + bins[1:]) / 2).astype(float)
    hist = spec.groupby(["d", "n", "bin"]).size().rename("count").reset_index()
    hist["density"] = hist["count"] / hist.groupby(["d", "n"])["count"].transform("sum") / np.diff(bins)[0]
    xs = np.linspace(-1.2, 1.2, 121)
    km = pd.DataFrame([{"d": d, "x": x, "density": y} for d in degrees for x, y in zip(xs, kesten_mckay(d, xs))])
    d_pick = alt.param(name="deg", value=degrees[0], bind=alt.binding_select(options=degrees, name="degree d "))
    n_pick = alt.param(name="size", value=sizes[-1], bind=alt.binding_select(options=sizes, name="vertices n "))
    bars = (
        alt.Chart(hist)
        .mark_bar(opacity=0.6)
        .encode(x=alt.X("bin:Q", title="eigenvalue / 2√(d−1)"), y=alt.Y("density:Q", title="density"))
        .transform_filter((alt.datum.d == d_pick) & (alt.datum.n == n_pick))
    )
    law = alt.Chart(km).mark_line(color="black").encode(x="x:Q", y="density:Q").transform_filter(alt.datum.d == d_pick)
    edges = alt.Chart(pd.DataFrame({"x": [-1.0, 1.0]})).mark_rule(strokeDash=[4, 4], color="red").encode(x="x:Q")
    return (
        (bars + law + edges)
        .add_params(d_pick, n_pick)
        .properties(width=width, height=height, title="Spectrum of a random d-regular graph")
    )


def regular_spectrum_chart(ev, d: int, n: int) -> alt.LayerChart:
    """Histogram of the eigenvalues ``ev`` of one d-regular graph on ``n`` vertices (the trivial
    ``d`` left out) with ``±2 sqrt(d - 1)`` in red; the title says ``t(G)`` and whether the graph
    is Ramanujan."""
    ev = np.asarray(ev, dtype=float)
    r = 2 * float(np.sqrt(d - 1))
    t = np.abs(ev).max()
    bars = (
        alt.Chart(pd.DataFrame({"eigenvalue": ev}))
        .mark_bar()
        .encode(x=alt.X("eigenvalue:Q", bin=alt.Bin(maxbins=50)), y="count()")
    )
    rules = alt.Chart(pd.DataFrame({"x": [-r, r]})).mark_rule(color="red", strokeDash=[4, 4]).encode(x="x:Q")
    verdict = "Ramanujan" if t <= r else "not Ramanujan"
    return (bars + rules).properties(
        width=420, height=200, title=f"d={d}, n={n}: t(G) = {t:.3f}, 2√(d−1) = {r:.3f} → {verdict}"
    )


def biregular_chart(bireg: pd.DataFrame) -> alt.Chart:
    """``t2`` over the bipartite degree bound of random biregular graphs against their number of
    right vertices, one line per degree pair (:func:`ramanujan_lth.sweeps.biregular_sweep`)."""
    return (
        alt.Chart(bireg)
        .mark_line(point=True)
        .encode(
            x=alt.X("n_right:Q", scale=alt.Scale(type="log", nice=False, padding=10), title="right vertices"),
            y=alt.Y("mean(t2 / db):Q", scale=alt.Scale(zero=False), title="t₂ / (√(dL − 1) + √(dR − 1))"),
            color=alt.Color("degrees:N", title="(left, right) degrees"),
        )
        .properties(width=400, height=240, title="Random biregular graphs against the bipartite bound")
    )


def random_bipartite_chart(er: pd.DataFrame, cap: float = 5.0) -> alt.LayerChart:
    """Box plots of ΔR and ΔS of Erdős–Rényi bipartite graphs per average left degree
    (:func:`ramanujan_lth.sweeps.random_bipartite_sweep`), ``±inf`` drawn at ``±cap``, with
    the zero line."""
    long = finite(er, ["ΔR", "ΔS"], cap=cap).melt(
        id_vars=["average left degree", "rep"], value_vars=["ΔR", "ΔS"], var_name="Δ"
    )
    boxes = (
        alt.Chart(long)
        .mark_boxplot(extent="min-max")
        .encode(x=alt.X("average left degree:O"), y=alt.Y("value:Q", title="Δ"), color="Δ:N", xOffset="Δ:N")
        .properties(width=480, height=240, title="Random 400×200 bipartite graphs: Δ against the average degree")
    )
    return boxes + alt.Chart(pd.DataFrame({"y": [0]})).mark_rule().encode(y="y:Q")


# ------------------------------------------------------------------ regimes
#: shading of the regimes: three tints a reader tells apart on white (and in grey scale)


def _density_x(title="density (log scale, decreasing →)"):
    return alt.X(
        "density:Q",
        scale=alt.Scale(type="log", reverse=True, nice=False, padding=12),
        title=title,
        axis=alt.Axis(labelOverlap="greedy", labelSeparation=6),
    )


def density_domain(bands: pd.DataFrame) -> list[float]:
    """The density axis of a regime chart: the band edges, no rounding (ascending: the scale reverses it)."""
    return [float(bands["lo"].min()), float(bands["hi"].max())]


def regime_shading(bands: pd.DataFrame) -> alt.Chart:
    """Background rectangles for the three regimes over the density axis."""
    b = bands.assign(name=bands["regime"].map(REGIME_NAMES))
    return (
        alt.Chart(b)
        .mark_rect(opacity=0.55)
        .encode(
            x=alt.X("hi:Q", scale=alt.Scale(type="log", reverse=True, domain=density_domain(bands), nice=False)),
            x2="lo:Q",
            color=alt.Color(
                "name:N",
                title="regime",
                scale=alt.Scale(domain=list(REGIME_NAMES.values()), range=list(REGIME_COLORS.values())),
                legend=alt.Legend(orient="bottom", labelLimit=300, symbolOpacity=0.8),
            ),
            tooltip=[
                "name:N",
                alt.Tooltip("hi:Q", format=".4f", title="from density"),
                alt.Tooltip("lo:Q", format=".4f", title="to density"),
            ],
        )
    )


def accuracy_chart(
    acc: pd.DataFrame, bands: pd.DataFrame, title: str = "", note: str = "", width: int = 460, height: int = 260
):
    """Mean test accuracy against density, one line per noise level, error bars
    = one standard deviation over seeds; click a noise level in the legend.
    ``note`` (what the runs are) goes under the title; where every test set
    gives the same accuracies (a network at chance), the lines coincide and
    a line under the title says so."""
    a = acc.assign(noise=acc["sigma"].map(lambda s: "clean" if s == 0 else f"σ = {s:g}"))
    pick = alt.selection_point(fields=["noise"], bind="legend")
    base = alt.Chart(a).encode(x=_density_x(), color=alt.Color("noise:N", title="test set"))
    # padding: the highest mean does not sit on the plot's top edge
    y_scale = alt.Scale(zero=False, padding=8)
    line = (
        base.mark_line(point=True)
        .encode(
            y=alt.Y("mean(accuracy):Q", title="test accuracy", scale=y_scale),
            opacity=alt.condition(pick, alt.value(1), alt.value(0.1)),
            tooltip=[
                "noise:N",
                alt.Tooltip("mean(density):Q", format=".4f", title="density"),
                alt.Tooltip("mean(accuracy):Q", format=".4f"),
                alt.Tooltip("stdev(accuracy):Q", format=".4f"),
                alt.Tooltip("count(accuracy):Q", title="seeds"),
            ],
        )
        .add_params(pick)
    )
    bars = base.mark_errorbar(extent="stdev").encode(
        y=alt.Y("accuracy:Q", title="test accuracy", scale=y_scale),
        opacity=alt.condition(pick, alt.value(1), alt.value(0.1)),
    )
    lines = subtitle(note) if note else []
    means = a.groupby(["density", "noise"])["accuracy"].mean().unstack("noise")
    if means.shape[1] > 1 and np.allclose(means.to_numpy(), means.iloc[:, [0]].to_numpy(), equal_nan=True):
        lines.append(f"The {means.shape[1]} test sets give the same accuracies: their lines coincide.")
    return (
        alt.layer(regime_shading(bands), alt.layer(bars, line))
        .resolve_scale(color="independent")
        .properties(title=alt.TitleParams(title, subtitle=lines) if lines else title, width=width, height=height)
    )


def _quantity_color():
    # under the plot: beside it, the labels ran past the page's column
    return alt.Color("quantity:N", title=None, legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=200))


def delta_chart(
    spec: pd.DataFrame,
    bands: pd.DataFrame,
    layers,
    title: str = "",
    cap: float = 3.0,
    width: int = 440,
    height: int = 240,
):
    """Δ of one layer (pick it under the chart) against the overall density:
    ΔS and ΔR of the unweighted graph, ΔS of the weighted graph; mean over
    the seeds where Δ is defined, with one standard deviation; ±inf drawn at
    ±cap. Where Δ is undefined for some seeds (``t1 < 1`` or an average
    degree below 1: the bound counts as not satisfied), a triangle at -cap
    says for how many."""
    df = spec[spec["layer"].isin(layers)]
    parts = []
    for graph, col, name in [
        ("unweighted", "delta_s", "ΔS unweighted"),
        ("unweighted", "delta_r", "ΔR unweighted"),
        ("weighted", "delta_s", "ΔS weighted"),
    ]:
        g = df[df["graph"] == graph]
        parts.append(
            pd.DataFrame(
                {
                    "layer": g["layer"],
                    "density": g["overall_density"],
                    "seed": g["seed"],
                    "quantity": name,
                    "delta": g[col].astype(float).clip(-cap, cap),
                }
            )
        )
    every = pd.concat(parts, ignore_index=True)
    long = every.dropna(subset=["delta"])
    undefined = (
        every[every["delta"].isna()]
        .groupby(["layer", "density", "quantity"], as_index=False)
        .agg(seeds=("seed", "count"))
        .assign(delta=-cap, what=f"Δ undefined ({UNDEFINED_DELTA})")
    )
    layer_pick = alt.param(
        name="delta_layer", value=list(layers)[0], bind=alt.binding_select(options=list(layers), name="layer ")
    )
    base = (
        alt.Chart(long).transform_filter(alt.datum.layer == layer_pick).encode(x=_density_x(), color=_quantity_color())
    )
    line = base.mark_line(point=True).encode(
        y=alt.Y("mean(delta):Q", title=f"Δ (capped at ±{cap:g})"),
        tooltip=[
            "layer:N",
            "quantity:N",
            alt.Tooltip("mean(density):Q", format=".4f"),
            alt.Tooltip("mean(delta):Q", format=".3f"),
            alt.Tooltip("count(delta):Q", title="seeds"),
        ],
    )
    band = base.mark_errorband(extent="stdev", opacity=0.25).encode(y=alt.Y("delta:Q", title=f"Δ (capped at ±{cap:g})"))
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="black").encode(y="y:Q")
    curves = [line, band]
    if len(undefined):
        curves.append(
            alt.Chart(undefined)
            .transform_filter(alt.datum.layer == layer_pick)
            .mark_point(shape="triangle-down", size=70, filled=True)
            .encode(
                x=_density_x(),
                y="delta:Q",
                color=_quantity_color(),
                tooltip=["layer:N", "quantity:N", alt.Tooltip("density:Q", format=".4f"), "seeds:Q", "what:N"],
            )
        )
    return (
        alt.layer(regime_shading(bands), alt.layer(*curves), zero)
        .resolve_scale(color="independent")
        .add_params(layer_pick)
        .properties(title=title, width=width, height=height)
    )


def schedule_chart(specs: dict, layers, cap: float = 3.0, width: int = 220, height: int = 220):
    """Two pruning schedules side by side (``specs``: schedule -> spectral
    table): each layer's density against the overall density (left), and the
    unweighted max(ΔS, ΔR) of the layer picked under the chart (right), mean
    over seeds, ±inf drawn at ±cap."""
    rows = []
    for schedule, spec in specs.items():
        g = spec[(spec["graph"] == "unweighted") & spec["layer"].isin(layers)]
        rows.append(
            pd.DataFrame(
                {
                    "schedule": schedule,
                    "layer": g["layer"],
                    "density": g["overall_density"],
                    "layer_density": g["density"],
                    "max_delta": g[["delta_s", "delta_r"]].max(axis=1).astype(float).clip(-cap, cap),
                }
            )
        )
    df = pd.concat(rows, ignore_index=True)
    # shape and dash share one legend (the same field and title merge them); with the dash's legend
    # off, Vega-Lite drew no legend of the shapes either, and with the same legend its symbols smudged
    legend = dict(orient="bottom", direction="vertical", labelLimit=320, titleLimit=320, symbolStrokeColor="black")
    schedule_title = "schedule (point shape and line style)"
    dens = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=_density_x("overall density (log, decreasing →)"),
            y=alt.Y("mean(layer_density):Q", scale=alt.Scale(type="log"), title="layer density (log)"),
            color=alt.Color("layer:N", legend=alt.Legend(orient="bottom")),
            strokeDash=alt.StrokeDash(
                "schedule:N",
                title=schedule_title,
                scale=alt.Scale(domain=list(specs), range=[[1, 0], [5, 3], [2, 2]][: len(specs)]),
                legend=alt.Legend(symbolType="stroke", **legend),
            ),
            shape=alt.Shape(
                "schedule:N",
                title=schedule_title,
                scale=alt.Scale(domain=list(specs), range=["circle", "square", "triangle-up"][: len(specs)]),
                legend=alt.Legend(symbolFillColor="black", **legend),
            ),
            tooltip=[
                "schedule:N",
                "layer:N",
                alt.Tooltip("mean(density):Q", format=".4f", title="overall"),
                alt.Tooltip("mean(layer_density):Q", format=".4f", title="layer"),
            ],
        )
        .properties(title="where each schedule takes the weights", width=width, height=height)
    )
    pick = alt.param(
        name="schedule_layer", value=list(layers)[0], bind=alt.binding_select(options=list(layers), name="layer ")
    )
    delta = (
        alt.Chart(df)
        .transform_filter(alt.datum.layer == pick)
        .mark_line(point=True)
        .encode(
            x=_density_x("overall density (log, decreasing →)"),
            y=alt.Y("mean(max_delta):Q", title=f"max(ΔS, ΔR), unweighted (capped at ±{cap:g})"),
            color=alt.Color(
                "schedule:N",
                scale=alt.Scale(scheme="dark2"),
                legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=320, titleLimit=320),
            ),
            tooltip=[
                "schedule:N",
                "layer:N",
                alt.Tooltip("mean(density):Q", format=".4f"),
                alt.Tooltip("mean(max_delta):Q", format=".3f"),
            ],
        )
        .add_params(pick)
        .properties(title="Δ of the picked layer", width=width, height=height)
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="black").encode(y="y:Q")
    return alt.hconcat(dens, alt.layer(delta, zero)).resolve_scale(color="independent")


def data_lines(rows: pd.DataFrame) -> list[str]:
    """The subtitle lines that say what data our numbers come from: per
    model (the first word of a row's quantity), its rows' distinct ``data``
    notes, each part of a note (``;``-separated) on a line of its own."""
    notes: dict = {}
    if "data" not in rows:
        return []
    for quantity, data in zip(rows["quantity"], rows["data"]):
        seen = notes.setdefault(quantity.split()[0], [])
        if isinstance(data, str) and data and data not in seen:
            seen.append(data)
    lines = []
    for model, datas in notes.items():
        lines += [f"{model}: {part}" for data in datas for part in data.split("; ")]
    return lines


def paper_vs_ours_chart(rows: pd.DataFrame, title: str = "", log: bool = False, width: int = 240):
    """The paper's number and ours for each quantity (rows with both), one
    line of the chart per quantity, with what data ours come from under the
    title (:func:`data_lines`); hover for the explanation."""
    rows = rows.dropna(subset=["paper", "reproduced"])
    df = rows[["quantity", "paper", "reproduced", "spread", "explanation"]]
    tails = {q.rpartition(": ")[2] for q in df["quantity"]}
    if len(tails) == 1 and all(": " in q for q in df["quantity"]):  # said once, in the axis title
        df = df.assign(quantity=df["quantity"].str.rpartition(": ")[0])
        axis_title = tails.pop()
    else:
        axis_title = None
    long = pd.concat(
        [df.assign(source="paper", value=df["paper"]), df.assign(source="ours", value=df["reproduced"])],
        ignore_index=True,
    )
    scale = alt.Scale(type="log") if log else alt.Scale(zero=False)
    x = alt.X("value:Q", title=axis_title, scale=scale)
    link = (
        alt.Chart(df)
        .mark_rule(color="#bbb")
        .encode(y=alt.Y("quantity:N", sort=None, title=None), x=alt.X("paper:Q", scale=scale), x2="reproduced:Q")
    )
    dots = (
        alt.Chart(long)
        .mark_point(size=90, filled=True)
        .encode(
            y=alt.Y("quantity:N", sort=None, title=None),
            x=x,
            color=alt.Color(
                "source:N",
                title=None,
                scale=alt.Scale(domain=["paper", "ours"], range=["#999", "#d62728"]),
                legend=alt.Legend(orient="bottom", labelLimit=200),
            ),
            tooltip=["quantity:N", "source:N", alt.Tooltip("value:Q", format=".4g"), "spread:N", "explanation:N"],
        )
    )
    return (
        alt.layer(link, dots)
        .configure_axisY(labelLimit=330)  # the whole quantity in the tooltip
        .properties(
            # from the left edge of the labels: centred over the plot, the data lines ran past the page's column
            title=alt.TitleParams(title, subtitle=data_lines(rows) or alt.Undefined, anchor="start", frame="bounds"),
            width=width,
            height=max(60, 22 * len(df)),
        )
    )


def output_rate_chart(frame: pd.DataFrame, paper: pd.DataFrame | None = None, width: int = 220, height: int = 240):
    """Two panels over density for the score picked in a dropdown: test
    accuracy, one line per output-layer rate (the paper's points, rows of
    ``paper`` with ``score``, ``density`` and ``accuracy``, as black
    diamonds), and the output layer's surviving weights (log scale) against a
    rule at one weight per class."""
    scores = list(dict.fromkeys(frame["score"]))
    pick_score = alt.param(name="rate_score", value=scores[0], bind=alt.binding_select(options=scores, name="score "))
    color = alt.Color(
        "output rate:N", title="output layer", legend=alt.Legend(orient="bottom", labelLimit=200, titleLimit=200)
    )
    pick = alt.selection_point(fields=["output rate"], bind="legend")
    opacity = alt.condition(pick, alt.value(1), alt.value(0.15))
    tip = [
        "score:N",
        "output rate:N",
        "round:Q",
        alt.Tooltip("density:Q", format=".4f"),
        alt.Tooltip("accuracy:Q", format=".4f"),
        "output weights:Q",
    ]
    chosen = alt.datum.score == pick_score
    acc = (
        alt.Chart(frame)
        .transform_filter(chosen)
        .mark_line(point=True)
        .encode(
            x=_density_x(),
            y=alt.Y("accuracy:Q", title="test accuracy", scale=alt.Scale(domain=[0, 1])),
            color=color,
            opacity=opacity,
            tooltip=tip,
        )
        .add_params(pick, pick_score)
    )
    if paper is not None and len(paper):
        diamonds = (
            alt.Chart(paper.assign(source="the paper's Table 3"))
            .transform_filter(chosen)
            .mark_point(shape="diamond", size=110, filled=True)
            .encode(
                x="density:Q",
                y="accuracy:Q",
                color=alt.Color(
                    "source:N",
                    title=None,
                    scale=alt.Scale(range=["black"]),
                    legend=alt.Legend(orient="bottom", labelLimit=200),
                ),
                tooltip=[
                    "source:N",
                    "score:N",
                    alt.Tooltip("density:Q", format=".4f"),
                    alt.Tooltip("accuracy:Q", format=".4f"),
                ],
            )
        )
        acc = alt.layer(acc, diamonds).resolve_scale(color="independent")
    weights = (
        alt.Chart(frame)
        .transform_filter(chosen)
        .mark_line(point=True)
        .encode(
            x=_density_x(),
            y=alt.Y("output weights:Q", scale=alt.Scale(type="log"), title="output-layer weights left"),
            color=alt.Color("output rate:N", legend=None),  # the left panel's legend is for both
            opacity=opacity,
            tooltip=tip,
        )
    )  # the selections are defined once, on the left panel
    rule = pd.DataFrame({"y": [float(frame["classes"].iloc[0])], "label": ["one weight per class"]})
    weights = weights + alt.Chart(rule).mark_rule(strokeDash=[4, 3], color="black").encode(y="y:Q", tooltip=["label:N"])
    return alt.hconcat(
        acc.properties(width=width, height=height, title="test accuracy"),
        weights.properties(width=width, height=height, title="the output layer"),
    )


# ------------------------------------------------------------------ controls and verdicts


def _kind_color(title: str = "mask", kinds=None):
    """The kinds of mask in their colours; ``kinds``: those present (default: tickets and controls)."""
    kinds = [k for k in KIND_COLORS if k in set(kinds)] if kinds is not None else ["ticket", "biregular", "random"]
    return alt.Color(
        "kind:N",
        title=title,
        scale=alt.Scale(domain=kinds, range=[KIND_COLORS[k] for k in kinds]),
        legend=alt.Legend(orient="bottom", labelLimit=300, columns=4),
    )


def _test_set_param(name: str, sets) -> alt.Parameter:
    sets = list(sets)
    return alt.param(name=name, value=sets[0], bind=alt.binding_select(options=sets, name="test set "))


def kinds_accuracy_chart(long_acc: pd.DataFrame, title: str = "", width: int = 460, height: int = 260):
    """Mean accuracy (points) against density for tickets and their controls,
    error bars one standard deviation over seeds; the test set is picked
    under the chart."""
    pick = _test_set_param("kinds_set", dict.fromkeys(long_acc["test set"]))
    base = (
        alt.Chart(long_acc)
        .transform_filter(alt.datum["test set"] == pick)
        .encode(x=_density_x(), color=_kind_color(kinds=set(long_acc["kind"])))
    )
    line = base.mark_line(point=True).encode(
        y=alt.Y("mean(accuracy):Q", title="test accuracy (%)", scale=alt.Scale(zero=False)),
        tooltip=[
            "kind:N",
            "test set:N",
            alt.Tooltip("mean(density):Q", format=".4f", title="density"),
            alt.Tooltip("mean(accuracy):Q", format=".2f"),
            alt.Tooltip("stdev(accuracy):Q", format=".2f"),
            alt.Tooltip("count(accuracy):Q", title="seeds"),
        ],
    )
    bars = base.mark_errorbar(extent="stdev").encode(y=alt.Y("accuracy:Q", title="test accuracy (%)"))
    return alt.layer(bars, line).add_params(pick).properties(title=title, width=width, height=height)


def _picked_histogram(hist: pd.DataFrame, pick, x_title: str, y_title: str):
    """Bars of a pre-binned histogram (``lo``, ``hi``, ``count``) for the rows ``pick`` selects."""
    return (
        alt.Chart(hist)
        .transform_filter(pick)
        .mark_rect(color="#4c78a8")
        .encode(
            x=alt.X("lo:Q", title=x_title),
            x2="hi:Q",
            y=alt.Y("count:Q", title=y_title),
            y2=alt.datum(0),
            tooltip=[alt.Tooltip("lo:Q", format=".2f"), alt.Tooltip("hi:Q", format=".2f"), "count:Q"],
        )
    )


def _picked_label(summary: pd.DataFrame, pick, expression: str):
    """One line of text above the plot (a Vega expression over the selected summary row)."""
    return (
        alt.Chart(summary)
        .transform_filter(pick)
        .transform_calculate(text=expression)
        .mark_text(align="left", x=5, y=-8, fontSize=12)
        .encode(text="text:N")
    )


def spectrum_explorer(hist: pd.DataFrame, summary: pd.DataFrame, width: int = 420, height: int = 200):
    """The eigenvalues of one random d-regular graph (trivial ``d`` left out) against ``±2 sqrt(d-1)``,
    the graph picked with sliders for d, n and the draw seed under the chart; from
    :func:`ramanujan_lth.graphs.spectrum_grid`, so it works on a static page."""
    ds, ns, seeds = sorted(summary["d"].unique()), sorted(summary["n"].unique()), sorted(summary["seed"].unique())
    d = alt.param(
        name="spec_d",
        value=int(ds[min(1, len(ds) - 1)]),
        bind=alt.binding_range(min=int(ds[0]), max=int(ds[-1]), step=1, name="degree d "),
    )
    n = alt.param(
        name="spec_n",
        value=int(ns[len(ns) // 2]),
        bind=alt.binding_select(options=[int(x) for x in ns], name="vertices n "),
    )
    seed = alt.param(
        name="spec_seed",
        value=int(seeds[0]),
        bind=alt.binding_range(min=int(seeds[0]), max=int(seeds[-1]), step=1, name="draw "),
    )
    pick = (alt.datum.d == d) & (alt.datum.n == n) & (alt.datum.seed == seed)
    s = summary.assign(
        minus=-summary["bound"], verdict=summary["ramanujan"].map({True: "Ramanujan", False: "not Ramanujan"})
    )
    rules = (
        alt.Chart(s)
        .transform_filter(pick)
        .transform_fold(["bound", "minus"], as_=["side", "x"])
        .mark_rule(color="red", strokeDash=[4, 4])
        .encode(x="x:Q")
    )
    label = _picked_label(
        s,
        pick,
        "'t(G) = ' + format(datum.t, '.3f') + ',  2√(d−1) = ' + format(datum.bound, '.3f') + '  →  ' + datum.verdict",
    )
    bars = _picked_histogram(hist, pick, "eigenvalue (the trivial one, d, left out)", "eigenvalues")
    return (
        alt.layer(bars, rules, label)
        .add_params(d, n, seed)
        .properties(width=width, height=height, title="A random d-regular graph's spectrum against the Ramanujan bound")
    )


def layer_spectrum_explorer(hist: pd.DataFrame, summary: pd.DataFrame, width: int = 420, height: int = 200):
    """A layer's singular values under a random mask (the largest, t1, left out) with t2 and the two
    bounds marked; the layer, the density and the mask seed picked under the chart. From
    :func:`ramanujan_lth.sweeps.singular_value_grid`, so it works on a static page."""
    hist = hist.assign(which=hist["network"] + " · " + hist["layer"])
    s = summary.assign(which=summary["network"] + " · " + summary["layer"])
    whichs = list(dict.fromkeys(s["which"]))
    densities = sorted(s["density"].unique(), reverse=True)
    seeds = sorted(s["seed"].unique())
    layer = alt.param(name="sv_layer", value=whichs[0], bind=alt.binding_select(options=whichs, name="layer "))
    density = alt.param(
        name="sv_density",
        value=float(densities[len(densities) // 2]),
        bind=alt.binding_select(options=[float(d) for d in densities], name="density "),
    )
    seed = alt.param(
        name="sv_seed",
        value=int(seeds[0]),
        bind=alt.binding_range(min=int(seeds[0]), max=int(max(seeds[-1], seeds[0] + 1)), step=1, name="mask seed "),
    )
    pick = (alt.datum.which == layer) & (alt.datum.density == density) & (alt.datum.seed == seed)
    marks = (
        alt.Chart(s)
        .transform_filter(pick)
        .transform_fold(["t2", "eb", "db"], as_=["what", "x"])
        .mark_rule(strokeWidth=2)
        .encode(
            x="x:Q",
            color=alt.Color("what:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=["what:N", alt.Tooltip("x:Q", format=".3f")],
        )
    )
    label = _picked_label(
        s,
        pick,
        "'t1 = ' + format(datum.t1, '.2f') + ',  ΔS = ' + format(datum.delta_s, '.3f') + ',  ΔR = ' + "
        "format(datum.delta_r, '.3f')",
    )
    bars = _picked_histogram(hist, pick, "singular value (t1 left out)", "singular values")
    return (
        alt.layer(bars, marks, label)
        .add_params(layer, density, seed)
        .properties(width=width, height=height, title="A layer's singular values under a random mask")
    )


def layer_delta_explorer(sweep: pd.DataFrame, cap: float = 2.0) -> alt.LayerChart:
    """ΔS and ΔR of one layer under random masks against the mask's density (mean over masks as a
    line, each mask a point, hollow circles where the layer's graph fell apart), the network and
    layer picked under the chart; from :func:`ramanujan_lth.sweeps.random_mask_sweeps`, so it works
    on a static page. ``±inf`` drawn at ``±cap``."""
    long = delta_long(
        finite(sweep, ["delta_s", "delta_r"], cap=cap), ["model", "layer", "seed", "target_density", "components"]
    )
    long["label"] = long["model"] + " · " + long["layer"]
    long["graph is"] = np.where(long["components"] > 1, "disconnected", "connected")
    labels = list(dict.fromkeys(long["label"]))
    choice = alt.param(name="layer_pick", value=labels[0], bind=alt.binding_select(options=labels, name="layer "))
    base = alt.Chart(long).transform_filter(alt.datum.label == choice)
    x = alt.X("target_density:Q", scale=alt.Scale(type="log", reverse=True), title="density (log, decreasing →)")
    lines = base.mark_line().encode(
        x=x,
        y=alt.Y("mean(delta):Q", title="Δ", scale=alt.Scale(domain=[-1, 2])),
        color=alt.Color("bound:N", title=None, legend=alt.Legend(orient="bottom")),
    )
    points = base.mark_point(size=50, filled=False).encode(
        x=x,
        y="delta:Q",
        color="bound:N",
        shape=alt.Shape(
            "graph is:N",
            scale=alt.Scale(domain=["connected", "disconnected"], range=["square", "circle"]),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=[
            "label",
            alt.Tooltip("target_density:Q", format=".4f"),
            "bound",
            alt.Tooltip("delta:Q", format=".3f"),
            "components",
        ],
    )
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="black").encode(y="y:Q")
    return (
        (lines + points + zero)
        .add_params(choice)
        .properties(width=480, height=280, title="Δ of one layer under random masks")
    )


def singular_value_chart(B, what: str) -> alt.LayerChart:
    """Histogram of the singular values of the bi-adjacency ``B`` (the largest, ``t1``, left out)
    with ``t2`` and the two bounds ``eb``, ``db`` marked; the title is ``what`` followed by ``t1``,
    ΔS and ΔR (:func:`ramanujan_lth.spectral.bipartite_spectrum`)."""
    s = singular_values(B)
    rec = bipartite_spectrum(B)
    marks = pd.DataFrame({"x": [rec.t2, rec.eb, rec.db], "what": ["t2", "eb", "db"]})
    hist = (
        alt.Chart(pd.DataFrame({"singular value": s[1:]}))
        .mark_bar()
        .encode(x=alt.X("singular value:Q", bin=alt.Bin(maxbins=60)), y="count()")
    )
    rules = alt.Chart(marks).mark_rule(strokeWidth=2).encode(x="x:Q", color="what:N", tooltip=["what", "x"])
    return (hist + rules).properties(
        width=440,
        height=200,
        title=f"{what}: t1={rec.t1:.2f}, ΔS={rec.delta_s:.3f}, ΔR={rec.delta_r:.3f}",
    )


def weighted_graph_charts(weighted: pd.DataFrame, cap: float = 6.0) -> tuple:
    """Random masks on the weighted graph against the unweighted one, per network (a sweep over
    both graphs, :func:`ramanujan_lth.sweeps.random_mask_sweeps`): ``t1`` against the density
    with ``t1 = 1`` in grey, and ΔS (``+inf`` drawn at ``cap``, NaN left out); the two charts
    share one legend selection of the layer. Returns ``(t1 chart, ΔS chart)``."""
    x = alt.X(
        "target_density:Q",
        scale=alt.Scale(type="log", reverse=True, nice=False, padding=10),
        title="density of the random mask (log, decreasing →)",
        axis=alt.Axis(labelOverlap="greedy"),
    )
    pick = alt.selection_point(fields=["layer"], bind="legend")
    enc = dict(
        x=x,
        color=alt.Color("layer:N", legend=alt.Legend(orient="bottom")),
        strokeDash=alt.StrokeDash("graph:N", legend=alt.Legend(symbolType="stroke", orient="bottom")),
        opacity=alt.condition(pick, alt.value(1), alt.value(0.15)),
        tooltip=["model", "layer", "graph", "target_density", "t1", "t2", "delta_s"],
    )
    t1_line = (
        alt.Chart()
        .mark_line(point=True)
        .encode(y=alt.Y("t1:Q", scale=alt.Scale(type="log"), title="t₁"), **enc)
        .add_params(pick)
    )
    one = alt.Chart().mark_rule(color="gray").encode(y=alt.datum(1.0))
    t1_chart = (
        alt.layer(t1_line, one, data=weighted)
        .properties(width=240, height=220)
        .facet(column=alt.Column("model:N", title=None))
        .properties(title="t₁ of the weighted graph; grey: t₁ = 1")
    )
    ds = finite(weighted.dropna(subset=["delta_s"]), ["delta_s"], cap=cap)
    ds_chart = (
        alt.Chart(ds)
        .mark_line(point=True)
        .encode(y=alt.Y("delta_s:Q", title=f"ΔS (capped at {cap:g})"), **enc)
        .add_params(pick)
        .properties(width=240, height=220)
        .facet(column=alt.Column("model:N", title=None))
        .properties(title=f"ΔS of the weighted graph (+∞ drawn at {cap:g})")
    )
    return t1_chart, ds_chart


def kinds_accuracy_sets(
    long_acc: pd.DataFrame, sets=("clean", "σ = 0.3"), title: str = "", width: int = 210, height: int = 220
):
    """:func:`kinds_accuracy_chart` for two test sets side by side (clean and the noisiest, by
    default), each with its own accuracy axis; error bars one standard deviation over seeds."""
    panels = []
    for name in [s for s in sets if s in set(long_acc["test set"])]:
        base = alt.Chart(long_acc[long_acc["test set"] == name]).encode(
            x=_density_x(), color=_kind_color(kinds=set(long_acc["kind"]))
        )
        y = alt.Y("mean(accuracy):Q", title="test accuracy (%)", scale=alt.Scale(zero=False))
        line = base.mark_line(point=True).encode(
            y=y,
            tooltip=[
                "kind:N",
                alt.Tooltip("mean(density):Q", format=".4f", title="density"),
                alt.Tooltip("mean(accuracy):Q", format=".2f"),
                alt.Tooltip("count(accuracy):Q", title="seeds"),
            ],
        )
        bars = base.mark_errorbar(extent="stdev").encode(y=alt.Y("accuracy:Q", title="test accuracy (%)"))
        panels.append(alt.layer(bars, line).properties(title=name, width=width, height=height))
    return alt.hconcat(*panels).properties(title=title)


def difference_chart(summary: pd.DataFrame, title: str = "", width: int = 460, height: int = 240):
    """Matched differences (points) against density, one line per pair, error
    bars one standard deviation over seeds; test set picked under the chart."""
    pick = _test_set_param("diff_set", dict.fromkeys(summary["test set"]))
    s = summary.assign(lo=summary["mean"] - summary["sd"], hi=summary["mean"] + summary["sd"])
    base = (
        alt.Chart(s)
        .transform_filter(alt.datum["test set"] == pick)
        .encode(
            x=_density_x(), color=alt.Color("pair:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=300))
        )
    )
    line = base.mark_line(point=True).encode(
        y=alt.Y("mean:Q", title="accuracy difference (points)"),
        tooltip=[
            "pair:N",
            "test set:N",
            alt.Tooltip("density:Q", format=".4f"),
            alt.Tooltip("mean:Q", format="+.2f"),
            alt.Tooltip("sd:Q", format=".2f"),
            "seeds:Q",
            alt.Tooltip("positive:Q", title="seeds above 0"),
        ],
    )
    bars = base.mark_rule().encode(y="lo:Q", y2="hi:Q")
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="black").encode(y="y:Q")
    return alt.layer(bars, line, zero).add_params(pick).properties(title=title, width=width, height=height)


def kinds_quantity_chart(long_q: pd.DataFrame, layers, title: str = "", width: int = 460, height: int = 240):
    """A graph quantity of one layer (both picked under the chart) against
    density for tickets and controls; mean and standard deviation over seeds."""
    q = long_q.assign(name=long_q["quantity"].map(QUANTITY_NAMES))
    names = [QUANTITY_NAMES[k] for k in QUANTITY_NAMES if k in set(long_q["quantity"])]
    pick_q = alt.param(name="kinds_quantity", value=names[0], bind=alt.binding_select(options=names, name="quantity "))
    pick_l = alt.param(
        name="kinds_layer", value=list(layers)[0], bind=alt.binding_select(options=list(layers), name="layer ")
    )
    base = (
        alt.Chart(q)
        .transform_filter((alt.datum.name == pick_q) & (alt.datum.layer == pick_l))
        .encode(x=_density_x(), color=_kind_color(kinds=set(q["kind"])))
    )
    line = base.mark_line(point=True).encode(
        y=alt.Y("mean(value):Q", title="value (see the quantity picked)"),
        tooltip=[
            "kind:N",
            "name:N",
            "layer:N",
            alt.Tooltip("mean(density):Q", format=".4f"),
            alt.Tooltip("mean(value):Q", format=".4f"),
            alt.Tooltip("count(value):Q", title="seeds"),
        ],
    )
    band = base.mark_errorbar(extent="stdev").encode(y=alt.Y("value:Q", title="value (see the quantity picked)"))
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="black", strokeDash=[3, 3]).encode(y="y:Q")
    return alt.layer(band, line, zero).add_params(pick_q, pick_l).properties(title=title, width=width, height=height)


def gain_chart(gains: pd.DataFrame, labels: dict, title: str = "", width: int = 260):
    """Held-out gain (points) of adding each quantity to the density-only
    model: one dot per held-out seed, the mean as a bar."""
    g = gains.assign(label=gains["quantity"].map(labels))
    order = [labels[k] for k in labels if k in set(gains["quantity"])]
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    bar = (
        alt.Chart(g)
        .mark_bar(opacity=0.35, color="#4c78a8")
        .encode(
            y=y,
            x=alt.X("mean(gain):Q", title="lower held-out error with the quantity (points)"),
            tooltip=[
                "label:N",
                alt.Tooltip("mean(gain):Q", format="+.4f"),
                alt.Tooltip("count(gain):Q", title="folds"),
            ],
        )
    )
    dots = (
        alt.Chart(g)
        .mark_point(filled=True, size=45, color="#4c78a8")
        .encode(
            y=y,
            x="gain:Q",
            tooltip=[
                "label:N",
                alt.Tooltip("seed:Q", title="held-out seed"),
                alt.Tooltip("gain:Q", format="+.4f"),
                "networks:Q",
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="black").encode(x="x:Q")
    return alt.layer(bar, dots, zero).properties(title=title, width=width, height=max(80, 28 * len(order)))


def regime_rules_chart(rules: pd.DataFrame, title: str = "", width: int = 440):
    """The regime of each round under each rule (rows ``rule``, ``round``,
    ``density``, ``regime``), as coloured marks along the density axis."""
    r = rules.assign(name=rules["regime"].map(REGIME_NAMES))
    colors = {REGIME_NAMES[k]: c for k, c in REGIME_COLORS.items()}
    return (
        alt.Chart(r)
        .mark_square(size=150)
        .encode(
            x=_density_x("overall density (log, decreasing →)"),
            y=alt.Y("rule:N", title=None),
            color=alt.Color(
                "name:N",
                title="regime",
                scale=alt.Scale(domain=list(colors), range=list(colors.values())),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=["rule:N", "round:Q", alt.Tooltip("density:Q", format=".4f"), "name:N"],
        )
        .properties(title=title, width=width, height=70)
    )


def rejection_chart(tests: pd.DataFrame, row: str, rows, rejected: str, tooltip, title="", width: int = 460):
    """One-sided t-tests along the density axis (chapter 5): a mark per row
    of ``tests`` (columns ``density``, ``rejected`` and ``row``), one line
    per value of ``row`` in the order ``rows``, red where H0 is rejected
    (labelled ``rejected``)."""
    t = tests.assign(H0=tests["rejected"].map({True: rejected, False: "not rejected"}))
    return (
        alt.Chart(t)
        .mark_point(size=90, filled=True)
        .encode(
            x=_density_x("overall density (log, decreasing →)"),
            y=alt.Y(f"{row}:N", sort=list(rows), title=None),
            color=alt.Color(
                "H0:N",
                scale=alt.Scale(domain=["not rejected", rejected], range=["#9ecae1", "#d62728"]),
                legend=alt.Legend(orient="bottom", labelLimit=300),
            ),
            tooltip=list(tooltip),
        )
        .properties(title=title, width=width, height=30 * len(rows))
    )


def loss_test_chart(tests: pd.DataFrame, layers, title: str = "", note: str = "", width: int = 460):
    """:func:`rejection_chart` of the layers' t-tests of H0 ``max(ΔS, ΔR) >= 0``
    (:func:`ramanujan_lth.stats.delta_tests`), one line per layer of ``layers``, red where the
    layer has significantly lost the property; the tooltip gives the network's and the layer's
    density, the mean, its confidence bounds, the p-value and the number of runs. ``note``: the
    subtitle (what runs these are)."""
    return rejection_chart(
        tests.rename(columns={"overall_density": "density"}),
        "layer",
        layers,
        "rejected: property lost",
        tooltip=[
            "layer",
            "round",
            alt.Tooltip("density:Q", format=".4f", title="overall density"),
            alt.Tooltip("layer_density:Q", format=".4f"),
            alt.Tooltip("mean:Q", format=".4f"),
            alt.Tooltip("lower:Q", format=".4f"),
            alt.Tooltip("upper:Q", format=".4f"),
            alt.Tooltip("p:Q", format=".3g"),
            "n",
        ],
        title=alt.TitleParams(title, subtitle=subtitle(note)),
        width=width,
    )


def criterion_charts(frame: pd.DataFrame, cap: float = 3.0, width: int = 220, height: int = 230):
    """Algorithm 1 under one criterion (picked under the charts): on the left
    the Δ that criterion reads, per layer, against the network's density
    (ICLR Figure 9); on the right the test accuracy on the clean and noisy
    sets (Figure 10). ±inf drawn at ±cap."""
    crits = list(dict.fromkeys(frame["criterion"]))
    pick = alt.param(name="criterion_pick", value=crits[0], bind=alt.binding_select(options=crits, name="criterion "))
    f = frame.assign(delta=frame["delta"].clip(-cap, cap))
    chosen = alt.datum.criterion == pick
    delta = (
        alt.Chart(f)
        .transform_filter(chosen)
        .mark_line(point=True)
        .encode(
            x=_density_x(),
            y=alt.Y("delta:Q", title=f"Δ the criterion reads (capped at ±{cap:g})"),
            color=alt.Color("layer:N", legend=alt.Legend(orient="bottom")),
            tooltip=[
                "criterion:N",
                "layer:N",
                "round:Q",
                alt.Tooltip("density:Q", format=".4f"),
                alt.Tooltip("layer density:Q", format=".4f"),
                alt.Tooltip("delta:Q", format=".3f"),
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="black").encode(y="y:Q")
    sets = [c for c in frame.columns if c == "accuracy" or c.startswith("σ = ")]
    acc = frame.drop_duplicates(["criterion", "round"]).melt(
        id_vars=["criterion", "round", "density"], value_vars=sets, var_name="test set", value_name="test accuracy"
    )
    acc["test set"] = acc["test set"].replace({"accuracy": "clean"})
    accuracy = (
        alt.Chart(acc)
        .transform_filter(chosen)
        .mark_line(point=True)
        .encode(
            x=_density_x(),
            y=alt.Y("test accuracy:Q", scale=alt.Scale(zero=False)),
            color=alt.Color("test set:N", scale=alt.Scale(scheme="viridis"), legend=alt.Legend(orient="bottom")),
            tooltip=[
                "criterion:N",
                "test set:N",
                "round:Q",
                alt.Tooltip("density:Q", format=".4f"),
                alt.Tooltip("test accuracy:Q", format=".4f"),
            ],
        )
    )
    return alt.hconcat(
        alt.layer(delta, zero).add_params(pick).properties(width=width, height=height, title="Δ per layer"),
        accuracy.properties(width=width, height=height, title="test accuracy"),
    ).resolve_scale(color="independent")


def candidates_chart(steps: pd.DataFrame, width: int = 360, height: int = 220):
    """Algorithm 1's candidates of one layer in one round (rows of
    :func:`ramanujan_lth.results.candidate_frame`), with a menu for the
    score, a slider for the round and a menu for the layer: Δ per k and
    quantity, shaped by the decision. It opens on the first layer and round
    where the algorithm accepted a rate after rejecting the most (or, when
    it never did, tried the most), not on one where it took the first."""
    steps = steps.assign(delta=steps["delta"].astype(float).clip(-2, 2)).dropna(subset=["delta"])
    scores = list(dict.fromkeys(steps["score"]))
    layers = list(dict.fromkeys(steps["layer"]))
    groups = steps.groupby(["score", "round", "layer"], sort=False)
    tried = groups["k"].nunique()
    accepted = groups["decision"].agg(lambda d: (d == "accept").any())
    score0, round0, layer0 = (tried[accepted] if accepted.any() and tried[accepted].max() > 1 else tried).idxmax()
    score_pick = alt.param(name="score_pick", value=score0, bind=alt.binding_select(options=scores, name="score "))
    round_pick = alt.param(
        name="round_pick",
        value=int(round0),
        bind=alt.binding_range(min=0, max=int(steps["round"].max()), step=1, name="round "),
    )
    layer_pick = alt.param(name="layer_pick4", value=layer0, bind=alt.binding_select(options=layers, name="layer "))
    shown = (alt.datum.score == score_pick) & (alt.datum.round == round_pick) & (alt.datum.layer == layer_pick)
    decisions = alt.Scale(domain=["accept", "reject", "guard"], range=["circle", "cross", "triangle"])
    points = (
        alt.Chart(steps)
        .transform_filter(shown)
        .mark_point(size=120, filled=True)
        .encode(
            x=alt.X("k:O", title="k (rate p / 2^k)"),
            y=alt.Y("delta:Q", title="Δ (capped at ±2)", scale=alt.Scale(domain=[-1, 2])),
            color="quantity:N",
            shape=alt.Shape("decision:N", scale=decisions),
            tooltip=[
                "score",
                "round",
                "layer",
                "k",
                alt.Tooltip("rate:Q", format=".4f"),
                "quantity",
                alt.Tooltip("delta:Q", format=".4f"),
                "decision",
                "reason",
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="black").encode(y="y:Q")
    return (
        (points + zero)
        .add_params(score_pick, round_pick, layer_pick)
        .properties(width=width, height=height, title="Algorithm 1: the candidates of one layer in one round")
    )


#: colours of chapter 4's -Bound minus * bars: our seed 0 by profile, other seeds, the paper
GAIN_COLORS = {
    "ours (stored full runs)": "#d62728",
    "ours (paper profile)": "#d62728",
    "ours (quick profile)": "#ff9896",
}
OTHER_SEED_COLORS = ["#9467bd", "#c5b0d5", "#8c6d31", "#bd9e39", "#e7ba52"]


def bound_gain_chart(gain: pd.DataFrame, width: int = 420, title: str = ""):
    """-Bound minus ``*`` accuracy (points) per score and source (columns
    ``score``, ``source``, ``density %``, ``difference``): one bar each,
    labelled with its value, the paper's in grey."""
    more = sorted(set(gain["source"]) - set(GAIN_COLORS) - {"paper"})  # other seeds, each its own colour
    palette = {**GAIN_COLORS, **dict(zip(more, OTHER_SEED_COLORS * 2)), "paper": "#999999"}
    sources = [k for k in palette if k in set(gain["source"])]
    low, high = min(0, gain["difference"].min()), max(0, gain["difference"].max())
    pad = 0.15 * (high - low) + 0.5  # room for the labels
    enc = dict(
        y=alt.Y("score:N", title=None),
        yOffset=alt.YOffset("source:N", sort=sources),
        x=alt.X(
            "difference:Q",
            title="X-Bound minus X* accuracy (points, same density)",
            scale=alt.Scale(domain=[low - pad, high + pad]),
        ),
        color=alt.Color(
            "source:N",
            title=None,
            scale=alt.Scale(domain=sources, range=[palette[k] for k in sources]),
            legend=alt.Legend(orient="bottom", labelLimit=300),
        ),
        tooltip=[
            "score",
            "source",
            alt.Tooltip("density %:Q", format=".3g"),
            alt.Tooltip("difference:Q", format=".2f", title="X-Bound minus X* (points)"),
        ],
    )
    bars = alt.Chart(gain).mark_bar().encode(**enc)
    text = dict({k: v for k, v in enc.items() if k != "color"}, text=alt.Text("difference:Q", format="+.2f"))
    labels = [
        alt.Chart(gain).transform_filter(sign).mark_text(align=side, dx=dx, fontSize=10).encode(**text)
        for sign, side, dx in [("datum.difference >= 0", "left", 4), ("datum.difference < 0", "right", -4)]
    ]
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="black").encode(x="x:Q")
    n_scores = gain["score"].nunique()
    return alt.layer(bars, *labels, zero).properties(
        width=width,
        height=max(45, 18 * len(sources)) * n_scores,
        title=title or "Does the bound beat plain pruning at the density it reaches?",
    )


# ------------------------------------------------------------------ any network, layer by layer
def layer_chart(table: pd.DataFrame, title: str = "", cap: float = 2.0, height: int = 170) -> alt.VConcatChart:
    """Per layer of :func:`ramanujan_lth.analyse.network`'s report: the
    larger Δ of the two bounds (top) and the normalised margin r (bottom),
    in the network's order, with the Ramanujan bound (0) as a line. A layer
    above the line has the property; infinite or larger Δ is drawn at
    ``cap`` as a triangle."""
    df = table.reset_index(drop=True).copy()
    df["order"] = np.arange(len(df))
    df["delta"] = df[["delta_s", "delta_r"]].max(axis=1, skipna=True)
    df = finite(df, ["delta"], cap=cap)
    df["shown"] = np.where(df["delta"] >= cap, f"≥ {cap:g} or infinite", "as computed")
    df["Ramanujan"] = np.where(df["ramanujan"].astype(bool), "yes", "no")
    width = int(min(1000, max(360, 14 * len(df))))
    x = alt.X(
        "layer:N",
        scale=alt.Scale(domain=list(df["layer"])),
        title=None,
        axis=alt.Axis(labelAngle=-60, labelLimit=170),
    )
    color = alt.Color(
        "Ramanujan:N",
        scale=alt.Scale(domain=["yes", "no"], range=["#4c78a8", "#e45756"]),
        legend=alt.Legend(title="Ramanujan layer", orient="top"),
    )
    shape = alt.Shape(
        "shown:N",
        scale=alt.Scale(domain=["as computed", f"≥ {cap:g} or infinite"], range=["circle", "triangle-up"]),
        legend=alt.Legend(title="Δ", orient="top"),
    )
    tips = ["layer", "kind", "n_left", "n_right", "density", "delta_s", "delta_r", "r", "undefined"]
    base = alt.Chart(df).encode(x=x, color=color, tooltip=tips)
    rule = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(strokeDash=[4, 3], color="#555").encode(y="y:Q")

    def panel(y, y_title, data, shape):
        marks = data.mark_point(filled=True, size=45).encode(y=alt.Y(y, title=y_title), shape=shape)
        return alt.layer(marks, rule).properties(width=width, height=height)

    top = panel("delta:Q", ["Δ = max(ΔS, ΔR)", "dashed: the Ramanujan bound"], base, shape)
    bottom = panel(
        "r:Q",
        ["r = 1 − t2 / db", "dashed: the degree bound"],
        base.transform_filter("isValid(datum.r)"),
        alt.value("circle"),
    )
    chart = alt.vconcat(top, bottom)
    return chart.properties(title=title) if title else chart


def layer_split_chart(split: pd.DataFrame) -> alt.Chart:
    """Where the weights went: each layer's density under -Bound and under ``*``
    at the same overall density, one row per score
    (:func:`ramanujan_lth.comparison.layer_split_frame`)."""
    nets = ["X-Bound (Algorithm 1)", "X* (plain, same density)"]
    return (
        alt.Chart(split)
        .mark_point(filled=True, size=90)
        .encode(
            x=alt.X("density %:Q", scale=alt.Scale(type="log"), title="share of the layer's weights kept (%, log)"),
            y=alt.Y("layer:N", title=None),
            color=alt.Color(
                "network:N",
                scale=alt.Scale(domain=nets, range=["#1f77b4", "#ff7f0e"]),
                legend=alt.Legend(orient="bottom", labelLimit=300),
            ),
            shape=alt.Shape(
                "network:N",
                scale=alt.Scale(domain=nets, range=["circle", "diamond"]),
                legend=alt.Legend(orient="bottom"),
            ),
            row=alt.Row("score:N", title=None),
            tooltip=["score", "network", "layer", alt.Tooltip("density %:Q", format=".3g")],
        )
        .properties(width=380, height=70, title="Where the weights went: X-Bound and X* at the same overall density")
    )


def pruning_paths_chart(paths: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Accuracy against density, round after round, of the plain pruner and its
    -Bound variant per score; click a score in the legend to pick it out
    (:func:`ramanujan_lth.comparison.trajectory_frame`)."""
    pick = alt.selection_point(fields=["score"], bind="legend")
    return (
        alt.Chart(paths)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "density:Q",
                scale=alt.Scale(type="log", reverse=True),
                title="density (log, decreasing →)",
                axis=alt.Axis(labelOverlap="greedy"),
            ),
            y=alt.Y("accuracy:Q", scale=alt.Scale(zero=False), title="test accuracy"),
            color="score:N",
            strokeDash=alt.StrokeDash("variant:N", legend=alt.Legend(symbolType="stroke")),
            opacity=alt.condition(pick, alt.value(1), alt.value(0.15)),
            tooltip=[
                "score",
                "variant",
                "round",
                alt.Tooltip("density:Q", format=".4f"),
                alt.Tooltip("accuracy:Q", format=".4f"),
            ],
        )
        .add_params(pick)
        .properties(width=440, height=280, title=alt.TitleParams(title, subtitle=subtitle))
    )
