"""The anonymous landing page, rendered once per language and served from the cache (Redis in production).

It is the same for every visitor who is not signed in, has no flash message and reads the same language: its
only data are the active categories and the commission. A category change drops it (every language's copy),
and accounts.selectors.category_map, on commit (receivers connected in AccountsConfig.ready: the admin edits
categories as plain model saves); a deploy with a new template shows the old page for at most CACHE_SECONDS.
With Redis down every request renders it as before.
"""

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.translation import get_language

from accounts.selectors import CATEGORY_MAP_KEY, category_list_active_cached
from servizo.commit import after_commit
from servizo.pagecache import site_pages_changed

CACHE_SECONDS = 300


def _key(language: str) -> str:
    return f"landing:anonymous:{settings.PLATFORM_COMMISSION_BP}:{language}"


def landing_context() -> dict:
    return {"categories": category_list_active_cached()}


def anonymous_landing_html(request) -> str:
    key = _key(get_language())
    html = cache.get(key)
    if html is None:
        html = render_to_string("home.html", landing_context(), request=request)
        cache.set(key, html, CACHE_SECONDS)
    return html


def category_caches_drop(**kwargs) -> None:
    """Signal receiver (any ServiceCategory save or delete): forget the cached page and category map
    once that commits, and renew every signed-in page (they name categories)."""
    site_pages_changed()
    after_commit(cache.delete_many, [*(_key(language) for language in dict(settings.LANGUAGES)), CATEGORY_MAP_KEY])
