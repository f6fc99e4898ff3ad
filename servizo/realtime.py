"""The one way the code pushes to WebSocket clients (services and consumers): best effort.

Channel-layer delivery is at-most-once anyway (a full channel drops silently), so every push has a
database-backed fallback (notifications list, chat resync, feed reload). A layer that is down or hung
must therefore cost the action nothing: failures are logged, never raised, and bounded in time; after
the layer fails (unreachable, hung), pushes through it are skipped for RETRY_AFTER_SECONDS (one warning,
one timeout paid). An event the layer cannot take (a value msgpack cannot serialize) fails alone.
"""

import asyncio
import logging
import time
from weakref import WeakKeyDictionary

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

BROADCAST_TIMEOUT_SECONDS = 2.0
RETRY_AFTER_SECONDS = 5.0
_down_until: WeakKeyDictionary = WeakKeyDictionary()  # layer -> monotonic time to try it again


async def _group_send(layer, groups: list[str], event: dict) -> None:
    for group in groups:
        async with asyncio.timeout(BROADCAST_TIMEOUT_SECONDS):  # unlike wait_for, no extra task per send
            await layer.group_send(group, event)


async def abroadcast(*groups: str, event: dict) -> bool:
    """Send `event` to each group from async code (consumers); False (and a warning) if the layer failed."""
    layer = get_channel_layer()
    if time.monotonic() < _down_until.get(layer, 0.0):
        return False
    try:
        await _group_send(layer, list(groups), event)
    except (OSError, TimeoutError, RedisError):  # the layer is out: skip every push for a while
        _down_until[layer] = time.monotonic() + RETRY_AFTER_SECONDS
        logger.warning(
            "Broadcast of %s to %s failed; skipping pushes for %.0f s",
            event.get("type"), ", ".join(groups), RETRY_AFTER_SECONDS, exc_info=True,
        )  # fmt: skip
        return False
    except Exception:  # this event alone (one the layer cannot serialize): the other pushes still go
        logger.exception("Broadcast of %s to %s failed", event.get("type"), ", ".join(groups))
        return False
    return True


def broadcast(*groups: str, event: dict) -> bool:
    """`abroadcast` from sync code (services, inside `on_commit`)."""
    return async_to_sync(abroadcast)(*groups, event=event)
