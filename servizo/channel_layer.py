"""The channel layer: channels_redis's pub/sub layer, its group sends published on a lean connection.

Every chat message is a `group_send`. channels_redis publishes it through redis-py's asyncio client: its
per-loop proxy, a lock it shares with subscriptions and redis-py's command path cost ~100 µs of CPU per
message. Here the same bytes (`serialize`) go to the same Redis channel (channels_redis's name for the group,
which its subscribers listen on) on a `servizo.redisloop` connection, ~25 µs. Subscribing, receiving and
`send` stay channels_redis's own. With several hosts (sharded groups) channels_redis picks the shard and
publishes as before.
"""

from channels_redis import pubsub

from servizo import redisloop


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

    async def group_send(self, group: str, message: dict) -> None:
        if self.publish_address is None:
            return await self._get_layer().group_send(group, message)
        channel = self.group_channel_prefix + group
        await redisloop.connection(self.publish_address).execute("PUBLISH", channel, self.serialize(message))
