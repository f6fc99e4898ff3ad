"""servizo.realtime.broadcast: delivered when the layer works, bounded and logged when it does not."""

import asyncio
import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from servizo.realtime import broadcast


def test_a_broadcast_reaches_the_group():
    async def listen_while_broadcasting():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add("servizo-realtime-test", channel)
        try:
            sent = await sync_to_async(broadcast)("servizo-realtime-test", event={"type": "ping", "n": 1})
            return sent, await asyncio.wait_for(layer.receive(channel), timeout=5)
        finally:
            await layer.group_discard("servizo-realtime-test", channel)

    assert async_to_sync(listen_while_broadcasting)() == (True, {"type": "ping", "n": 1})


@pytest.mark.parametrize("outage", ["redis_down", "redis_hung"])
def test_with_redis_out_pushes_fail_fast_and_only_the_first_waits(request, outage, caplog):
    request.getfixturevalue(outage)
    started = time.monotonic()

    results = [broadcast(f"group-{n}", event={"type": "ping"}) for n in range(5)]

    assert results == [False] * 5
    assert time.monotonic() - started < 4  # one bounded wait (2 s at most), not five
    assert len([r for r in caplog.records if r.name == "servizo.realtime"]) == 1


def test_an_event_the_layer_cannot_serialize_fails_alone_and_the_next_push_goes(caplog):
    """A bug in one payload is not an outage: it must not silence every push of the process for a while."""
    from decimal import Decimal

    async def listen_while_broadcasting():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add("servizo-realtime-test", channel)
        try:
            bad = await sync_to_async(broadcast)("servizo-realtime-test", event={"type": "ping", "n": Decimal(1)})
            good = await sync_to_async(broadcast)("servizo-realtime-test", event={"type": "ping", "n": 2})
            return bad, good, await asyncio.wait_for(layer.receive(channel), timeout=5)
        finally:
            await layer.group_discard("servizo-realtime-test", channel)

    assert async_to_sync(listen_while_broadcasting)() == (False, True, {"type": "ping", "n": 2})
    assert [r.levelname for r in caplog.records if r.name == "servizo.realtime"] == ["ERROR"]
