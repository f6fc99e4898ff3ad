"""servizo.consumers.dispatch_serially: the dispatch loop of every socket."""

import asyncio
import contextvars

import pytest
from channels.exceptions import StopConsumer

from servizo.consumers import dispatch_serially

LANGUAGE = contextvars.ContextVar("language", default="none")


def _source(messages: list[dict], delay: float = 0.0):
    queue: asyncio.Queue = asyncio.Queue()
    for message in messages:
        queue.put_nowait(message)

    async def receive() -> dict:
        await asyncio.sleep(delay)
        return await queue.get()

    return receive


@pytest.mark.asyncio
async def test_handlers_run_one_at_a_time_in_order_and_share_what_they_set():
    seen, running = [], []

    async def dispatch(message):
        assert not running, "a handler started while another was still running"
        running.append(message)
        if message["type"] == "connect":
            LANGUAGE.set("ur")
        await asyncio.sleep(0.01)  # a handler that waits (a database hop) must hold the others back
        seen.append((message["type"], LANGUAGE.get()))
        running.pop()
        if message["type"] == "disconnect":
            raise StopConsumer

    socket = _source([{"type": "connect"}, {"type": "frame"}, {"type": "disconnect"}], delay=0.005)
    layer = _source([{"type": "event"}, {"type": "event"}], delay=0.012)
    with pytest.raises(StopConsumer):
        await asyncio.wait_for(dispatch_serially([socket, layer], dispatch), 5)

    assert [kind for kind, _ in seen if kind != "event"] == ["connect", "frame", "disconnect"]
    assert ("event", "ur") in seen  # the layer's events see the language the socket's connect set
    assert LANGUAGE.get() == "none"  # and the caller's context is left alone


@pytest.mark.asyncio
async def test_a_failing_handler_ends_the_socket_and_stops_both_sources():
    async def dispatch(message):
        raise ValueError(message["type"])

    never = _source([])  # waits for ever: it must be cancelled, not leaked
    with pytest.raises(ValueError, match="boom"):
        await asyncio.wait_for(dispatch_serially([_source([{"type": "boom"}]), never], dispatch), 5)
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
