"""pytest plugin: a real Celery worker process on the test database and the suite's Redis.

The `celery_worker` fixture starts `celery -A servizo worker` as a subprocess with the test settings,
pointed at the test database, the suite's Redis (broker and cache, same key prefix) and the session's
localstripe (request `localstripe` before it), waits for its start-up heartbeat, and switches this
process from eager tasks to sending them to the broker. Use it in `django_db(transaction=True)` tests:
the worker sees committed rows only.
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
START_TIMEOUT_SECONDS = 60


def database_url(settings_dict: dict) -> str:
    """The URL (for django-environ) of the database this connection uses now: the test database."""
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    credentials = f"{quote(settings_dict['USER'], safe='')}:{quote(settings_dict['PASSWORD'], safe='')}"
    return f"mysql://{credentials}@{settings_dict['HOST']}:{settings_dict['PORT'] or 3306}/{settings_dict['NAME']}"


def wait_for(condition, *, timeout: float = 30.0) -> bool:
    """Poll `condition` until it is true or `timeout` seconds have passed; its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return bool(condition())


@pytest.fixture
def celery_worker(transactional_db, settings, tmp_path):
    from django.core.cache import cache
    from django.db import connection

    from servizo.celery import app

    app.control.purge()  # nothing left over from an earlier run
    started = time.time()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "servizo.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
        "TEST_CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "STRIPE_API_BASE": settings.STRIPE_API_BASE,
    }
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "servizo", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-mingle", "--without-gossip", "--hostname", f"test-{os.getpid()}@%h"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    app.conf.task_always_eager = False

    def ready() -> bool:  # the worker writes the heartbeat when it is ready to consume
        return (cache.get(settings.WORKER_HEARTBEAT_KEY) or 0) >= started

    try:
        if not wait_for(ready, timeout=START_TIMEOUT_SECONDS):
            raise RuntimeError(f"The worker did not start:\n{log.read_text()[-3000:]}")
        yield process
    finally:
        app.conf.task_always_eager = True
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
