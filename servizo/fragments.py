"""Rendered list rows kept in the cache (Redis in production), for lists whose rows cost more to render
than to read.

`cached_fragments` looks up every row's HTML in one round trip and renders only the missing ones. The
caller's key must change with everything the row shows that must be current (an id plus a version: the
last save, the last message, an unread count); the rest (a name, "posted ... ago") is at most `timeout`
seconds old. Rows are rendered in the active language, which `cached_fragments` adds to every key itself (an
Urdu reader never gets an English row). With Redis down every row is rendered (servizo.cache).
"""

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

T = TypeVar("T")


def cached_fragments(
    rows: Iterable[T], *, key: Callable[[T], str], render: Callable[[T], str], timeout: int
) -> SafeString:
    """The rows' HTML, in order: from the cache, or rendered by `render` (autoescaping templates) and stored."""
    language = get_language()
    keyed = {f"{key(row)}:{language}": row for row in rows}
    html = cache.get_many(list(keyed))
    missing = {k: render(row) for k, row in keyed.items() if k not in html}
    if missing:
        cache.set_many(missing, timeout)
    return mark_safe("".join(html.get(k) or missing[k] for k in keyed))  # each fragment is autoescaped
