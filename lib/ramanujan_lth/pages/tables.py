"""HTML tables for the pages: short rows a reader scans, with the long text
(explanations, run names, data) folded under each row, and the verdicts.

Each function returns :class:`Html`, shown as HTML by Jupyter and the book.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

from ramanujan_lth.labels import MODEL_NAMES

__all__ = [
    "Html",
    "compact_table",
    "verdict_summary_html",
    "verdicts_html",
    "answer_html",
    "ramanujan_share_table",
    "arpack_table",
    "regime_summary",
    "layer_loss_table",
    "share_table",
    "pair_table",
    "kind_quantity_table",
    "prediction_table",
    "report_table",
    "table3_table",
    "loss_points_table",
    "schedule_ends_table",
    "criterion_stops_table",
    "criterion_against_table",
    "study_loss_table",
]


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
    return f'<span class="verdict verdict-{verdict.replace(" ", "-").replace("/", "")}">{html.escape(verdict)}</span>'


#: the kinds of verdict, as column heads
KIND_NAMES = {"path": "along the pruning path", "controls": "against controls", "methods": "across pruning methods"}


def verdict_summary_html(table: pd.DataFrame, labels: dict | None = None) -> Html:
    """One row per claim; per model, its verdict along the pruning path and against controls (from
    :func:`ramanujan_lth.evidence.answer.verdict_table`; a table without a ``kind`` column has path verdicts);
    ``labels``: model -> column head (default :data:`MODEL_NAMES`)."""
    names = {**MODEL_NAMES, **(labels or {})}
    table = table if "kind" in table else table.assign(kind="path")
    models = list(dict.fromkeys(table["model"]))
    # a claim decided across pruning methods only (the later literature's) spans its model's columns
    kinds = [k for k in KIND_NAMES if k in set(table["kind"]) and k != "methods"] or ["methods"]
    top = "<th rowspan='2'>claim</th>" + "".join(
        f"<th colspan='{len(kinds)}'>{html.escape(names.get(m, m))}</th>" for m in models
    )
    sub = "".join(f"<th>{html.escape(KIND_NAMES[k])}</th>" for _ in models for k in kinds)
    body = []
    for claim, g in table.groupby("claim", sort=True):
        by = g.set_index(["model", "kind"])
        if set(g["kind"]) == {"methods"} and kinds != ["methods"]:
            span = f"<td colspan='{len(kinds)}'>"
            cells = "".join(
                f"{span}{_badge(by.loc[(m, 'methods'), 'verdict'])} {html.escape(KIND_NAMES['methods'])}</td>"
                if (m, "methods") in by.index
                else f"{span}—</td>"
                for m in models
            )
        else:
            cells = "".join(
                f"<td>{_badge(by.loc[(m, k), 'verdict'])}</td>" if (m, k) in by.index else "<td>—</td>"
                for m in models
                for k in kinds
            )
        short = g["short"].iloc[0] if "short" in g else g["statement"].iloc[0]
        body.append(
            f"<tr><td title='{html.escape(g['statement'].iloc[0], quote=True)}'>{html.escape(claim)}. "
            f"{html.escape(short)}</td>{cells}</tr>"
        )
    head = f"<tr>{top}</tr>" + (f"<tr>{sub}</tr>" if len(kinds) > 1 else "")
    if len(kinds) == 1:
        head = "<tr><th>claim</th>" + "".join(f"<th>{html.escape(names.get(m, m))}</th>" for m in models)
        head += "</tr>"
    return Html(f'<table class="compact verdicts"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>')


def _small_table(df: pd.DataFrame) -> str:
    """A verdict's evidence table as HTML (index as row labels)."""
    if not isinstance(df, pd.DataFrame) or df.empty:
        return ""
    return df.to_html(classes="compact evidence", border=0, na_rep="—", escape=True)


