"""Charts of tickets against their controls at matched density and of the
verdicts' tests (chapters 5 and 6).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ramanujan_lth.labels import QUANTITY_NAMES, REGIME_COLORS, REGIME_NAMES
from ramanujan_lth.pages.charts import density_axis, kind_color, subtitle, test_set_selector

__all__ = [
    "kinds_accuracy_chart",
    "kinds_accuracy_sets",
    "difference_chart",
    "kinds_quantity_chart",
    "gain_chart",
    "regime_rules_chart",
    "rejection_chart",
    "loss_test_chart",
    "drop_test_chart",
]


def kinds_accuracy_chart(long_acc: pd.DataFrame, title: str = "", width: int = 460, height: int = 260):
    """Mean accuracy (points) against density for tickets and their controls,
    error bars one standard deviation over seeds; the test set is picked
    under the chart."""
    pick = test_set_selector("kinds_set", dict.fromkeys(long_acc["test set"]))
    base = (
        alt.Chart(long_acc)
        .transform_filter(alt.datum["test set"] == pick)
        .encode(x=density_axis(), color=kind_color(kinds=set(long_acc["kind"])))
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


def kinds_accuracy_sets(
    long_acc: pd.DataFrame, sets=("clean", "σ = 0.3"), title: str = "", width: int = 210, height: int = 220
):
    """:func:`kinds_accuracy_chart` for two test sets side by side (clean and the noisiest, by
    default), each with its own accuracy axis; error bars one standard deviation over seeds."""
    panels = []
    for name in [s for s in sets if s in set(long_acc["test set"])]:
        base = alt.Chart(long_acc[long_acc["test set"] == name]).encode(
            x=density_axis(), color=kind_color(kinds=set(long_acc["kind"]))
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
    pick = test_set_selector("diff_set", dict.fromkeys(summary["test set"]))
    s = summary.assign(lo=summary["mean"] - summary["sd"], hi=summary["mean"] + summary["sd"])
    base = (
        alt.Chart(s)
        .transform_filter(alt.datum["test set"] == pick)
        .encode(
            x=density_axis(), color=alt.Color("pair:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=300))
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
        .encode(x=density_axis(), color=kind_color(kinds=set(q["kind"])))
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
            x=density_axis("overall density (log, decreasing →)"),
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
            x=density_axis("overall density (log, decreasing →)"),
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
    (:func:`ramanujan_lth.maths.stats.delta_tests`), one line per layer of ``layers``, red where the
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


def drop_test_chart(drops: pd.DataFrame, ks, title: str = "", width: int = 460):
    """:func:`rejection_chart` of the t-tests of H0 ``(a0 - at) / a0 <= k`` on the relative drop of
    clean test accuracy (:func:`ramanujan_lth.maths.stats.accuracy_drop_tests`), one line per
    tolerance of ``ks`` (labelled ``"k = 0.01"``), red where accuracy has dropped significantly by
    more than k; the tooltip gives k, the round, the density, the mean drop and the p-value."""

    def label(k) -> str:
        return f"k = {k:g}"

    return rejection_chart(
        drops.assign(k=drops["k"].map(label)),
        "k",
        [label(k) for k in ks],
        "rejected: dropped by more than k",
        tooltip=[
            "k",
            "round",
            alt.Tooltip("density:Q", format=".4f"),
            alt.Tooltip("mean_drop:Q", format=".4f"),
            alt.Tooltip("p:Q", format=".3g"),
        ],
        title=title,
        width=width,
    )
