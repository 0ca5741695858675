"""Every built page opened in headless Chromium with the network off, as a reader would see it.

For each page: every chart output is drawn (an ``svg``/``canvas`` of vega's
marks inside it) and fits the page's column in a laptop's window, no error
text from vega or MathJax, no JavaScript error in the console, and the
formulas are typeset. A screenshot of each page goes
to ``_build/screenshots/`` for a person to look at. Needs Debian's
``chromium`` (``.ci/run`` installs it); skipped without it, except in CI.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

bs4 = pytest.importorskip("bs4")

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI needs Debian's chromium for the browser test (.ci/run installs it)")
    pytest.skip("no chromium here (apt-get install chromium)", allow_module_level=True)

OFFLINE = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--hide-scrollbars",
    "--mute-audio",
    "--no-first-run",
    "--disable-extensions",
    "--disable-background-networking",
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",  # no network
    "--virtual-time-budget=60000",
    "--enable-logging=stderr",
    "--v=0",
]
ERROR_TEXT = ("Error loading script", "chart error", "could not load", "Math input error", "Javascript Error")


def chromium(*args, timeout=240):
    return subprocess.run([CHROMIUM, *OFFLINE, *args], capture_output=True, text=True, timeout=timeout)


def console_errors(stderr: str) -> list[str]:
    """Console messages of level error (and uncaught exceptions) from Chromium's log."""
    lines = [ln for ln in stderr.splitlines() if "CONSOLE" in ln]
    return [ln for ln in lines if re.search(r"Uncaught|Error|error", ln) and ":INFO:" not in ln or "Uncaught" in ln]


def pages(html_root):
    return sorted(
        p
        for p in html_root.rglob("*.html")
        if "_static" not in p.parts
        and "_sources" not in p.parts
        and p.name not in ("search.html", "genindex.html", "index.html")
    )


@pytest.fixture(scope="module")
def rendered(built_book):
    shots = ROOT / "_build" / "screenshots"  # beside the book a developer builds, to look at
    shots.mkdir(parents=True, exist_ok=True)
    out = {}
    for page in pages(built_book):
        name = str(page.relative_to(built_book)).replace("/", "_").removesuffix(".html")
        dom = chromium("--dump-dom", page.as_uri())
        height = max(
            1200, min(16000, 60 * len(re.findall(r"<(?:p|tr|li|h[1-4]|div class=\"ramanujan-chart)", dom.stdout)))
        )
        chromium(f"--screenshot={shots / (name + '.png')}", f"--window-size=1400,{height}", page.as_uri())
        out[name] = (page, dom)
    return out


def test_every_page_renders_offline(rendered):
    assert rendered, "no pages were built"
    problems = []
    for name, (page, dom) in rendered.items():
        static = bs4.BeautifulSoup(page.read_text(), "html.parser")
        after = bs4.BeautifulSoup(dom.stdout, "html.parser")
        charts = static.select("div.ramanujan-chart")
        drawn = [d for d in after.select("div.ramanujan-chart") if d.select("svg.marks, canvas.marks")]
        if len(drawn) != len(charts):
            problems.append(f"{name}: {len(drawn)} of {len(charts)} charts drawn")
        text = after.get_text(" ")
        for bad in ERROR_TEXT:
            if bad in text:
                problems.append(f"{name}: '{bad}' on the page")
        math = static.select("span.math, div.math")
        typeset = after.select("mjx-container")
        if len(typeset) < len(math):
            problems.append(f"{name}: {len(typeset)} of {len(math)} formulas typeset")
        if after.select("mjx-merror, [data-mjx-error]"):
            problems.append(f"{name}: MathJax reports an error")
        errors = console_errors(dom.stderr)
        if errors:
            problems.append(f"{name}: console errors: {errors[:3]}")
    assert not problems, "\n".join(problems)


def test_pages_load_nothing_from_the_network(built_book):
    for page in pages(built_book):
        soup = bs4.BeautifulSoup(page.read_text(), "html.parser")
        remote = [
            t.get("src") or t.get("href")
            for t in soup.select("script[src], link[href]")
            if re.match(r"https?://", t.get("src") or t.get("href") or "")
        ]
        assert not remote, f"{page.name} loads {remote}"


#: appended to a copy of a page: once the charts are drawn, how far right
#: each chart's drawing and each output table reaches, and where the nearest
#: box that clips it ends
MEASURE = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  var col = document.querySelector(".bd-article") || document.body, rows = [];
  function clipOf(e) {
    var clip = col.getBoundingClientRect().right;
    for (var a = e.parentElement; a; a = a.parentElement) {
      var s = getComputedStyle(a);
      if (s.overflowX !== "visible") {
        clip = Math.min(clip, a.getBoundingClientRect().right - parseFloat(s.borderRightWidth || 0));
      }
    }
    return clip;
  }
  document.querySelectorAll("div.ramanujan-chart").forEach(function (c) {
    var g = c.querySelector("svg.marks, canvas.marks");
    if (!g) return;
    rows.push({kind: "chart", right: g.getBoundingClientRect().right, clip: clipOf(c),
               title: g.getAttribute("aria-label") || ""});
  });
  document.querySelectorAll(".cell_output table").forEach(function (t) {
    if (t.closest("details:not([open])")) return;  // folded: not on the page until opened
    var head = t.querySelector("caption, th");
    rows.push({kind: "table", right: t.getBoundingClientRect().right, clip: clipOf(t),
               title: head ? head.innerText : ""});
  });
  var out = document.createElement("pre");
  out.id = "chart-extents";
  out.textContent = JSON.stringify(rows);
  document.body.appendChild(out);
}, 2000); });
</script>"""


def output_extents(page: Path, width: int) -> list[dict]:
    """Where each drawn chart and output table of ``page`` ends and where it is
    clipped, in a window ``width`` pixels wide."""
    return _probe(page, MEASURE, "chart-extents", width)


def test_every_chart_and_table_fits_the_column_of_a_laptop_window(built_book):
    """A chart wider than the page's column is cut off there (a legend beside
    the plot lost its labels), and a table scrolls sideways behind a scrollbar
    many systems hide: at 1200 pixels, the book's sidebars leave about 600."""
    wide, measured = [], set()
    for page in pages(built_book):
        for c in output_extents(page.resolve(), 1200):
            measured.add(c["kind"])
            if c["right"] > c["clip"] + 1:
                wide.append(
                    f"{page.name}: {c['kind']} {c['title'][:60]!r} ends at {c['right']:.0f} px, cut at {c['clip']:.0f}"
                )
    assert len(measured) >= 2, f"measured only {measured}: the page probe found no charts or no tables"
    assert not wide, "\n".join(wide)