def verdicts_html(table: pd.DataFrame) -> Html:
    """Claim by claim: the statement, each model's verdicts (both kinds) with the table of numbers
    behind each (the same in words folded under it), and the rules (folded)."""
    table = table if "kind" in table else table.assign(kind="path")
    out = []
    for claim, g in table.groupby("claim", sort=True):
        items = []
        for r in g.itertuples():
            evidence = _small_table(getattr(r, "evidence_table", None))
            words = html.escape(r.evidence)
            body = f"{evidence}<details><summary>in words</summary>{words}</details>" if evidence else f" — {words}"
            scope = getattr(r, "scope", "")
            scope = f" <span class='verdict-scope'>({html.escape(scope)})</span>" if scope else ""
            items.append(
                f"<li>{html.escape(MODEL_NAMES.get(r.model, r.model))}, {html.escape(KIND_NAMES[r.kind])}: "
                f"{_badge(r.verdict)}{scope}{body}</li>"
            )
        rules = "".join(
            f"<p><b>{html.escape(KIND_NAMES[k])}</b>: {html.escape(rule)}</p>"
            for k, rule in g.drop_duplicates("kind")[["kind", "rule"]].itertuples(index=False)
        )
        out.append(
            f"<p><b>Claim {html.escape(claim)}. {html.escape(g['statement'].iloc[0])}</b></p><ul>{''.join(items)}</ul>"
            f"<details><summary>the rules</summary>{rules}</details>"
        )
    return Html("".join(out))


def _facts_line(f: dict) -> str:
    """What a model's stored runs are, in one line."""
    if not f.get("runs"):
        return f"{html.escape(MODEL_NAMES.get(f['model'], f['model']))}: no stored runs yet."
    data = (
        f"{f['n_train']:,} of {f['official_train']:,} {f['dataset']} training images, "
        f"{f['n_test']:,} of {f['official_test']:,} test images"
    )
    seeds = f"{len(f['seeds'])} ticket seeds" + (
        f", controls for {len(f['control_seeds'])} ({f['controls']} networks)" if f["controls"] else ", no controls yet"
    )
    profile = "the paper's hyper-parameters" if f["profile"] == "paper" else f"{f['profile']} profile"
    low = (
        " — <b>a low-accuracy subset</b>: its dense network is far below the paper's, so it tests orders and "
        "differences, not the paper's numbers"
        if f.get("low_accuracy")
        else ""
    )
    return (
        f"<b>{html.escape(MODEL_NAMES.get(f['model'], f['model']))}</b>: {data}; {profile}, {f['precision']}; "
        f"{seeds}; dense accuracy {f['dense']:.1f} % (ours) against {f['paper_dense']:.2f} % (paper){low}."
    )


def answer_html(headlines: list, question: str, link: str = "", short: dict | None = None) -> Html:
    """The book's answer per model (:func:`ramanujan_lth.evidence.answer.headlines`): what the runs are, the
    question, the answer and the numbers that decide it (``short``: claim -> its name in a few
    words); ``link``: where the verdict table is."""
    short = short or {}
    blocks = []
    for h in headlines:
        items = "".join(
            f"<li>{html.escape(c)}. {html.escape(short.get(c, ''))}: {_badge(v)} — {html.escape(words)}</li>"
            for c, v, words in h.numbers
        )
        extra = "".join(f"<li>Yet {html.escape(s)}.</li>" for s in h.supporting)
        blocks.append(
            f'<div class="answer"><p class="answer-facts">{_facts_line(h.facts)}</p>'
            f"<p>{html.escape(question)} <span class='answer-word'>{_badge(h.answer)}</span></p>"
            f"<ul>{items}{extra}</ul></div>"
        )
    more = f'<p><a href="{html.escape(link)}">Every verdict, its numbers and its rule</a></p>' if link else ""
    return Html("".join(blocks) + more)


def report_table(rows: pd.DataFrame, caption: str) -> Html:
    """The report's rows (:func:`ramanujan_lth.evidence.report.loss_rows` or
    :func:`ramanujan_lth.evidence.report.table3_rows`) as a :func:`compact_table`: quantity, the
    paper's number, ours and the spread, each row's explanation, runs and data folded under "why";
    the data the rows saw (each different one once, sorted) end the caption."""
    data = sorted({d for d in rows["data"] if d})
    if data:
        caption += " — data: " + "; ".join(data)
    return compact_table(
        rows.rename(columns={"reproduced": "ours"}),
        ["quantity", "paper", "ours", "spread"],
        details=["explanation", "runs", "data"],
        caption=caption,
        formats={"paper": ".4g", "ours": ".4g"},
    )


