from django.db.models import QuerySet

from accounts.models import ProviderProfile, ServiceCategory


def category_list_active() -> QuerySet[ServiceCategory]:
    return ServiceCategory.objects.filter(is_active=True)


def provider_queue() -> QuerySet[ProviderProfile]:
    """Profiles awaiting a staff decision, oldest submission first."""
    return (
        ProviderProfile.objects.filter(status=ProviderProfile.Status.PENDING, user__emailaddress__verified=True)
        .select_related("user")
        .order_by("submitted_at")
    )
