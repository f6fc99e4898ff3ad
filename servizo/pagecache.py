"""Signed-in pages kept whole, per user, in the cache (Redis in production) until something they show changes.

Rendering a signed-in page costs 5-25 ms of CPU (templates, the ORM); serving it from the cache costs a
cache read. `page_cache` (a view decorator) keys a page by its user, full path, host, language and time
zone, and stores it with the user's *page generation*: a random token under `pagegen:<user id>`.
`pages_changed(user_id)` deletes that token, at once and again on commit, so the user's next page is
rendered afresh. It is called for:
- the user's own writes: every unsafe request (`PageGenerationMiddleware`), so nobody sees their own
  change missing;
- whatever tells the user: a notification, a badge (`servizo.usercache.user_cache_drop` deletes the token
  with the badge), so the other party's moves (every booking move drops both parties' panels), a chat
  message, a payment or a staff decision show at once;
- a chat message, for both members (the sender's inbox shows it as the last message), a booking's
  timeline note, for both parties;
- what the views' access checks read: the user row, the provider profile, staff groups and permissions
  (accounts.signals, whoever writes them).
What changes without the user being told (time passing, "posted 3 minutes ago", a provider's jobs count,
another staff member's edit on an admin list) shows within PAGE_CACHE_SECONDS; 0 turns the cache off. A page
that shows data many users see can also depend on a shared generation (`page_cache(shared=...)`,
`shared_pages_changed`): every change to an offer renews every provider's feed, a review, a reply or a
profile change renews that provider's public profile for everyone, a category change renews every page
(`site_pages_changed`).

A hit skips the view and its access decorators (`page_cache`); the user is still loaded (the session, the
user row) and a cached page is only ever served to the user it was rendered for.

Never cached: anonymous requests, anything but GET/HEAD, a response other than a plain 200, one that sets a
cookie, a page with flash messages. A page's CSRF token: `servizo.context_processors.csrf` gives a request
one token; the stored page holds a placeholder in its place, which every hit replaces with a token of its
own (so the response sets the CSRF cookie that token belongs to). With Redis down every request renders.
"""

import hashlib
import secrets
import zlib
from collections.abc import Awaitable, Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language

from servizo.commit import after_commit

View = Callable[..., HttpResponse]
CSRF_PLACEHOLDER = b"\x00csrf-token\x00"  # no rendered page holds a NUL byte
SITE = "site"  # the shared generation of every page (site_pages_changed)
GENERATION_SECONDS = 24 * 3600  # a token outlives every page stored with it; a lost one only costs a render


def generation_key(user_id: int) -> str:
    return f"pagegen:{user_id}"


def _shared_key(scope: str) -> str:
    return f"pagegen:shared:{scope}"


def pages_changed(*user_ids: int) -> None:
    """The users' cached pages are out of date: now, and again once the current transaction commits (a
    request rendering between the two stores what it read before the commit)."""
    _renew([generation_key(user_id) for user_id in user_ids])


def apages_changed(*user_ids: int) -> Awaitable[None]:
    """`pages_changed` from an event loop, outside any transaction (a chat socket after its send committed):
    one cache call on the loop instead of a round trip that a worker thread waits on. With Redis
    (`servizo.cache`) the DEL is queued before this returns, so a command the caller sends after it on the same
    connection (the socket's broadcast) goes in the same write; await the result for its outcome."""
    keys = [generation_key(user_id) for user_id in user_ids]
    sent = getattr(cache, "adelete_many_sent", None)
    return sent(keys) if sent else cache.adelete_many(keys)


def shared_pages_changed(scope: str) -> None:
    """Every page cached with `shared=(scope,)` is out of date (data that many users' pages show changed)."""
    _renew([_shared_key(scope)])


def site_pages_changed() -> None:
    """Every cached page is out of date (what all of them show changed: the categories)."""
    shared_pages_changed(SITE)


def _renew(keys: list[str]) -> None:
    cache.delete_many(keys)
    if transaction.get_connection().in_atomic_block:
        after_commit(cache.delete_many, keys)


def page_cache(*, shared: tuple[str | Callable[..., str], ...] = ()) -> Callable[[View], View]:
    """Serve a signed-in user's page from the cache while their page generation holds (see the module), and
    each generation of `shared` scopes (`shared_pages_changed`) too: a name, or a function of the view's
    arguments that names one (`lambda request, pk: f"provider:{pk}"`).

    Put it above the view's access decorators: a page is stored only as the 200 its user was given, and
    what those decorators read (the user row, the provider profile, staff permissions) renews the user's
    pages whenever it changes (accounts.signals), so a hit needs no check and no query of its own."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not _cacheable_request(request):
                return view(request, *args, **kwargs)
            scopes = [scope if isinstance(scope, str) else scope(request, *args, **kwargs) for scope in shared]
            generation_keys = [generation_key(request.user.pk), *map(_shared_key, (SITE, *scopes))]
            page_key = _page_key(request)
            found = cache.get_many([*generation_keys, page_key])
            generations = tuple(found.get(key) or _new_generation(key) for key in generation_keys)
            entry = found.get(page_key)
            if entry is not None and entry[0] == generations:
                return _from_entry(request, entry)
            response = view(request, *args, **kwargs)
            store = _storer(request, page_key, generations)
            if getattr(response, "is_rendered", True):
                store(response)
            else:
                response.add_post_render_callback(store)
            return response

        return wrapped

    return decorator


def _cacheable_request(request: HttpRequest) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and request.user.is_authenticated
        and not len(messages.get_messages(request))
    )


def _page_key(request: HttpRequest) -> str:
    page = f"{request.get_host()}|{request.get_full_path()}|{get_language()}|{timezone.get_current_timezone_name()}"
    return f"page:{request.user.pk}:{hashlib.blake2b(page.encode(), digest_size=16).hexdigest()}"


def _new_generation(key: str) -> str:
    """A new token, unless a concurrent request stored one first (then that one)."""
    generation = secrets.token_hex(8)
    if cache.add(key, generation, GENERATION_SECONDS):
        return generation
    return cache.get(key) or generation


def _storer(request: HttpRequest, page_key: str, generations: tuple[str, ...]) -> Callable[[HttpResponse], None]:
    def store(response: HttpResponse) -> None:
        if (
            response.status_code != 200
            or response.streaming
            or set(response.cookies) - {settings.CSRF_COOKIE_NAME}  # the CSRF cookie comes with each hit's token
            or len(messages.get_messages(request))  # the view queued a flash message for the next page
        ):
            return
        content = response.content
        token = getattr(request, "page_csrf_token", None)
        if token:
            content = content.replace(token.encode(), CSRF_PLACEHOLDER)
        # Compressed: a tenth of the memory and the bytes on the wire, for ~50 µs per hit.
        entry = (generations, list(response.items()), zlib.compress(content, 1))
        cache.set(page_key, entry, settings.PAGE_CACHE_SECONDS)

    return store


def _from_entry(request: HttpRequest, entry: tuple) -> HttpResponse:
    _, headers, compressed = entry
    content = zlib.decompress(compressed)
    if CSRF_PLACEHOLDER in content:
        content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    return response


class PageGenerationMiddleware:
    """A signed-in user's every unsafe request (a form, a sign-in) may change what their pages show."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.user.is_authenticated:
            pages_changed(request.user.pk)
        return response
