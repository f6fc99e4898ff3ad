from django.conf import settings

BADGE_MAX = 99  # the navbar shows "99+" beyond this; counting further would read every unread row


def site(request):
    commission_percent = settings.PLATFORM_COMMISSION_BP / 100
    context = {
        "COMMISSION_PERCENT": f"{commission_percent:g}",
        "PROVIDER_PERCENT": f"{100 - commission_percent:g}",
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True)[: BADGE_MAX + 1].count()
        context["unread_notifications"] = f"{BADGE_MAX}+" if unread > BADGE_MAX else unread
    return context
