"""Reads for offers.

The matching rule (which provider may take which offer) lives here and only here:
`_matching_conditions` is the rule, condition by condition; `offers_matching_provider` is the
provider's feed (every condition as one query) and `provider_offer_access` answers "may this
provider take this offer now, and if not, why" from the same conditions. The feed page, the live
feed consumer, the offer page, chat's "may ask about an offer", accept (bookings) and decline all ask
these; `providers_matching_offer` is the same rule read from the offer's side (for notifying on
publish; a test checks the two directions agree). Cities compare by `city_key` in the database.
"""

import datetime

from django.db.models import CharField, Count, Func, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import ProviderProfile, User
from accounts.policies import GOOD, Standing, provider_standing, providers_in_good_standing
from offers.models import Offer, OfferDecline, OfferPhoto, Quote
from servizo.replica import on_replica

NOT_AVAILABLE = "This offer is no longer available."
OUTSIDE_CATEGORIES = "This offer is outside your service categories."
OUTSIDE_CITY = "This offer is outside your city."
DECLINED = "You declined this offer."


def _open_q() -> Q:
    return Q(status=Offer.Status.OPEN, expires_at__gt=timezone.now())


def offer_list_open() -> QuerySet[Offer]:
    """Open offers not yet past their expiry: the lazy half of expiry."""
    return Offer.objects.filter(_open_q())


def approved_profile(provider: User) -> ProviderProfile | None:
    """The provider's profile if they may act as a provider now (`accounts.policies`); None for anybody else.

    A suspended or deactivated provider gets None: no feed, no live cards, no questions, no decline.
    """
    return provider.provider_profile if provider_standing(provider) else None


def _matching_conditions(profile: ProviderProfile) -> list[tuple[Q, str]]:
    """The matching rule for an approved provider, condition by condition, each with why it refuses."""
    return [
        (_open_q(), NOT_AVAILABLE),
        # The ids as constants: with a subquery MariaDB starts from categories and sorts the whole feed.
        # (`.all()` reads the categories the feed's filter form prefetched.)
        (Q(category__in=[category.pk for category in profile.categories.all()]), OUTSIDE_CATEGORIES),
        (Q(city_key=profile.city_key), OUTSIDE_CITY),
        (~Q(declines__provider_id=profile.user_id), DECLINED),
    ]


def offers_matching_provider(*, provider: User) -> QuerySet[Offer]:
    """Open offers in the provider's categories and city, minus those they declined.

    Empty for anybody who is not an approved provider in good standing.
    """
    profile = approved_profile(provider)
    if profile is None:
        return Offer.objects.none()
    return Offer.objects.filter(*(condition for condition, _ in _matching_conditions(profile)))


def provider_offer_access(*, provider: User, offer_id: int, fresh: bool = False) -> Standing:
    """May this provider take this offer now (see it, ask about it, accept or decline it), and if not, why.

    The provider's standing (`accounts.policies`) first, then the matching rule in the database: one
    query when allowed, a few more to name the first condition that refuses. `fresh=True` decides on
    the committed provider rows (services; the caller holds the offer's lock).
    """
    standing = provider_standing(provider, fresh=fresh)
    if not standing:
        return standing
    profile = ProviderProfile.objects.get(user_id=provider.pk) if fresh else provider.provider_profile
    conditions = _matching_conditions(profile)
    offer = Offer.objects.filter(pk=offer_id)
    if offer.filter(*(condition for condition, _ in conditions)).exists():
        return GOOD
    reason = next((reason for condition, reason in conditions if not offer.filter(condition).exists()), NOT_AVAILABLE)
    return Standing(False, reason)


