"""A notebook kernel client whose waits never sleep through a message.

``nbclient`` (under papermill and the book build alike) waits for each
cell's reply with one poll of the kernel's socket, for ever when no cell
timeout is set. Now and then that poll is not woken when the reply arrives:
the kernel sits idle, the client waits, and the execution hangs (with a cell
timeout it goes on, late, when the timeout fires: the poll's last check then
finds the reply that was there all along). Here it hit 7 of 35 executions
of a notebook whose one cell draws an ``ipywidgets.interact``, and none of
230 with this client; it is jupyter/nbclient#312.

:class:`KernelManager` hands out clients whose channels poll in slices of
:data:`SLICE` seconds, each ending in that last check, so a missed wake-up
costs at most one slice and a timeout still means what it says. Pass it as
``kernel_manager_class`` to ``nbclient.NotebookClient`` (or to papermill's
``execute_notebook``).
"""

from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Type

#: the longest a missed wake-up delays a reply, in seconds
SLICE = 0.5


class SlicedChannel(AsyncZMQSocketChannel):
    """A channel whose ``get_msg`` polls in slices of :data:`SLICE` seconds."""

    async def get_msg(self, timeout: float | None = None) -> dict:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = SLICE if deadline is None else min(SLICE, max(0.0, deadline - time.monotonic()))
            if await self.socket.poll(int(left * 1000)):
                return await self._recv()
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty


class KernelClient(AsyncKernelClient):
    """An asynchronous kernel client with sliced shell, iopub and control polls."""

    shell_channel_class = Type(SlicedChannel)
    iopub_channel_class = Type(SlicedChannel)
    control_channel_class = Type(SlicedChannel)


class KernelManager(AsyncKernelManager):
    """An asynchronous kernel manager whose clients are :class:`KernelClient`."""

    client_class = DottedObjectName(f"{__name__}.KernelClient")
    client_factory = Type(KernelClient)
