"""Settings for bench/pages.py: production settings plus the bench URLs and a fast password hasher.

Only two changes, so the figures are production's: ROOT_URLCONF adds `/bench/bare/` (the ceiling),
and MD5 password hashing makes the bench's own logins instant (no page under test hashes passwords).
"""

from servizo.settings.production import *  # noqa: F403
from servizo.settings.production import env

ROOT_URLCONF = "bench.urls"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A scratch copy of the collected static files (the manifest storage needs one), and cache keys
# prefixed per run and scale so no cached fragment outlives its database.
STATIC_ROOT = env("BENCH_STATIC_ROOT")
for _cache in CACHES.values():  # noqa: F405
    _cache["KEY_PREFIX"] = env("BENCH_CACHE_PREFIX", default="bench-pages")
