"""The channel layer: channels_redis's pub/sub layer on lean connections of the event loop (`servizo.redisloop`).

Every chat message is a `group_send` in one process and a receipt in another. channels_redis publishes through
redis-py's asyncio client (its per-loop proxy, a lock it shares with subscriptions, redis-py's command path: ~100 µs
of CPU per message) and receives in a loop that reads each message under a 0.1 s timeout (a timer armed and
cancelled per message, ten expiring a second when idle) through redis-py's pub/sub parsing and retry wrappers.
Here each Redis server of the layer is a `_Shard` with a `redisloop.LoopRedis` for publishing (~25 µs) and a
`redisloop.LoopSubscriber` that hands each message to the channels' queues as it is read. The channel names, the
bytes (`serialize`), the groups and the at-most-once contract are channels_redis's own (its `RedisPubSubLoopLayer`
keeps the channels, the groups and which shard serves which name). A host given as anything but an address
(Sentinel, host and port) keeps channels_redis's own connections.
"""

import asyncio

from channels_redis import pubsub
from channels_redis.utils import _wrap_close

from servizo import redisloop


class _Shard:
    """One Redis server of the layer, as `RedisPubSubLoopLayer` uses its shards (publish, subscribe, unsubscribe,
    flush), on `servizo.redisloop` connections."""

    def __init__(self, address: str, layer: pubsub.RedisPubSubLoopLayer) -> None:
        self.address = address
        self.layer = layer
        self.subscriber = redisloop.LoopSubscriber(address, self._received)

    async def publish(self, channel: str, message: bytes) -> None:
        await redisloop.connection(self.address).execute("PUBLISH", channel, message)

    async def subscribe(self, channel: str) -> None:
        await self.subscriber.subscribe(channel)

    async def unsubscribe(self, channel: str) -> None:
        await self.subscriber.unsubscribe(channel)

    async def flush(self) -> None:
        self.subscriber.close()
        self.subscriber = redisloop.LoopSubscriber(self.address, self._received)

    def _received(self, name: bytes, data: bytes) -> None:
        """channels_redis's `_receive_message`: to the channel, or to every channel of the group, of that name."""
        name = name.decode()
        channels = self.layer.channels
        if name in channels:
            channels[name].put_nowait(data)
        elif name in self.layer.groups:
            for channel in self.layer.groups[name]:
                if channel in channels:
                    channels[channel].put_nowait(data)


class _LoopLayer(pubsub.RedisPubSubLoopLayer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shards = [_Shard(s.host["address"], self) if "address" in s.host else s for s in self._shards]


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
        """With one Redis server, straight to it: no loop layer, shard or proxy in between."""
        if self.publish_address is None:
            return await self._get_layer().group_send(group, message)
        channel = self.group_channel_prefix + group
        await redisloop.connection(self.publish_address).execute("PUBLISH", channel, self.serialize(message))