#: appended to a copy of a page: moves every control of every chart (a slider to another end, a
#: drop-down to its next option) and records whether the chart's drawing changed
DRIVE = """<script>
window.addEventListener("load", function () { setTimeout(async function () {
  var rows = [], errors = [];
  window.addEventListener("error", function (e) { errors.push(String(e.message)); });
  function drawing(c) {
    var m = c.querySelector("svg.marks, canvas.marks");
    return m ? (m.tagName === "CANVAS" ? m.toDataURL() : m.outerHTML) : "";
  }
  var charts = document.querySelectorAll("div.ramanujan-chart");
  for (var i = 0; i < charts.length; i++) {
    var c = charts[i], controls = c.querySelectorAll(".vega-bindings input, .vega-bindings select");
    for (var j = 0; j < controls.length; j++) {
      var el = controls[j], before = drawing(c), moved = true;
      if (el.tagName === "SELECT") {
        if (el.options.length < 2) { moved = false; } else {
          el.selectedIndex = (el.selectedIndex + 1) % el.options.length;
          el.dispatchEvent(new Event("change"));
        }
      } else if (el.type === "range") {
        el.value = parseFloat(el.value) === parseFloat(el.max) ? el.min : el.max;
        el.dispatchEvent(new Event("input"));
      } else if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked && el.type === "radio") { moved = false; } else { el.click(); }
      } else { moved = false; }
      await new Promise(function (r) { setTimeout(r, 400); });
      var title = (c.querySelector("svg.marks, canvas.marks") || {getAttribute: function () { return ""; }});
      rows.push({control: el.name || el.type, moved: moved, changed: drawing(c) !== before,
                 title: title.getAttribute("aria-label") || ""});
    }
  }
  var out = document.createElement("pre");
  out.id = "driven";
  out.textContent = JSON.stringify({rows: rows, errors: errors});
  document.body.appendChild(out);
}, 2000); });
</script>"""


def _probe(page: Path, script: str, marker: str, width: int = 1200) -> dict:
    copy = page.with_name(f".probe-{page.name}")  # beside it: the same relative links
    copy.write_text(page.read_text().replace("</body>", script + "</body>"))
    try:
        dom = chromium(f"--window-size={width},2000", "--dump-dom", copy.as_uri()).stdout
    finally:
        copy.unlink()
    found = bs4.BeautifulSoup(dom, "html.parser").select_one(f"pre#{marker}")
    assert found is not None, f"{page.name}: the probe did not run"
    return json.loads(found.get_text())


def test_every_control_on_every_page_redraws_its_chart(built_book):
    """A slider or drop-down under a chart that does not change the drawing is a dead control."""
    dead, moved, errors = [], 0, []
    for page in pages(built_book):
        got = _probe(page.resolve(), DRIVE, "driven")
        errors += [f"{page.name}: {e}" for e in got["errors"]]
        for r in got["rows"]:
            if not r["moved"]:
                continue
            moved += 1
            if not r["changed"]:
                dead.append(f"{page.name}: control {r['control']!r} of {r['title'][:50]!r} changes nothing")
    print(f"{moved} controls moved")
    assert moved >= 5, f"only {moved} controls found: the probe found no charts with controls"
    assert not dead and not errors, "\n".join(dead + errors)


#: appended to a copy of a page: the article's height and the height of the code a reader sees
#: without opening anything (folded cells do not count)
CODE_SHARE = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  var art = document.querySelector(".bd-article") || document.body, code = 0;
  art.querySelectorAll("div.cell_input").forEach(function (c) {
    if (!c.closest("details:not([open])")) code += c.getBoundingClientRect().height;
  });
  var out = document.createElement("pre");
  out.id = "code-share";
  out.textContent = JSON.stringify({height: art.getBoundingClientRect().height, code: code});
  document.body.appendChild(out);
}, 2000); });
</script>"""

#: the most of a chapter's height that visible code may take at 1200 pixels
MAX_CODE_SHARE = 0.20


def test_chapters_show_more_findings_than_code(built_book):
    """Parameters, imports and drawing code are folded; what stays visible is at most a fifth of a page."""
    over, lines = [], []
    for page in pages(built_book):
        got = _probe(page.resolve(), CODE_SHARE, "code-share")
        share = got["code"] / got["height"]
        weight = page.stat().st_size / 1e6
        lines.append(f"{page.name}: {got['height']:.0f} px, code {share:.0%}, {weight:.2f} MB")
        if share > MAX_CODE_SHARE:
            over.append(lines[-1])
        assert weight < 5, f"{page.name} weighs {weight:.1f} MB"
    print("\n".join(lines))
    assert not over, "visible code above 20 % of the page:\n" + "\n".join(over)
