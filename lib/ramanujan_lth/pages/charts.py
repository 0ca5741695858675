"""How the book's charts are shown (one renderer that draws offline on the
pages), and the pieces every chart shares: axes, colours, shading, caps
for infinite values.
"""

from __future__ import annotations

import json
import textwrap
import uuid

import altair as alt
import numpy as np
import pandas as pd

from ramanujan_lth.labels import KIND_COLORS, REGIME_COLORS, REGIME_NAMES

__all__ = [
    "CDN",
    "chart_html",
    "UNDEFINED_DELTA",
    "subtitle",
    "finite",
    "delta_long",
    "density_axis",
    "density_domain",
    "regime_shading",
    "quantity_color",
    "kind_color",
    "test_set_selector",
]


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


def density_axis(title="density (log scale, decreasing →)"):
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


def quantity_color():
    # under the plot: beside it, the labels ran past the page's column
    return alt.Color("quantity:N", title=None, legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=200))


def kind_color(title: str = "mask", kinds=None):
    """The kinds of mask in their colours; ``kinds``: those present (default: tickets and controls)."""
    kinds = [k for k in KIND_COLORS if k in set(kinds)] if kinds is not None else ["ticket", "biregular", "random"]
    return alt.Color(
        "kind:N",
        title=title,
        scale=alt.Scale(domain=kinds, range=[KIND_COLORS[k] for k in kinds]),
        legend=alt.Legend(orient="bottom", labelLimit=300, columns=4),
    )


def test_set_selector(name: str, sets) -> alt.Parameter:
    sets = list(sets)
    return alt.param(name=name, value=sets[0], bind=alt.binding_select(options=sets, name="test set "))
