"""Altair charts shared by the chapters.

Charts take tidy pandas frames and return altair charts; interaction that
must work on the static web page uses altair parameters (sliders, dropdowns,
legend selections), never Python callbacks. Importing this module makes
altair show charts through :func:`chart_html`, which draws with the
libraries the book's pages bundle (no network), and fetches the same
versions elsewhere.
"""

from ramanujan_lth.pages import charts, graph_charts, run_charts, verdict_charts
from ramanujan_lth.pages.charts import *  # noqa: F403
from ramanujan_lth.pages.graph_charts import *  # noqa: F403
from ramanujan_lth.pages.run_charts import *  # noqa: F403
from ramanujan_lth.pages.verdict_charts import *  # noqa: F403

__all__ = [name for module in (charts, graph_charts, run_charts, verdict_charts) for name in module.__all__]