def providers_matching_offer(*, offer: Offer) -> QuerySet[User]:
    """Approved providers whose feed shows this offer (the rule above, read from the offer's side)."""
    if not offer.is_open:
        return User.objects.none()
    return (
        User.objects.filter(
            providers_in_good_standing(),
            provider_profile__categories=offer.category_id,
            provider_profile__city_key=offer.city_key,
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
    """The provider's feed with the page's filters applied, newest first (on the replica, if any)."""
    offers = on_replica(offers_matching_provider(provider=provider).select_related("category"))
    if category_id is not None:
        offers = offers.filter(category_id=category_id)
    if on_date is not None:
        offers = offers.filter(preferred_date=on_date)
    if min_price_cents is not None:
        offers = offers.filter(price_cents__gte=min_price_cents)
    return offers.order_by("-created_at", "-id")


def _decline_count() -> Coalesce:
    """How many providers declined the outer offer, counted for each row returned (not a GROUP BY over all)."""
    declines = OfferDecline.objects.filter(offer=OuterRef("pk")).order_by().values("offer").annotate(n=Count("pk"))
    return Coalesce(Subquery(declines.values("n")), 0)


def offer_list_for_customer(*, customer: User) -> QuerySet[Offer]:
    """The customer's offers with their decline counts and bookings (latest first), newest first."""
    return (
        Offer.objects.filter(customer=customer)
        .select_related("category")
        .annotate(decline_count=_decline_count())
        .prefetch_related("bookings")
        .order_by("-created_at", "-id")
    )


def offer_list_open_for_customer(*, customer: User) -> QuerySet[Offer]:
    """The customer's open offers, soonest to expire first (index (customer, status, expires_at))."""
    return offer_list_open().filter(customer=customer).order_by("expires_at")


def offer_get_for_viewer(*, user: User, offer_id: int) -> Offer:
    """The offer, with its `photo_ids`, if this user may see it (its customer, or a provider whose feed
    shows it); else 404."""
    offers = Offer.objects.select_related("category", "customer").annotate(
        decline_count=_decline_count(), photo_ids=offer_photo_ids_expression(OuterRef("pk"))
    )
    offer = get_object_or_404(offers, pk=offer_id)
    if offer.customer_id == user.pk or provider_offer_access(provider=user, offer_id=offer.pk):
        return offer
    raise Http404("No offer found.")  # same answer as for a missing offer: nothing is revealed


def offer_get_owned(*, customer: User, offer_id: int) -> Offer:
    """The customer's own offer, or 404 (another customer's offer looks exactly like a missing one)."""
    return get_object_or_404(Offer.objects.select_related("category"), pk=offer_id, customer_id=customer.pk)


QUOTES_SHOWN = 20  # the offer page lists at most this many pending quotes, cheapest first


def quotes_for_customer(*, offer: Offer) -> list[Quote]:
    """The offer's live quotes, cheapest first: at most QUOTES_SHOWN + 1 (the page says when there are more).

    One query at any number of quotes (the (offer, status, price_cents) index). Each provider's rating
    comes in the same query: `provider__reputation` is reviews' ProviderReputation, joined by name so
    offers does not import reviews. Distance: the `places` work adds it here (hook left for the merge).
    """
    quotes = (
        Quote.objects.filter(offer=offer, status=Quote.Status.PENDING, expires_at__gt=timezone.now())
        .select_related("provider", "provider__reputation")
        .order_by("price_cents", "id")[: QUOTES_SHOWN + 1]
    )
    for quote in quotes:
        quote.offer = offer  # the quote's day and window fall back to the offer's: no query per row
    return list(quotes)


def quote_for_provider(*, offer: Offer, provider: User) -> Quote | None:
    """The provider's own quote on this offer (any status), or None."""
    quote = Quote.objects.filter(offer=offer, provider_id=provider.pk).first()
    if quote is not None:
        quote.offer = offer
    return quote


def quote_offer_id(*, quote_id: int, user: User) -> int:
    """The offer of a quote this user is party to (its provider, or the offer's customer); else 404."""
    mine = Q(provider_id=user.pk) | Q(offer__customer_id=user.pk)
    offer_id = Quote.objects.filter(mine, pk=quote_id).values_list("offer_id", flat=True).first()
    if offer_id is None:
        raise Http404("No quote found.")
    return offer_id


def offer_viewable_by(*, user: User, offer: Offer) -> bool:
    """Who may see an offer and its photos: its customer, a provider whose feed shows it, the provider of a
    booking made from it, and staff who may read offers."""
    if not user.is_authenticated:
        return False
    if offer.customer_id == user.pk or (user.is_staff and user.has_perm("offers.view_offer")):
        return True
    return offer.bookings.filter(provider_id=user.pk).exists() or bool(
        provider_offer_access(provider=user, offer_id=offer.pk)
    )


def offer_photo_for_viewer(*, user: User, photo_id: int) -> OfferPhoto:
    """The photo if `user` may see its offer (`offer_viewable_by`); else 404, as for a missing photo."""
    photo = get_object_or_404(OfferPhoto.objects.select_related("offer"), pk=photo_id)
    if not offer_viewable_by(user=user, offer=photo.offer):
        raise Http404("No photo found.")
    return photo


class _GroupConcat(Func):
    function = "GROUP_CONCAT"  # MariaDB and SQLite alike
    output_field = CharField()


def offer_photo_ids_expression(offer_id: OuterRef) -> Subquery:
    """The offer's photo ids ("3,5,9", or None) inside the page's own query, so showing them costs no query;
    read them with `photo_ids`. `offer_id` points at the offer from the outer row (`OuterRef("offer_id")`)."""
    ids = OfferPhoto.objects.filter(offer_id=offer_id).order_by().values("offer_id").annotate(ids=_GroupConcat("id"))
    return Subquery(ids.values("ids"))


def photo_ids(value: str | None) -> list[int]:
    """The ids `offer_photo_ids_expression` read, in upload order."""
    return sorted(int(part) for part in value.split(",")) if value else []


def offers_with_first_photo(offers) -> list[Offer]:
    """The offers, each with `first_photo_id` (None without photos): one query for a whole page."""
    offers = list(offers)
    first = dict(
        OfferPhoto.objects.filter(offer_id__in=[offer.pk for offer in offers])
        .values("offer_id")
        .annotate(first=Min("id"))
        .values_list("offer_id", "first")
    )
    for offer in offers:
        offer.first_photo_id = first.get(offer.pk)
    return offers
