"""The book's Sphinx extensions: a stalled notebook is executed once more; pages load no script twice."""

import importlib.util
from collections import namedtuple
from pathlib import Path

import nbformat
from nbclient.exceptions import CellTimeoutError
from ramanujan_lth.batch.kernel import KernelManager

ROOT = Path(__file__).resolve().parents[1]
Result = namedtuple("Result", "nb err")


def extension(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "book" / "_ext" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_stalled_notebook_is_executed_again_from_its_pristine_cells():
    retry = extension("execution_retry")
    seen = []

    def execute(nb, **kw):  # stalls the first time, after writing an output into the notebook
        assert kw["kernel_manager_class"] is KernelManager  # the client that cannot sleep through a reply
        seen.append(len(nb.cells[0].outputs))
        nb.cells[0].outputs.append({"output_type": "stream", "name": "stdout", "text": "partial"})
        return Result(nb, CellTimeoutError("stalled") if len(seen) == 1 else None)

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    result = retry._retrying(execute)(nb, timeout=1)
    assert result.err is None and seen == [0, 0]  # the second attempt started from clean cells
    assert len(nb.cells[0].outputs) == 1


def test_a_notebook_that_stalls_twice_fails():
    retry = extension("execution_retry")
    calls = []

    def execute(nb, **kw):
        calls.append(1)
        return Result(nb, CellTimeoutError("stalled"))

    result = retry._retrying(execute)(nbformat.v4.new_notebook(), timeout=1)
    assert isinstance(result.err, CellTimeoutError) and len(calls) == 1 + retry.RETRIES


def test_other_errors_are_not_retried():
    retry = extension("execution_retry")
    calls = []

    def execute(nb, **kw):
        calls.append(1)
        return Result(nb, ValueError("a real bug"))

    assert isinstance(retry._retrying(execute)(nbformat.v4.new_notebook()).err, ValueError) and len(calls) == 1


class Js(str):
    def __new__(cls, filename, body=""):
        obj = super().__new__(cls, filename or "")
        obj.filename, obj.attributes = filename, {"body": body} if body else {}
        return obj


def test_pages_keep_one_copy_of_each_script_and_no_thebe():
    assets = extension("offline_assets")
    context = {
        "script_files": [
            Js("a.js"),
            Js(None, "var x = 1;"),
            Js(None, "const THEBE_JS_URL = 'u';"),
            Js("sphinx-thebe.js"),
            Js("a.js"),
            Js(None, "var x = 1;"),
            Js("b.js"),
        ]
    }
    assets._clean_scripts(None, "page", "page.html", context, None)
    assert [(j.filename, j.attributes.get("body")) for j in context["script_files"]] == [
        ("a.js", None),
        (None, "var x = 1;"),
        ("b.js", None),
    ]


def test_the_watchdog_kills_a_stalled_kernel_and_the_notebook_runs_again(monkeypatch):
    import subprocess
    import sys
    import time

    retry = extension("execution_retry")
    monkeypatch.setattr(retry, "NOTEBOOK_BUDGET", 1.0)
    calls = []

    def execute(nb, **kw):  # the first attempt "stalls" in a kernel that never answers, outside any cell timeout
        calls.append(1)
        if len(calls) == 1:
            kernel = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "ipykernel_launcher"])
            deadline = time.time() + 30
            while kernel.poll() is None and time.time() < deadline:
                time.sleep(0.1)
            assert kernel.poll() is not None, "the watchdog did not kill the kernel"
            raise DeadKernelError("Kernel died")
        return Result(nb, None)

    from nbclient.exceptions import DeadKernelError

    result = retry._retrying(execute)(nbformat.v4.new_notebook(), cwd=".")
    assert result.err is None and len(calls) == 2