# ------------------------------------------------------------------ the graph chapters' tables
def ramanujan_share_table(graphs: pd.DataFrame):
    """The share of Ramanujan graphs per degree (rows) and size (columns) among random d-regular
    graphs (:func:`ramanujan_lth.networks.sweeps.random_regular_sweep`), as percentages, styled."""
    share = graphs.groupby(["d", "n"])["ramanujan"].mean().unstack()
    return share.style.format("{:.0%}").set_caption("share of random d-regular graphs that are Ramanujan")


def arpack_table(agree: pd.DataFrame):
    """The exact singular values against ARPACK's per layer
    (:func:`ramanujan_lth.networks.sweeps.arpack_agreement`): relative differences in scientific notation,
    times in milliseconds, the density as a percentage, styled."""
    formats = {"rel. diff t1": "{:.1e}", "rel. diff t2": "{:.1e}", "exact ms": "{:.1f}", "arpack ms": "{:.1f}"}
    return agree.style.format(formats | {"density": "{:.0%}"}).hide(axis="index")


# ------------------------------------------------------------------ the experiment chapters' tables
def _pct(d) -> str:
    return f"{100 * d:.3g} %"


def regime_summary(regimes: pd.DataFrame, accuracy: pd.DataFrame):
    """Chapter 3's round-by-round table: density, regime, ✓/✗ per studied
    layer (:func:`ramanujan_lth.evidence.results.regime_table`) and the mean accuracy
    per test set (:func:`ramanujan_lth.evidence.results.accuracy_table`), styled."""
    has = {c: c.removeprefix("has_") for c in regimes.columns if c.startswith("has_")}
    marks = regimes[["round", "density", "regime", *has]].replace({c: {True: "✓", False: "✗"} for c in has})
    mean_acc = accuracy.pivot_table(index="round", columns="sigma", values="accuracy", aggfunc="mean")
    mean_acc = mean_acc.rename(columns=lambda s: "clean" if s == 0 else f"σ={s:g}").reset_index()
    table = marks.rename(columns=has).merge(mean_acc, on="round")
    acc_cols = [c for c in table.columns if c == "clean" or str(c).startswith("σ")]
    return (
        table.style.format({"density": _pct} | {c: "{:.2%}" for c in acc_cols})
        .hide(axis="index")
        .set_caption(
            "✓: the layer has the property, max(ΔS, ΔR) > 0 (mean over seeds); then mean accuracy per test set"
        )
    )


def layer_loss_table(losses: pd.DataFrame):
    """Where each studied layer first loses the property, per model and graph
    (rows of :func:`ramanujan_lth.evidence.results.loss_table` with a ``model`` column), styled."""
    wide = losses.pivot_table(
        index=["model", "layer"],
        columns="graph",
        values=["last density with the property", "first density without"],
        sort=False,
    )
    return wide.style.format(_pct, na_rep="never")


def share_table(networks: pd.DataFrame, caption: str = ""):
    """The mean share of Ramanujan layers of each kind of mask at every
    matched round (the rounds that have controls), with the density, styled."""
    matched = networks[networks["round"].isin(networks.loc[networks["kind"] != "ticket", "round"])]
    shares = matched.pivot_table(index="round", columns="kind", values="share", aggfunc="mean")
    shares.insert(0, "density %", 100 * matched.groupby("round")["density"].mean())
    return shares.style.format(precision=2).set_caption(caption)


def pair_table(pairs: dict, caption: str = ""):
    """Claim 2's pair counts against controls (kind pair -> pairs, agree,
    disagree, p), styled."""
    table = pd.DataFrame(pairs, index=["pairs", "agree", "disagree", "p"]).T
    return table.style.format({"p": "{:.2g}"}).set_caption(caption)


