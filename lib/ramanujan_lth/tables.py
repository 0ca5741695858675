"""HTML tables for the pages: short rows a reader scans, with the long text
(explanations, run names, data) folded under each row, and the verdicts.

Each function returns :class:`Html`, shown as HTML by Jupyter and the book.
"""

from __future__ import annotations

import html
import math

import pandas as pd

__all__ = ["Html", "compact_table", "verdict_summary_html", "verdicts_html", "MODEL_NAMES"]

MODEL_NAMES = {"lenet_300_100": "LeNet-300-100 / MNIST", "conv4": "Conv4 / CIFAR-10"}


class Html(str):
    """A string that notebooks show as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


def _cell(value, fmt: str | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if fmt and isinstance(value, (int, float)):
        return format(value, fmt)
    return html.escape(str(value))


def compact_table(
    rows: pd.DataFrame,
    columns: list,
    details: list = (),
    caption: str = "",
    formats: dict | None = None,
    summary: str = "why",
) -> Html:
    """``rows`` as a table of ``columns`` (formatted by ``formats``, column ->
    format spec); the ``details`` columns of each row, when any is not empty,
    fold under a "why" toggle in the last cell."""
    formats = formats or {}
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns) + ("<th></th>" if details else "")
    body = []
    for _, r in rows.iterrows():
        cells = "".join(f"<td>{_cell(r[c], formats.get(c))}</td>" for c in columns)
        if details:
            parts = [
                f"<b>{html.escape(c)}</b>: {html.escape(str(r[c]))}"
                for c in details
                if isinstance(r[c], str) and r[c].strip()
            ]
            cells += (
                f"<td><details><summary>{summary}</summary>{'<br>'.join(parts)}</details></td>"
                if parts
                else "<td></td>"
            )
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return Html(f'<table class="compact">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')


def _badge(verdict: str) -> str:
    return f'<span class="verdict verdict-{verdict.replace(" ", "-")}">{html.escape(verdict)}</span>'


def verdict_summary_html(table: pd.DataFrame) -> Html:
    """One row per claim, one column of verdicts per model (from :func:`ramanujan_lth.claims.verdict_table`)."""
    models = list(dict.fromkeys(table["model"]))
    head = "<th>claim</th>" + "".join(f"<th>{html.escape(MODEL_NAMES.get(m, m))}</th>" for m in models)
    body = []
    for claim, g in table.groupby("claim", sort=True):
        by = g.set_index("model")
        cells = "".join(f"<td>{_badge(by.loc[m, 'verdict'])}</td>" if m in by.index else "<td>—</td>" for m in models)
        body.append(f"<tr><td>{html.escape(claim)}. {html.escape(g['statement'].iloc[0])}</td>{cells}</tr>")
    return Html(f'<table class="compact"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')


def verdicts_html(table: pd.DataFrame) -> Html:
    """Claim by claim: the statement, each model's verdict with the numbers
    behind it, and the rule (folded)."""
    out = []
    for claim, g in table.groupby("claim", sort=True):
        items = "".join(
            f"<li>{html.escape(MODEL_NAMES.get(r.model, r.model))}: {_badge(r.verdict)} — "
            f"{html.escape(r.evidence)}</li>"
            for r in g.itertuples()
        )
        out.append(
            f"<p><b>Claim {html.escape(claim)}. {html.escape(g['statement'].iloc[0])}</b></p><ul>{items}</ul>"
            f"<details><summary>the rule</summary>{html.escape(g['rule'].iloc[0])}</details>"
        )
    return Html("".join(out))
