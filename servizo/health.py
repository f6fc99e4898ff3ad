"""What /healthz checks: the database, Redis and the background worker's heartbeat.

Each check answers None when healthy, else a short reason. Cheap enough for a load balancer to probe
every few seconds: one `SELECT 1`, one Redis PING on a reused connection pool, one cache read.
"""

import time
from functools import lru_cache

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection


def database_problem() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return f"unreachable ({type(error).__name__})"
    return None


@lru_cache(maxsize=2)
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def redis_problem() -> str | None:
    if not settings.REDIS_URL:
        return None  # `make run`: cache and channel layer in memory, nothing to reach
    try:
        _redis(settings.REDIS_URL).ping()
    except redis.RedisError as error:
        return f"unreachable ({type(error).__name__})"
    return None


def worker_problem() -> str | None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None  # tasks run in the process that queues them; there is no worker to wait for
    beat = cache.get(settings.WORKER_HEARTBEAT_KEY)
    if beat is None:
        return "no heartbeat"
    age = time.time() - float(beat)
    if age > settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS:
        return f"heartbeat {age:.0f} s old (max {settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS})"
    return None


CHECKS = {"database": database_problem, "redis": redis_problem, "worker": worker_problem}


def health_problems() -> dict[str, str | None]:
    """Every check's result by name: None (healthy) or the reason it failed."""
    return {name: check() for name, check in CHECKS.items()}
