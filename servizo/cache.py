"""The Redis cache, made safe to lose: with Redis unreachable every read is a miss and every write a no-op.

Nothing Servizo keeps in the cache is a source of truth (allauth's rate-limit counters, badges, page
fragments), so an outage degrades features instead of failing requests: rate limits fail open and
cached values are computed again. Each outage is logged as a warning; after one, the backend leaves Redis alone for
`RETRY_AFTER_SECONDS` so a request does not pay a connect timeout on every cache call.
"""

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.core.signals import setting_changed
from django.dispatch import receiver
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from servizo import redisloop

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5.0
ASYNC_TIMEOUT_SECONDS = 5.0  # an async call's bound when the settings give no socket timeout (redis-py's default)


class _SharedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a new `redis.Redis` for every cache call (~60 µs of CPU per call); one per
    connection pool serves them all (they are thread-safe). It also remembers an outage for every
    cache object of the process (`down_until`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self.async_timeout = self._pool_options.get("socket_timeout") or ASYNC_TIMEOUT_SECONDS
        self.down_until = 0.0

    def async_connection(self) -> redisloop.LoopRedis:
        """The write server, for the running event loop (`servizo.redisloop`: ~25 µs of CPU per command where
        redis.asyncio's client costs ~80). Callers bound each call with `asyncio.timeout(async_timeout)`."""
        return redisloop.connection(self._servers[0])

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        if index not in self._clients:
            self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return self._clients[index]


# One client (and so one connection pool) per configuration in the process. Django's cache objects are
# per async context: under daphne every socket got its own, and so its own Redis connection (a connect,
# a handshake and a version lookup each: most of the CPU of opening a chat socket).
_clients: dict[tuple, _SharedClientRedisCacheClient] = {}
_clients_lock = threading.Lock()


def _outage(client: _SharedClientRedisCacheClient, error: Exception) -> None:
    client.down_until = time.monotonic() + RETRY_AFTER_SECONDS
    logger.warning("Redis cache unreachable (%s): serving misses for %.0f s", error, RETRY_AFTER_SECONDS)


async def _nothing() -> None:
    pass


async def _outcome(client: _SharedClientRedisCacheClient, reply: asyncio.Future) -> None:
    """Wait for `reply` (bounded in time unless it is in already); an outage is noted, not raised."""
    try:
        if not reply.done():
            async with asyncio.timeout(client.async_timeout):
                await reply
        reply.result()
    except (RedisConnectionError, RedisTimeoutError, TimeoutError) as error:
        _outage(client, error)


@receiver(setting_changed)
def _forget_clients(*, setting: str, **kwargs) -> None:
    """Like Django's own cache objects, the clients start afresh when a test changes CACHES."""
    if setting == "CACHES":
        _clients.clear()


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _SharedClientRedisCacheClient
        self._client_key = (tuple(self._servers), repr(sorted(self._options.items())))

    @property
    def _cache(self) -> _SharedClientRedisCacheClient:
        client = _clients.get(self._client_key)
        if client is None:
            with _clients_lock:
                client = _clients.get(self._client_key) or _clients.setdefault(
                    self._client_key, self._class(self._servers, **self._options)
                )
        return client

    def _degrade(self, method: str, fallback, *args, **kwargs):
        """Run RedisCache's `method`; if Redis is unreachable, answer `fallback` (raised if an exception)."""
        client = self._cache
        if time.monotonic() >= client.down_until:
            try:
                return getattr(super(), method)(*args, **kwargs)
            except (RedisConnectionError, RedisTimeoutError) as error:
                _outage(client, error)
        if isinstance(fallback, Exception):
            raise fallback
        return fallback

    async def adelete_many(self, keys, version=None):
        """On the event loop (Django's async cache methods run the sync ones on a worker thread)."""
        await self.adelete_many_sent(keys, version)

    def adelete_many_sent(self, keys, version=None) -> Awaitable[None]:
        """`adelete_many` with its DEL queued before this returns (`redisloop.LoopRedis.send`): Redis runs it
        before whatever the caller sends after it on the same connection. Await the result for its outcome."""
        client = self._cache
        if time.monotonic() < client.down_until:
            return _nothing()
        redis_keys = [self.make_and_validate_key(key, version) for key in keys]
        return _outcome(client, client.async_connection().send("DEL", *redis_keys))

    def get(self, key, default=None, version=None):
        return self._degrade("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._degrade("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._degrade("has_key", False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # On an empty cache an add succeeds; callers using add() as a lock (allauth) proceed.
        return self._degrade("add", True, key, value, timeout, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade("set", None, key, value, timeout, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade("set_many", list(data), data, timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade("touch", False, key, timeout, version=version)

    def incr(self, key, delta=1, version=None):
        # What incr() raises for a missing key; decr() goes through here too.
        return self._degrade("incr", ValueError(f"Key '{key}' not found"), key, delta, version)

    def delete(self, key, version=None):
        return self._degrade("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._degrade("delete_many", None, keys, version)

    def clear(self):
        return self._degrade("clear", False)
