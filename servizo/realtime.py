"""The one way services push to WebSocket clients: best effort, after the data is stored.

Channel-layer delivery is at-most-once anyway (a full channel drops silently), so every push has a
database-backed fallback (notifications list, chat resync, feed reload). A layer that is down or hung
must therefore cost the action nothing: failures are logged, never raised, and bounded in time.
"""

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

BROADCAST_TIMEOUT_SECONDS = 2.0


async def _group_send(groups: list[str], event: dict) -> None:
    layer = get_channel_layer()
    for group in groups:
        await asyncio.wait_for(layer.group_send(group, event), timeout=BROADCAST_TIMEOUT_SECONDS)


def broadcast(*groups: str, event: dict) -> bool:
    """Send `event` to each group from sync code; False (and a warning in the log) if the layer failed."""
    try:
        async_to_sync(_group_send)(list(groups), event)
    except Exception:  # best effort by contract: the stored data stays the truth
        logger.warning("Broadcast of %s to %s failed", event.get("type"), ", ".join(groups), exc_info=True)
        return False
    return True
