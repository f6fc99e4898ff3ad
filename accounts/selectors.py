from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.db.models import QuerySet

from accounts.models import ProviderProfile, ProviderStatusEvent, ServiceCategory, User


def category_list_active() -> QuerySet[ServiceCategory]:
    return ServiceCategory.objects.filter(is_active=True)


CATEGORY_MAP_KEY = "categories:by-id"


def category_map() -> dict[int, ServiceCategory]:
    """Every category (inactive ones too: bookings keep theirs) by id, from the cache for five minutes;
    accounts.landing drops it on any category change. Lists attach categories from here instead of
    joining the small category table, which MariaDB may pick to drive a join and then sort."""
    categories = cache.get(CATEGORY_MAP_KEY)
    if categories is None:
        categories = ServiceCategory.objects.in_bulk()
        cache.set(CATEGORY_MAP_KEY, categories, 300)
    return categories


def category_list_active_cached() -> list[ServiceCategory]:
    """The active categories in their display order, from `category_map` (no query on a warm cache)."""
    active = [category for category in category_map().values() if category.is_active]
    return sorted(active, key=lambda category: (category.ordering, category.name))


def provider_queue() -> QuerySet[ProviderProfile]:
    """Profiles awaiting a staff decision (verified email only), oldest submission first."""
    return (
        ProviderProfile.objects.filter(status=ProviderProfile.Status.PENDING, user__emailaddress__verified=True)
        .select_related("user")
        .order_by("submitted_at")
    )


def user_has_verified_email(user: User) -> bool:
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def provider_status_history(*, profile_id: int) -> QuerySet[ProviderStatusEvent]:
    """The application's transitions, newest first, with who made them."""
    return (
        ProviderStatusEvent.objects.filter(profile_id=profile_id).select_related("actor").order_by("-created_at", "-id")
    )
