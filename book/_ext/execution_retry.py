"""Sphinx extension: a chapter whose execution stalls is executed again, once.

Now and then a notebook kernel sits idle while the client waits for a reply
that never comes (seen here with ``jupyter_client`` 8 and ``ipykernel`` 6
and 7 alike: the kernel has run nothing, the client waits). Every cell of
the book runs well within the per-cell timeout of ``_config.yml``, so a
cell that reaches it has stalled: this extension then executes the whole
notebook again in a fresh kernel instead of failing the build, and fails
only if the second attempt stalls too. Each attempt is logged.
"""

from __future__ import annotations

import copy

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from sphinx.util import logging

LOG = logging.getLogger(__name__)
#: how many times a stalled notebook is executed again
RETRIES = 1


def _retrying(execute):
    def run(nb, *args, **kwargs):
        pristine = copy.deepcopy(nb)
        for attempt in range(RETRIES + 1):
            result = execute(nb, *args, **kwargs)
            if not isinstance(result.err, (CellTimeoutError, DeadKernelError)) or attempt == RETRIES:
                return result
            LOG.warning(f"notebook execution stalled ({type(result.err).__name__}): executing it again in a new kernel")
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