def kind_quantity_table(networks: pd.DataFrame, layers, caption: str = ""):
    """Per kind of mask, over the matched rounds: clean accuracy and each graph
    quantity (its mean over ``layers``; the share of Ramanujan layers as it is),
    means over networks, styled."""
    from ramanujan_lth.labels import QUANTITY_NAMES

    matched = networks[networks["round"].isin(networks.loc[networks["kind"] != "ticket", "round"])]
    cols = {"accuracy": matched["accuracy"], QUANTITY_NAMES["share"]: matched["share"]}
    for q in ("delta", "r", "imdb", "narc", "gap"):
        cols[QUANTITY_NAMES[q]] = matched[[f"{q}_{layer}" for layer in layers]].mean(axis=1, skipna=True)
    table = pd.DataFrame(cols).assign(kind=matched["kind"]).groupby("kind", sort=False).mean()
    return table.style.format(precision=3).set_caption(caption)


def prediction_table(test: pd.DataFrame, caption: str = ""):
    """A predictive test's rows (:func:`ramanujan_lth.evidence.predict.predictive_test`): per quantity the
    gain beyond the baseline (points, ± s.e.), the share of folds with the paper's sign, ✓/✗, styled."""
    from ramanujan_lth.labels import QUANTITY_NAMES

    rows = {}
    for r in test.itertuples():
        flag = " ✓" if r.supports else " ✗" if r.contradicts else ""
        rows[QUANTITY_NAMES.get(r.quantity, r.quantity)] = {
            "gain (points)": f"{r.gain:+.3f} ± {r.gain_se:.3f}" if np.isfinite(r.gain) else "—",
            "sign +": f"{r.positive_share:.0%}{flag}" if np.isfinite(r.gain) else "—",
        }
    return pd.DataFrame(rows).T.style.set_caption(caption)


def table3_table(table3: pd.DataFrame, caption: str = ""):
    """Table 3 beside the paper's (:func:`ramanujan_lth.evidence.comparison.table3_frame`):
    densities and accuracies to two decimals, rounds as whole numbers, "–" where a number is
    missing, styled."""
    columns = ("density %", "accuracy %", "paper density %", "paper accuracy %")
    formats = {c: "{:.2f}" for c in columns} | {"rounds": "{:.0f}"}
    return table3.style.format(formats, na_rep="–").hide(axis="index").set_caption(caption)


def loss_points_table(points: pd.DataFrame, caption: str = ""):
    """Where each layer loses the property (:func:`ramanujan_lth.maths.stats.loss_points`): numbers
    to four decimals, the round and the number of runs whole, "—" where a layer never loses it,
    styled."""
    return (
        points.style.format(precision=4, na_rep="—")
        .format("{:.0f}", subset=["round", "runs"], na_rep="—")
        .set_caption(caption)
        .hide(axis="index")
    )


def schedule_ends_table(ends: pd.DataFrame):
    """Each schedule's layer densities at its last round
    (:func:`ramanujan_lth.evidence.results.schedule_ends`) as percentages, the output layer's kept
    weights as a whole number, styled."""
    return (
        ends.style.format("{:.2%}")
        .format("{:.0f}", subset=["fc3 weights kept"])
        .set_caption("density of each layer at the last round")
    )


def criterion_stops_table(stops: pd.DataFrame):
    """Where each single criterion stopped (:func:`ramanujan_lth.evidence.results.criterion_stops`):
    numbers to two decimals, "—" where missing, the long text escaped and aligned left and top,
    styled."""
    return (
        stops.style.format(precision=2, na_rep="—", escape="html")
        .hide(axis="index")
        .set_properties(**{"text-align": "left", "vertical-align": "top"})
    )


def criterion_against_table(against: pd.DataFrame):
    """Each criterion's -Bound run against the plain run
    (:func:`ramanujan_lth.evidence.results.criterion_against_plain`): numbers to two decimals, the
    plain round whole, styled."""
    return against.style.format(precision=2).format("{:.0f}", subset=["plain round"]).hide(axis="index")


def study_loss_table(loss: pd.DataFrame):
    """Per study and layer (rows), the unweighted graph's last density with the property and first
    density without it (:func:`ramanujan_lth.evidence.results.study_losses`), to four decimals,
    styled; "not within the runs" where a layer never loses it."""
    unweighted = loss[loss["graph"] == "unweighted"].set_index(["study", "layer"])
    table = unweighted[["last density with the property", "first density without"]]
    return table.style.format("{:.4f}", na_rep="not within the runs")
