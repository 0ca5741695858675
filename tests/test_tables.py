"""HTML the pages show: compact tables with folded explanations, verdicts, and charts that need no network."""

import json
import re

import altair as alt
import pandas as pd
from ramanujan_lth import plots, tables


def test_compact_table_folds_the_long_text_and_escapes_it():
    rows = pd.DataFrame(
        [
            {"quantity": "fc1 <density>", "paper": 26.31, "ours": float("nan"), "why": "a < b & c"},
            {"quantity": "fc2", "paper": 10.82, "ours": 8.676, "why": ""},
        ]
    )
    out = tables.compact_table(rows, ["quantity", "paper", "ours"], details=["why"], formats={"paper": ".4g"})
    assert out._repr_html_() == str(out)
    assert "fc1 &lt;density&gt;" in out and "a &lt; b &amp; c" in out and "<details>" in out
    assert out.count("<details>") == 1  # the second row has nothing to fold
    assert "<td>—</td>" in out and "<td>26.31</td>" in out


def test_verdict_tables_group_by_claim_and_colour_each_verdict():
    t = pd.DataFrame(
        [
            {
                "claim": "1",
                "statement": "S1",
                "model": "lenet_300_100",
                "verdict": "partly",
                "evidence": "e1",
                "rule": "r1",
            },
            {
                "claim": "1",
                "statement": "S1",
                "model": "conv4",
                "verdict": "not tested yet",
                "evidence": "",
                "rule": "r1",
            },
        ]
    )
    summary = tables.verdict_summary_html(t)
    assert summary.count("<tr>") == 2 and "LeNet-300-100 / MNIST" in summary and "Conv4 / CIFAR-10" in summary
    assert 'class="verdict verdict-partly"' in summary and "verdict-not-tested-yet" in summary
    detail = tables.verdicts_html(t)
    assert "Claim 1. S1" in detail and "r1" in detail and "e1" in detail


def test_charts_draw_with_the_page_libraries_and_fall_back_to_pinned_versions():
    chart = alt.Chart(pd.DataFrame({"a": [1], "b": ["</script>"]})).mark_point().encode(x="a:Q")
    html = chart._repr_mimebundle_()["text/html"]
    assert 'class="ramanujan-chart"' in html
    assert "</script>" not in html.split("<script", 1)[1][: -len("</script>")]  # the data cannot end the script
    spec = json.loads(re.search(r"var spec = (\{.*?\}), opts", html, re.S).group(1))  # JSON reads <\/ as </
    assert list(spec["datasets"].values())[0][0]["b"] == "</script>"
    assert "if (window.vegaEmbed)" in html
    assert all(f"{lib}@" in html for lib in ("vega", "vega-lite", "vega-embed"))
    assert "@6?" not in html and "latest" not in html  # pinned, never "the latest 6"
    assert plots.CDN["vega-lite"].endswith(alt.SCHEMA_VERSION.lstrip("v"))


def test_ramanujan_share_table_gives_the_share_per_degree_and_size():
    graphs = pd.DataFrame({"d": [3, 3, 3, 4], "n": [30, 30, 60, 30], "ramanujan": [True, False, True, False]})
    styled = tables.ramanujan_share_table(graphs)
    assert styled.data.index.tolist() == [3, 4] and styled.data.columns.tolist() == [30, 60]
    assert styled.data.loc[3].tolist() == [0.5, 1.0] and styled.data.loc[4, 30] == 0.0
    html = styled.to_html()
    assert ">50%<" in html and ">100%<" in html and "share of random d-regular graphs that are Ramanujan" in html


def test_arpack_table_formats_differences_times_and_densities():
    agree = pd.DataFrame(
        [
            {
                "model": "lenet",
                "layer": "fc1",
                "density": 0.05,
                "rel. diff t1": 1.234e-15,
                "rel. diff t2": float("nan"),
                "exact ms": 12.345,
                "arpack ms": 3.21,
            }
        ]
    )
    html = tables.arpack_table(agree).to_html()
    assert all(f">{v}<" in html for v in ("lenet", "fc1", "5%", "1.2e-15", "12.3", "3.2"))
    assert "row_heading" not in html  # no index column
