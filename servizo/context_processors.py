from django.conf import settings


def site(request):
    commission_percent = settings.PLATFORM_COMMISSION_BP / 100
    context = {
        "COMMISSION_PERCENT": f"{commission_percent:g}",
        "PROVIDER_PERCENT": f"{100 - commission_percent:g}",
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["unread_notifications"] = user.notifications.filter(read_at__isnull=True).count()
    return context
