"""Charts along a pruning path: accuracy, Δ and r per round with the regime
bands, the schedules, the paper beside ours, the output rate, the
single-criterion runs, Algorithm 1's steps, any network layer by layer.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ramanujan_lth.pages.charts import UNDEFINED_DELTA, density_axis, finite, quantity_color, regime_shading, subtitle

__all__ = [
    "accuracy_chart",
    "delta_chart",
    "schedule_chart",
    "data_lines",
    "paper_vs_ours_chart",
    "output_rate_chart",
    "criterion_charts",
    "candidates_chart",
    "GAIN_COLORS",
    "OTHER_SEED_COLORS",
    "bound_gain_chart",
    "layer_chart",
    "layer_split_chart",
    "pruning_paths_chart",
]


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
    base = alt.Chart(a).encode(x=density_axis(), color=alt.Color("noise:N", title="test set"))
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
        alt.Chart(long).transform_filter(alt.datum.layer == layer_pick).encode(x=density_axis(), color=quantity_color())
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
                x=density_axis(),
                y="delta:Q",
                color=quantity_color(),
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
            x=density_axis("overall density (log, decreasing →)"),
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
            x=density_axis("overall density (log, decreasing →)"),
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
            x=density_axis(),
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
            x=density_axis(),
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
            x=density_axis(),
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
            x=density_axis(),
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
    :func:`ramanujan_lth.evidence.results.candidate_frame`), with a menu for the
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


def layer_chart(table: pd.DataFrame, title: str = "", cap: float = 2.0, height: int = 170) -> alt.VConcatChart:
    """Per layer of :func:`ramanujan_lth.your_network.analyse.network`'s report: the
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
    (:func:`ramanujan_lth.evidence.comparison.layer_split_frame`)."""
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
    (:func:`ramanujan_lth.evidence.comparison.trajectory_frame`)."""
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
