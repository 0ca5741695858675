"""Sphinx extension: chapters execute with a kernel client that cannot sleep
through a reply, and a chapter whose execution stalls anyway is executed
again, once.

Every execution uses :class:`ramanujan_lth.batch.kernel.KernelManager`, whose
clients poll the kernel in short slices: nbclient's single long poll now and
then misses the reply to a cell (jupyter/nbclient#312), most often one that
draws an ``ipywidgets.interact``.

For anything else that stalls: now and then a notebook kernel sits idle
while the client waits for a reply that never comes (seen here with
``jupyter_client`` 8 and ``ipykernel`` 6 and 7 alike: the kernel has run
nothing for minutes, the client waits, and not always inside a cell, where
the per-cell timeout of ``_config.yml`` would end it). So each execution runs under a watchdog: past
:data:`NOTEBOOK_BUDGET` seconds it kills the notebook's kernel, which the
client notices within a second. A notebook that stalled, by the cell timeout
or the watchdog, is executed again from its pristine cells in a new kernel,
and fails the build only if it stalls again. Every chapter of the book
executes well within both limits (about a minute each on two cores).
"""

from __future__ import annotations

import copy
import os
import threading
import traceback

import psutil
from jupyter_cache.executors.utils import ExecutionResult
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from ramanujan_lth.batch.kernel import KernelManager
from sphinx.util import logging

LOG = logging.getLogger(__name__)
#: how many times a stalled notebook is executed again
RETRIES = 1
#: seconds one execution of one notebook may take before its kernel is killed
NOTEBOOK_BUDGET = 600.0


def _kill_kernels() -> list[int]:
    """Kill the notebook kernels this process started; returns their process ids."""
    killed = []
    for child in psutil.Process(os.getpid()).children(recursive=True):
        try:
            if "ipykernel_launcher" in " ".join(child.cmdline()):
                child.kill()
                killed.append(child.pid)
        except psutil.Error:
            continue
    return killed


def _stalled(err) -> bool:
    return isinstance(err, (CellTimeoutError, DeadKernelError))


def _retrying(execute):
    def run(nb, *args, **kwargs):
        pristine = copy.deepcopy(nb)
        for attempt in range(RETRIES + 1):
            killed = []
            watchdog = threading.Timer(NOTEBOOK_BUDGET, lambda: killed.extend(_kill_kernels()))
            watchdog.daemon = True
            watchdog.start()
            try:
                result = execute(nb, *args, **{"kernel_manager_class": KernelManager, **kwargs})
            except (DeadKernelError, RuntimeError) as err:  # raised, not returned, by the executor
                result = ExecutionResult(nb, kwargs.get("cwd"), 0.0, err, traceback.format_exc())
            finally:
                watchdog.cancel()
            if killed and result.err is None:  # the kernel died after the last cell: nothing lost
                return result
            if not _stalled(result.err) and not killed or attempt == RETRIES:
                return result
            why = f"stalled ({type(result.err).__name__})" + (f"; watchdog killed kernel {killed}" if killed else "")
            LOG.warning(f"notebook execution {why}: executing it again in a new kernel")
            nb.clear()
            nb.update(copy.deepcopy(pristine))
        return result

    run.retrying = True
    return run


def setup(app):
    from myst_nb.core.execute import cache, direct

    for module in (cache, direct):
        if not getattr(module.single_nb_execution, "retrying", False):
            module.single_nb_execution = _retrying(module.single_nb_execution)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
