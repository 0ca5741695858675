"""Charts of graphs and their spectra: drawings of small graphs, chapter 1's
random-graph experiments, chapter 2's explorers of a layer's spectrum.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ramanujan_lth.maths.graphs import alon_milman_lower, alon_upper
from ramanujan_lth.maths.spectral import bipartite_spectrum, singular_values
from ramanujan_lth.pages.charts import delta_long, finite

__all__ = [
    "network_chart",
    "bipartite_chart",
    "matrix_chart",
    "graph_chart",
    "cheeger_chart",
    "kesten_mckay",
    "kesten_mckay_chart",
    "regular_spectrum_chart",
    "biregular_chart",
    "random_bipartite_chart",
    "spectrum_explorer",
    "layer_spectrum_explorer",
    "layer_delta_explorer",
    "singular_value_chart",
    "weighted_graph_charts",
]


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


def cheeger_chart(cheeger: pd.DataFrame) -> alt.LayerChart:
    """The exact vertex Cheeger constant of small random regular graphs against their spectral gap
    (:func:`ramanujan_lth.networks.sweeps.cheeger_sample`), with the Alon–Milman lower bound of each degree
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
    ``eigenvalue``, from :func:`ramanujan_lth.networks.sweeps.random_regular_sweep`) in units of
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
    right vertices, one line per degree pair (:func:`ramanujan_lth.networks.sweeps.biregular_sweep`)."""
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
    (:func:`ramanujan_lth.networks.sweeps.random_bipartite_sweep`), ``±inf`` drawn at ``±cap``, with
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
    :func:`ramanujan_lth.maths.graphs.spectrum_grid`, so it works on a static page."""
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
    :func:`ramanujan_lth.networks.sweeps.singular_value_grid`, so it works on a static page."""
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
    layer picked under the chart; from :func:`ramanujan_lth.networks.sweeps.random_mask_sweeps`, so it works
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
    ΔS and ΔR (:func:`ramanujan_lth.maths.spectral.bipartite_spectrum`)."""
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
    both graphs, :func:`ramanujan_lth.networks.sweeps.random_mask_sweeps`): ``t1`` against the density
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
