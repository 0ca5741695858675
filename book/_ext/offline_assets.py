"""Sphinx extension: the book's pages render charts and formulas with no network.

At build time it writes, into a static folder of the build:

* ``vega/vega-bundle.js``: vega, vega-lite and vega-embed in one script that
  sets ``window.vegaEmbed`` (from the ``vl-convert-python`` package, at the
  Vega-Lite version the installed altair writes), loaded in every page's
  head, so the chart outputs (``ramanujan_lth.pages.plots``' renderer) draw with it;
* ``mathjax/tex-svg.js``: MathJax 3 with SVG output (from the
  ``django-static-mathjax`` package), used as Sphinx's ``mathjax_path``;
* ``NOTICE.txt``: the versions and licences of both;

and adds the book's stylesheet (``static/book.css``: padded output tables,
verdict colours, a bibliography without alphabetic labels).

Nothing is fetched from a CDN, so the pages look the same offline and do not
change after they were built.
"""

from __future__ import annotations

import shutil
from pathlib import Path

STATIC = "offline_static"


def _write_assets(app, config) -> None:
    import altair
    import mathjax
    import vl_convert

    out = Path(app.outdir).parent / STATIC
    (out / "vega").mkdir(parents=True, exist_ok=True)
    (out / "mathjax").mkdir(parents=True, exist_ok=True)
    vl = ".".join(altair.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    # in a function scope: the bundle's top-level names would clash with other scripts of the page
    bundle = vl_convert.javascript_bundle(vl_version=vl)
    (out / "vega" / "vega-bundle.js").write_text(f"(function () {{\n{bundle}\n}})();\n")
    mj = Path(mathjax.__file__).parent / "static" / "mathjax"
    shutil.copyfile(mj / "es5" / "tex-svg.js", out / "mathjax" / "tex-svg.js")
    shutil.copyfile(mj / "LICENSE", out / "mathjax" / "LICENSE")
    (out / "NOTICE.txt").write_text(
        f"vega {vl_convert.get_vega_version()}, vega-lite {vl}, vega-embed {vl_convert.get_vega_embed_version()} "
        "(BSD-3-Clause, the Vega project), bundled by vl-convert-python.\n"
        "MathJax 3.2.2 (Apache-2.0, see mathjax/LICENSE), from django-static-mathjax.\n"
    )
    config.html_static_path = [*config.html_static_path, str(out), str(Path(__file__).parent / "static")]
    config.mathjax_path = "mathjax/tex-svg.js"
    # ipywidgets need a kernel: their scripts (from a CDN) are not loaded; the pages say where a widget is
    config.nb_ipywidgets_js = {}


def _clean_scripts(app, pagename, templatename, context, doctree) -> None:
    """Leave out thebe (live code from a CDN, which this book does not use)
    and scripts that other extensions add twice (each copy redeclares its
    constants: an error in the console)."""
    scripts, seen = [], set()
    for js in context.get("script_files", []):
        body = getattr(js, "attributes", {}).get("body", "") or ""
        name = getattr(js, "filename", "") or ""
        if "THEBE_JS_URL" in body or "thebe" in name:
            continue
        key = (name, body)
        if key in seen:
            continue
        seen.add(key)
        scripts.append(js)
    context["script_files"] = scripts


def setup(app):
    app.connect("config-inited", _write_assets, priority=900)
    app.connect("html-page-context", _clean_scripts, priority=999)
    app.add_js_file("vega/vega-bundle.js")
    app.add_css_file("book.css")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
