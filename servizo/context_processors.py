from django.conf import settings
from django.middleware.csrf import get_token
from django.utils.functional import SimpleLazyObject

from servizo.usercache import user_cached

BADGE_MAX = 99  # the navbar shows "99+" beyond this; counting further would read every unread row
# The navbar's unread-notifications badge in servizo.usercache; notifications.services drops it on change.
NOTIFICATION_BADGE = "unread_notifications"


def site(request):
    commission_percent = settings.PLATFORM_COMMISSION_BP / 100
    context = {
        "COMMISSION_PERCENT": f"{commission_percent:g}",
        "PROVIDER_PERCENT": f"{100 - commission_percent:g}",
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["unread_notifications"] = user_cached(user.pk, NOTIFICATION_BADGE, lambda: _unread_badge(user))
    return context


def _unread_badge(user) -> int | str:
    unread = user.notifications.filter(read_at__isnull=True)[: BADGE_MAX + 1].count()
    return f"{BADGE_MAX}+" if unread > BADGE_MAX else unread


def csrf(request):
    """Django's `csrf_token`, but one token per request (Django masks anew on every call), kept on the
    request: `servizo.pagecache` finds it in a page it stores and swaps it for the next request's own."""

    def token() -> str:
        if not hasattr(request, "page_csrf_token"):
            request.page_csrf_token = get_token(request)
        return request.page_csrf_token

    return {"csrf_token": SimpleLazyObject(token)}
