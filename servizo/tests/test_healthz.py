"""/healthz on the real database and Redis: 200 when all is well, 503 naming what failed (never a 500)."""

import time

import pytest
from django.core.cache import cache

from servizo.testing.outages import DEAD_REDIS_URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_worker(settings):
    """Tasks go to a worker (as in production), so the heartbeat counts; the key is cleared around the test."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    cache.delete(settings.WORKER_HEARTBEAT_KEY)
    yield settings
    cache.delete(settings.WORKER_HEARTBEAT_KEY)


@pytest.mark.usefixtures("no_page_cache")
def test_all_healthy_is_200_with_each_check(client, with_worker, django_assert_max_num_queries):
    cache.set(with_worker.WORKER_HEARTBEAT_KEY, time.time() - 5)

    with django_assert_max_num_queries(1):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok", "worker": "ok"}}
    assert "no-cache" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_stale_heartbeat_is_503_naming_the_worker(client, with_worker):
    cache.set(with_worker.WORKER_HEARTBEAT_KEY, time.time() - with_worker.WORKER_HEARTBEAT_MAX_AGE_SECONDS - 30)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail" and body["failed"] == ["worker"]
    assert body["checks"]["worker"].startswith("heartbeat 1") and body["checks"]["database"] == "ok"


def test_missing_heartbeat_is_503(client, with_worker):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "no heartbeat"


def test_redis_down_is_503_not_500(client, with_worker, redis_down):
    with_worker.REDIS_URL = DEAD_REDIS_URL

    started = time.monotonic()
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["redis", "worker"]  # the heartbeat lives in Redis too
    assert body["checks"]["redis"] == "unreachable (ConnectionError)" and body["checks"]["database"] == "ok"
    assert time.monotonic() - started < 3


def test_eager_tasks_need_no_worker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    assert client.get("/healthz").status_code == 200
