"""Which language a page or a message is in (English or Urdu, settings.LANGUAGES; README "Languages").

A visitor's pages follow the language cookie that the switcher sets (Django's `set_language`), else the
browser's Accept-Language (`LocaleMiddleware`). A signed-in user who picked a language has it saved on
`User.language` (by the switcher or the settings page) and `UserLanguageMiddleware` applies it on every
request after sign-in, on any device. Text written for someone else (a notification, an email) is written in
its reader's language: `in_language_of(user)`.
"""

from contextlib import AbstractContextManager

from django.conf import settings
from django.http import Http404
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation
from django.views.decorators.cache import cache_page
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.i18n import JavaScriptCatalog, set_language


def is_language(code: str) -> bool:
    return code in dict(settings.LANGUAGES)


def language_of(user, *, default: str | None = None) -> str:
    """The user's saved language; else `default` (e.g. the active one), else the site's (LANGUAGE_CODE)."""
    saved = getattr(user, "language", "") if user is not None else ""
    return saved if saved and is_language(saved) else default or settings.LANGUAGE_CODE


def in_language_of(user, *, default: str | None = None) -> AbstractContextManager:
    """`with in_language_of(recipient):` translate text written for `recipient` into their language."""
    return translation.override(language_of(user, default=default))


class UserLanguageMiddleware:
    """After authentication: a signed-in user's saved language wins over the cookie and the browser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.language and is_language(user.language):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


@csrf_exempt
@require_POST
def language_switch(request):
    """The switcher's form target: Django's `set_language` (cookie, redirect back to `next`); a signed-in user's
    choice is also saved on their account so it follows them. Works without JavaScript.

    A visitor's switch only sets a preference cookie and needs no CSRF token: the anonymous landing page is
    cached as one HTML for everyone (accounts.landing), so it cannot carry a per-visitor token. A signed-in
    user's switch changes their account, so it is checked like any other POST.
    """
    user = request.user
    if user.is_authenticated:
        rejected = CsrfViewMiddleware(lambda request: None).process_view(request, None, (), {})
        if rejected is not None:
            return rejected
        code = request.POST.get("language", "")
        if is_language(code) and user.language != code:
            user.language = code
            user.save(update_fields=["language"])
    return set_language(request)  # an unsafe `next` falls back to the referring page, then "/"


# The JavaScript catalog is on every page: one URL per language (a browser never keeps one language's
# strings for another), cached for an hour in the cache and the browser (a deploy's new strings show within it).
JS_CATALOG_SECONDS = 3600


@cache_page(JS_CATALOG_SECONDS)
def javascript_catalog(request, language: str):
    """Django's JavaScript catalog (`gettext()`, `interpolate()` in static/js) in `language`."""
    if not is_language(language):
        raise Http404
    with translation.override(language):
        return JavaScriptCatalog.as_view()(request)
