"""Settings for the test suite (pytest). Real MariaDB and Redis come from the environment."""

import os

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PRIVATE_MEDIA_ROOT = BASE_DIR / ".test-private-media"  # noqa: F405

if not REDIS_URL:  # noqa: F405 - the suite always exercises the real Redis layer
    REDIS_URL = "redis://127.0.0.1:6379/0"
    CACHES = {"default": redis_cache(REDIS_URL)}  # noqa: F405
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}}

# A second connection to the test database under the alias "replica": it sees only committed rows, so
# inside a test's transaction it lags behind like a replica. Reads use it only where a test sets
# DATABASE_READ_REPLICA (servizo/tests/test_replica.py).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {**DATABASES["default"].get("TEST", {}), "MIRROR": "default"}}  # noqa: F405
DATABASE_READ_REPLICA = None

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# allauth's rate limits live in the cache: a fresh prefix per run keeps one run's
# signups and logins from counting against the next one's on the shared Redis.
# A worker started by the tests (servizo.testing.worker) is given its parent's prefix.
CACHES["default"]["KEY_PREFIX"] = env("TEST_CACHE_KEY_PREFIX", default=f"test-{os.getpid()}")  # noqa: F405

# Tasks run where they are queued; the worker tests start a real worker process on Redis instead.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = REDIS_URL
