"""Reads for offers.

The matching rule (which approved provider sees which offer) lives here and only here:
`offers_matching_provider` is the rule, `provider_matches_offer` asks it about one offer, and
`providers_matching_offer` is the same rule read the other way round (for notifying on publish;
a test checks the two directions agree). The feed page, the live feed consumer, the offer
detail page and the dashboards all go through these.
"""

import datetime

from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import ProviderProfile, User
from accounts.policies import provider_standing, providers_in_good_standing
from offers.models import Offer


def offer_list_open() -> QuerySet[Offer]:
    """Open offers not yet past their expiry: the lazy half of expiry."""
    return Offer.objects.filter(status=Offer.Status.OPEN, expires_at__gt=timezone.now())


def approved_profile(provider: User) -> ProviderProfile | None:
    """The provider's profile if they may act as a provider now (`accounts.policies`); None for anybody else.

    A suspended or deactivated provider gets None: no feed, no live cards, no questions, no decline.
    """
    return provider.provider_profile if provider_standing(provider) else None


def offers_matching_provider(*, provider: User) -> QuerySet[Offer]:
    """Open offers in the provider's categories and city (case-insensitive), minus those they declined.

    Empty for anybody who is not an approved provider.
    """
    profile = approved_profile(provider)
    if profile is None:
        return Offer.objects.none()
    return (
        offer_list_open()
        .filter(category__in=profile.categories.all(), city__iexact=profile.city)
        .exclude(declines__provider=provider)
    )


def provider_matches_offer(*, provider: User, offer_id: int) -> bool:
    return offers_matching_provider(provider=provider).filter(pk=offer_id).exists()


def providers_matching_offer(*, offer: Offer) -> QuerySet[User]:
    """Approved providers whose feed shows this offer (the rule above, read from the offer's side)."""
    if not offer.is_open:
        return User.objects.none()
    return (
        User.objects.filter(
            providers_in_good_standing(),
            provider_profile__categories=offer.category_id,
            provider_profile__city__iexact=offer.city,
        )
        .exclude(declined_offers__offer=offer)
        .distinct()
    )


def offer_feed(
    *,
    provider: User,
    category_id: int | None = None,
    on_date: datetime.date | None = None,
    min_price_cents: int | None = None,
) -> QuerySet[Offer]:
    """The provider's feed with the page's filters applied, newest first."""
    offers = offers_matching_provider(provider=provider).select_related("category")
    if category_id is not None:
        offers = offers.filter(category_id=category_id)
    if on_date is not None:
        offers = offers.filter(preferred_date=on_date)
    if min_price_cents is not None:
        offers = offers.filter(price_cents__gte=min_price_cents)
    return offers.order_by("-created_at", "-id")


def offer_list_for_customer(*, customer: User) -> QuerySet[Offer]:
    """The customer's offers with their decline counts and bookings (latest first), newest first."""
    return (
        Offer.objects.filter(customer=customer)
        .select_related("category")
        .annotate(decline_count=Count("declines", distinct=True))
        .prefetch_related("bookings")
        .order_by("-created_at", "-id")
    )


def offer_list_open_for_customer(*, customer: User) -> QuerySet[Offer]:
    return offer_list_open().filter(customer=customer).select_related("category").order_by("expires_at")


def offer_get_for_viewer(*, user: User, offer_id: int) -> Offer:
    """The offer if this user may see it (its customer, or a provider whose feed shows it); else 404."""
    offers = Offer.objects.select_related("category", "customer").annotate(
        decline_count=Count("declines", distinct=True)
    )
    offer = get_object_or_404(offers, pk=offer_id)
    if offer.customer_id == user.pk or provider_matches_offer(provider=user, offer_id=offer.pk):
        return offer
    raise Http404("No offer found.")  # same answer as for a missing offer: nothing is revealed


def offer_get_owned(*, customer: User, offer_id: int) -> Offer:
    """The customer's own offer, or 404 (another customer's offer looks exactly like a missing one)."""
    return get_object_or_404(Offer.objects.select_related("category"), pk=offer_id, customer_id=customer.pk)
