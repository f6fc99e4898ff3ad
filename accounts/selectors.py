from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.db.models import QuerySet
from django.template.loader import render_to_string

from accounts.models import LegalPage, PortfolioPhoto, ProviderProfile, ProviderStatusEvent, ServiceCategory, User
from accounts.policies import provider_standing


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


def legal_page(kind: str) -> LegalPage:
    """The terms or privacy text as published; until an operator writes one, the default text (version 0,
    unsaved) from `templates/accounts/legal/<kind>.txt`."""
    page = LegalPage.objects.filter(kind=kind).first()
    if page is None:
        page = LegalPage(kind=kind, body=render_to_string(f"accounts/legal/{kind}.txt"), version=0)
    return page


def provider_photos_visible_to(*, viewer: User, profile: ProviderProfile) -> bool:
    """A provider's profile photo and portfolio are public while they are approved and active; before
    that (and while suspended) only the provider and staff who review providers see them."""
    if viewer.is_authenticated and (
        viewer.pk == profile.user_id or (viewer.is_staff and viewer.has_perm("accounts.view_providerprofile"))
    ):
        return True
    return bool(provider_standing(profile.user))


def provider_profile_for_photo(*, viewer: User, profile_id: int) -> ProviderProfile | None:
    """The profile (with its user) if `viewer` may see its photos, else None."""
    profile = ProviderProfile.objects.select_related("user").filter(pk=profile_id).first()
    return profile if profile is not None and provider_photos_visible_to(viewer=viewer, profile=profile) else None


def portfolio_photo_for_viewer(*, viewer: User, photo_id: int) -> PortfolioPhoto | None:
    photo = PortfolioPhoto.objects.select_related("profile__user").filter(pk=photo_id).first()
    return photo if photo is not None and provider_photos_visible_to(viewer=viewer, profile=photo.profile) else None


def portfolio_list(*, profile_id: int) -> list[PortfolioPhoto]:
    return list(PortfolioPhoto.objects.filter(profile_id=profile_id).order_by("id"))
