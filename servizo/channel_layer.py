"""The channel layer: channels_redis's pub/sub layer, its group sends published on a lean connection.

Every chat message is a `group_send`. channels_redis publishes it through redis-py's asyncio client: its
per-loop proxy, a lock it shares with subscriptions and redis-py's command path cost ~100 µs of CPU per
message. Here the same bytes (`serialize`) go to the same Redis channel (channels_redis's name for the group,
which its subscribers listen on) on a `servizo.redisloop` connection, ~25 µs. Subscribing, receiving and
`send` stay channels_redis's own, but for one thing: its receiver waits for each message without a timeout.
With several hosts (sharded groups) channels_redis picks the shard and publishes as before.
"""

import asyncio
import logging

from channels_redis import pubsub
from channels_redis.utils import _wrap_close

from servizo import redisloop

logger = logging.getLogger(__name__)


class _Shard(pubsub.RedisSingleShardConnection):
    async def _do_receiving(self) -> None:
        """channels_redis's receiver, waiting for each message without a timeout. Its 0.1 s timeout armed and
        cancelled a timer per message, and when idle ten expired a second, each raising and catching its error
        through redis-py: ~3 % of a chat message's server CPU (py-spy, bench/chat_latency.py). A timeout never
        told it anything: a lost connection raises, and redis-py reconnects and subscribes again."""
        while True:
            try:
                if self._pubsub and self._pubsub.subscribed:
                    self._receive_message(await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=None))
                else:
                    await asyncio.sleep(0.1)
            except (asyncio.CancelledError, GeneratorExit):
                raise
            except Exception:
                logger.exception("Unexpected exception in the channel layer's receiver")
                await asyncio.sleep(1)


class _LoopLayer(pubsub.RedisPubSubLoopLayer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shards = [_Shard(shard.host, self) for shard in self._shards]


def _single_address(hosts) -> str | None:
    if not hosts or len(hosts) != 1:
        return None
    host = hosts[0]
    return host if isinstance(host, str) else host.get("address") if isinstance(host, dict) else None


class RedisPubSubChannelLayer(pubsub.RedisPubSubChannelLayer):
    def __init__(self, hosts=None, prefix: str = "asgi", **kwargs) -> None:
        super().__init__(hosts=hosts, prefix=prefix, **kwargs)
        self.publish_address = _single_address(hosts)
        self.group_channel_prefix = f"{prefix}__group__"  # channels_redis: RedisPubSubLoopLayer._get_group_channel_name

    def _get_layer(self) -> _LoopLayer:
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = self._layers[loop] = _LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
        return layer

    async def receive(self, channel: str) -> dict:
        """A method, not channels_redis's proxy (`__getattr__` and `_async_proxy`: the method looked up by name
        through another coroutine on every message received)."""
        return await self._get_layer().receive(channel)

    async def group_send(self, group: str, message: dict) -> None:
        if self.publish_address is None:
            return await self._get_layer().group_send(group, message)
        channel = self.group_channel_prefix + group
        await redisloop.connection(self.publish_address).execute("PUBLISH", channel, self.serialize(message))
