"""The notebook kernel client polls in slices: a reply whose wake-up the socket misses is still read."""

import asyncio
import time
from queue import Empty

import pytest
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.session import Session
from ramanujan_lth.batch.kernel import SLICE, KernelManager, SlicedChannel


class MissedWakeUpSocket:
    """A socket holding messages whose arrival never wakes a poll: a poll sees
    them only at its last check, when its timeout runs out (never, without one)."""

    def __init__(self, frames):
        self.frames = list(frames)
        self.polls = []  # each poll's timeout (ms)

    async def poll(self, timeout=None):
        self.polls.append(timeout)
        if timeout is None:
            await asyncio.Event().wait()  # the wake-up that never comes
        await asyncio.sleep(timeout / 1000)
        return int(bool(self.frames))

    async def recv_multipart(self, **kwargs):
        return self.frames.pop(0)


def channel(cls, frames):
    ch = object.__new__(cls)  # the fake socket is not a zmq socket: skip the check in __init__
    ch.socket, ch.session = MissedWakeUpSocket(frames), Session(key=b"k")
    return ch


def reply(session, text):
    return session.serialize(session.msg("execute_reply", {"status": "ok", "text": text}))


def test_a_reply_whose_wake_up_was_missed_is_read_within_a_slice():
    session = Session(key=b"k")
    sliced = channel(SlicedChannel, [reply(session, "hello")])
    msg = asyncio.run(asyncio.wait_for(sliced.get_msg(), timeout=10 * SLICE))
    assert msg["content"] == {"status": "ok", "text": "hello"}
    assert sliced.socket.polls == [int(SLICE * 1000)]  # read at the end of the first slice

    stock = channel(AsyncZMQSocketChannel, [reply(session, "hello")])  # the client nbclient uses by default
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(asyncio.wait_for(stock.get_msg(), timeout=10 * SLICE))


def test_a_timeout_still_ends_the_wait_when_nothing_came():
    sliced = channel(SlicedChannel, [])
    t0 = time.monotonic()
    with pytest.raises(Empty):
        asyncio.run(sliced.get_msg(timeout=2.5 * SLICE))
    assert time.monotonic() - t0 >= 2.5 * SLICE
    assert sliced.socket.polls[:2] == [int(SLICE * 1000)] * 2 and sum(sliced.socket.polls) <= 2.5 * SLICE * 1000


def test_the_kernel_manager_hands_out_sliced_clients():
    client = KernelManager().client()
    assert client.shell_channel_class is SlicedChannel and client.iopub_channel_class is SlicedChannel


def test_nbclient_executes_a_notebook_with_a_widget_through_the_sliced_client():
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import ipywidgets as w\nw.interact(lambda n=3: print(n * 2), n=(1, 5));"),
        nbformat.v4.new_code_cell("print('after')"),
    ]
    NotebookClient(nb, timeout=60, kernel_name="python3", kernel_manager_class=KernelManager).execute()
    assert nb.cells[1].outputs[0]["text"] == "after\n"
    widget_views = [o for o in nb.cells[0].outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widget_views) == 1
