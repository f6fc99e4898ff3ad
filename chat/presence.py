"""Who has a conversation open right now, shared by all daphne processes through the cache (Redis).

A counter per (conversation, user): each open socket adds one and removes it on disconnect.
The TTL bounds how long a crashed process can leave a stale "viewing" behind.
"""

from django.core.cache import cache

PRESENCE_TTL_SECONDS = 60 * 60


def _key(conversation_id: int, user_id: int) -> str:
    return f"chat:viewing:{conversation_id}:{user_id}"


def viewer_enter(*, conversation_id: int, user_id: int) -> None:
    key = _key(conversation_id, user_id)
    cache.add(key, 0, PRESENCE_TTL_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # evicted or expired since the add, or the cache is down (servizo.cache): a miss
        cache.set(key, 1, PRESENCE_TTL_SECONDS)
        return
    cache.touch(key, PRESENCE_TTL_SECONDS)


def viewer_leave(*, conversation_id: int, user_id: int) -> None:
    try:
        if cache.decr(_key(conversation_id, user_id)) <= 0:
            cache.delete(_key(conversation_id, user_id))
    except ValueError:  # expired meanwhile
        pass


def is_viewing(*, conversation_id: int, user_id: int) -> bool:
    return (cache.get(_key(conversation_id, user_id)) or 0) > 0
