"""Small per-user values every page shows (the navbar badges), kept in the cache for a short while.

`user_cached` reads the value from the cache (Redis in production) or computes and stores it; the
services that change what it counts call `user_cache_drop`, which deletes it once their transaction
commits. A reader racing that commit can store the old value again, so every entry also expires after
`TIMEOUT_SECONDS`: a badge is at worst that old (the live pushes correct it sooner). With Redis down
every read is a miss and the value is computed as before (servizo.cache). A value may hold translated text
(a panel's labels), so each language has its own entry, and a drop forgets them all.
"""

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import get_language

from servizo.commit import after_commit
from servizo.pagecache import generation_key

TIMEOUT_SECONDS = 60
T = TypeVar("T")


def _key(user_id: int, name: str, language: str) -> str:
    return f"user:{user_id}:{name}:{language}"


def _keys(user_id: int, name: str) -> list[str]:
    """The value's entries in every language, and the user's cached pages, which show it (servizo.pagecache)."""
    return [_key(user_id, name, language) for language in dict(settings.LANGUAGES)] + [generation_key(user_id)]


def user_cached(user_id: int, name: str, compute: Callable[[], T]) -> T:
    """The user's cached `name`, or `compute()` stored for next time."""
    key = _key(user_id, name, get_language())
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT_SECONDS)
    return value


def user_cache_drop(user_id: int, name: str) -> None:
    """Forget the user's cached `name` now and again once the current transaction commits (a reader
    between the two stores the old value)."""
    keys = _keys(user_id, name)
    cache.delete_many(keys)
    if transaction.get_connection().in_atomic_block:
        after_commit(cache.delete_many, keys)


async def auser_cache_drop(user_id: int, *names: str) -> None:
    """`user_cache_drop` of each of `names` from an event loop, after the change committed: one cache call."""
    await cache.adelete_many(list(dict.fromkeys(key for name in names for key in _keys(user_id, name))))
