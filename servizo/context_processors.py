from django.conf import settings

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
