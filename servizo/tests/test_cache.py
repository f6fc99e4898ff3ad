"""servizo.cache.ResilientRedisCache: Redis's answers when it is up, a cache miss when it is down."""

import asyncio
import logging

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import caches

from servizo.cache import ASYNC_TIMEOUT_SECONDS
from servizo.testing.outages import DEAD_REDIS_URL


@pytest.fixture
def dead_cache(settings):
    settings.CACHES = {**settings.CACHES, "dead": {**settings.CACHES["default"], "LOCATION": DEAD_REDIS_URL}}
    return caches["dead"]


def test_redis_down_reads_are_misses_and_writes_no_ops(dead_cache):
    dead_cache.set("k", 1)

    assert dead_cache.get("k") is None and dead_cache.get("k", "default") == "default"
    assert dead_cache.get_many(["k"]) == {} and not dead_cache.has_key("k")
    assert dead_cache.add("k", 1) is True  # as on an empty cache: lock-style callers proceed
    assert dead_cache.get_or_set("k", 7) == 7
    assert not dead_cache.touch("k") and not dead_cache.delete("k")
    with pytest.raises(ValueError):  # what incr/decr raise for a missing key
        dead_cache.incr("k")
    with pytest.raises(ValueError):
        dead_cache.decr("k")


def test_an_outage_is_one_warning_and_then_redis_is_left_alone_for_a_while(dead_cache, caplog):
    with caplog.at_level(logging.WARNING, logger="servizo.cache"):
        for _ in range(20):
            dead_cache.get("k")

    assert len([r for r in caplog.records if r.name == "servizo.cache"]) == 1


def test_redis_up_it_is_a_plain_redis_cache():
    cache = caches["default"]
    cache.set("servizo-cache-test", 41)
    assert cache.incr("servizo-cache-test") == 42
    assert cache.add("servizo-cache-test", 0) is False
    cache.delete("servizo-cache-test")
    assert cache.get("servizo-cache-test") is None


def test_every_call_reuses_one_redis_client_per_pool():
    client = caches["default"]._cache
    assert client.get_client("a") is client.get_client("b")
    assert client.get_client("a", write=True) is client.get_client("b", write=True)


def test_every_cache_object_of_the_process_shares_one_client_and_its_outage_state(dead_cache):
    """Django builds a cache object per async context (each daphne socket): they must not each open
    their own Redis connection, nor each pay a connect timeout during an outage."""
    other = caches.create_connection("dead")
    assert other is not dead_cache and other._cache is dead_cache._cache
    assert caches.create_connection("default")._cache is caches["default"]._cache is not dead_cache._cache

    dead_cache.get("k")
    assert other._cache.down_until > 0  # the outage one of them met is known to the other


@pytest.mark.asyncio
async def test_delete_many_on_the_event_loop_deletes_and_an_outage_costs_nothing(dead_cache, caplog):
    cache = caches["default"]
    await sync_to_async(cache.set_many)({"servizo-async-a": 1, "servizo-async-b": 2})

    await cache.adelete_many(["servizo-async-a", "servizo-async-b"])

    assert await sync_to_async(cache.get_many)(["servizo-async-a", "servizo-async-b"]) == {}
    with caplog.at_level(logging.WARNING, logger="servizo.cache"):
        await dead_cache.adelete_many(["k"])
        await dead_cache.adelete_many(["k"])  # left alone: no second connect attempt, no second warning
    assert len([r for r in caplog.records if r.name == "servizo.cache"]) == 1


@pytest.mark.asyncio
async def test_delete_many_on_the_event_loop_gives_up_on_a_hung_redis(redis_hung, caplog):
    """Its client has no socket timeout of redis-py's (no task per command): the call bounds itself."""
    with caplog.at_level(logging.WARNING, logger="servizo.cache"):
        await asyncio.wait_for(caches["default"].adelete_many(["k"]), 5)  # 1 s, the cache's socket timeout

    assert len([r for r in caplog.records if r.name == "servizo.cache"]) == 1


def test_an_async_call_stays_bounded_when_the_settings_give_no_socket_timeout(settings):
    options = {k: v for k, v in settings.CACHES["default"]["OPTIONS"].items() if k != "socket_timeout"}
    settings.CACHES = {**settings.CACHES, "untimed": {**settings.CACHES["default"], "OPTIONS": options}}

    assert caches["untimed"]._cache.async_timeout == ASYNC_TIMEOUT_SECONDS
    assert caches["default"]._cache.async_timeout == settings.CACHES["default"]["OPTIONS"]["socket_timeout"]
