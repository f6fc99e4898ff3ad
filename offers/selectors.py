"""Reads for offers.

The matching rule (which provider may take which offer) lives here and only here:
`_matching_conditions` is the rule, condition by condition; `offers_matching_provider` is the
provider's feed (every condition as one query) and `provider_offer_access` answers "may this
provider take this offer now, and if not, why" from the same conditions. The feed page, the live
feed consumer, the offer page, chat's "may ask about an offer", accept (bookings) and decline all ask
these; `providers_matching_offer` is the same rule read from the offer's side (for notifying on
publish; a test checks the two directions agree).

Where: an offer matches when its place lies within the provider's service radius of their base place,
computed in SQL (`places.geo`: a bounding box on the places' indexed latitude/longitude, then the
great-circle distance; the boundary is in). From the offer's side each provider has their own radius,
so the box is the largest radius any provider may choose (`SERVICE_RADIUS_KM_MAX`) and the distance is
compared with each provider's own.

An offer a customer sent to one provider from the directory (`Offer.requested_provider`) matches
only that provider while `Offer.is_exclusive`, then everyone the rule matches.
"""

import datetime
from dataclasses import dataclass

from django.db import connections
from django.db.models import CharField, Count, F, Func, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, ngettext

from accounts.models import SERVICE_RADIUS_KM_MAX, ProviderProfile, ServiceCategory, User
from accounts.policies import GOOD, Standing, provider_standing, providers_in_good_standing
from offers.models import Offer, OfferDecline, OfferPhoto, Quote
from places import geo
from places.models import Place
from places.selectors import place_ids_within, places_within
from servizo.replica import on_replica

# The rule's refusals, in English (tests and callers compare them); translated where they are given out.
NOT_AVAILABLE = gettext_noop("This offer is no longer available.")
OUTSIDE_CATEGORIES = gettext_noop("This offer is outside your service categories.")
OUTSIDE_AREA = gettext_noop("This offer is outside your service area.")
NO_BASE_PLACE = gettext_noop("Choose the city you work from to see offers near you.")
DECLINED = gettext_noop("You declined this offer.")
REQUESTED_OTHER = gettext_noop("The customer asked another provider first; this offer is not open to you.")


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
        _within_reach(profile),
        (~Q(declines__provider_id=profile.user_id), DECLINED),
        # A requested provider's window (README, "Provider directory"): the others wait until it ends.
        (
            Q(requested_provider__isnull=True)
            | Q(requested_provider_id=profile.user_id)
            | Q(exclusive_until__lte=timezone.now()),
            REQUESTED_OTHER,
        ),
    ]


def _within_reach(profile: ProviderProfile) -> tuple[Q, str]:
    """Offers whose place is within the provider's radius of their base place (nothing without one)."""
    base = profile.base_place
    if base is None:
        return Q(pk__in=[]), NO_BASE_PLACE
    return Q(place_id__in=place_ids_within(base, radius_km=profile.service_radius_km)), OUTSIDE_AREA


def offers_matching_provider(*, provider: User) -> QuerySet[Offer]:
    """Open offers in the provider's categories and service area, minus those they declined.

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
    return Standing(False, gettext(reason))


def providers_matching_offer(*, offer: Offer) -> QuerySet[User]:
    """Approved providers whose feed shows this offer (the rule above, read from the offer's side)."""
    if not offer.is_open or offer.place is None:
        return User.objects.none()
    providers = User.objects.filter(
        providers_in_good_standing(),
        providers_reaching(offer.place, path="provider_profile"),
        provider_profile__categories=offer.category_id,
    )
    if offer.is_exclusive:
        providers = providers.filter(pk=offer.requested_provider_id)
    return providers.exclude(declined_offers__offer=offer).distinct()


def providers_reaching(place, *, path: str = "") -> Q:
    """Provider profiles (at `path` from the queried model) whose radius reaches `place`."""
    prefix = f"{path}__" if path else ""
    return geo.within_q(
        f"{prefix}base_place",
        latitude=place.latitude,
        longitude=place.longitude,
        radius_km=F(f"{prefix}service_radius_km"),
        box_km=SERVICE_RADIUS_KM_MAX,
    )


@dataclass(frozen=True)
class Reach:
    """How many providers would see an offer in this trade at this place, said for the customer."""

    count: int
    message: str


def offer_reach(*, category: ServiceCategory, place: Place) -> Reach:
    """Before publishing: "N providers in this trade serve this place"; at 0, what to change."""
    count = (
        User.objects.filter(
            providers_in_good_standing(),
            providers_reaching(place, path="provider_profile"),
            provider_profile__categories=category.pk,
        )
        .distinct()
        .count()
    )
    names = {"count": count, "trade": category.display_name.lower(), "place": place.label}
    if count:
        return Reach(
            count,
            ngettext(
                "%(count)s provider in %(trade)s serves %(place)s.",
                "%(count)s providers in %(trade)s serve %(place)s.",
                count,
            )
            % names,
        )
    return Reach(
        0,
        gettext(
            "No provider in %(trade)s serves %(place)s yet, so nobody would see this offer. "
            "Try the nearest larger city or another trade; you can also publish anyway and wait."
        )
        % names,
    )


# Within one place the feed is newest first: the order of the (place, status, category, created_at) index.
FEED_PLACE_ORDER = ("-created_at", "-id")


@dataclass(frozen=True)
class Feed:
    """A provider's feed, nearest first, then newest: `page_of` slices it, and a slice reads only its rows.

    Sorting the area's matching offers by distance costs as much as the area holds (every open offer of a
    city). Instead the feed walks the provider's places nearest first (`places_within`): per (place,
    category) one range of the (place, status, category, created_at) index read newest first under the
    matching rule and cut at the rows still needed, all in one UNION ALL. The nearest place is read
    first; the rest of the area only when the page is not full yet, and only its (place, category)
    pairs holding open offers (`_occupied`), in batches (`_further`). Two places at the same distance:
    the lower id first.
    """

    offers: QuerySet[Offer]  # the matching offers, the page's filters applied
    places: tuple[tuple[int, float], ...]  # (place id, km), nearest first
    category_ids: tuple[int, ...]

    @property
    def db(self) -> str:
        """The database every read of the feed goes to (the replica outside a transaction; servizo.replica)."""
        return self.offers.db

    def __getitem__(self, window: slice) -> list[Offer]:
        if window.step is not None or window.stop is None:
            raise ValueError("A feed is read in pages: [start:stop].")
        nearest = [(place_id, category_id) for place_id, _ in self.places[:1] for category_id in self.category_ids]
        found = self._ranges(nearest, limit=window.stop)
        if len(found) < window.stop and len(self.places) > 1:
            found += self._further(self._occupied(self.places[1:]), limit=window.stop - len(found))
        ids = [pk for pk, _ in found[window]]
        km = dict(self.places)
        rows = self.offers.filter(pk__in=ids).select_related("category", "place").order_by()  # ordered here
        by_id = {offer.pk: offer for offer in rows.annotate(first_photo_id=_first_photo())}
        page = [by_id[pk] for pk in ids if pk in by_id]  # an offer taken between the two reads is left out
        for offer in page:
            offer.distance_km = km[offer.place_id]
        return page

    def _further(self, pairs: list[tuple[int, int]], *, limit: int) -> list[tuple[int, int]]:
        """The first `limit` rows of these (place, category) pairs (nearest first), a few places at a time.

        Nearly every occupied pair holds a match, so a first batch of about `limit` pairs usually fills the
        page; each further batch is twice as large, so a provider who declined everything nearby costs a few
        statements, not one per place, and no statement lists every pair of a large area. A batch ends with
        all of its last place's pairs (a place's trades are merged newest first).
        """
        found, size = [], limit
        while pairs and len(found) < limit:
            cut = min(size, len(pairs))
            while cut < len(pairs) and pairs[cut][0] == pairs[cut - 1][0]:
                cut += 1
            found += self._ranges(pairs[:cut], limit=limit - len(found))
            pairs, size = pairs[cut:], size * 2
        return found

    def _occupied(self, places) -> list[tuple[int, int]]:
        """The (place, category) pairs among `places` holding an open offer, nearest first: one index entry
        read per pair (a loose scan of (place, status, category, …)); the ranges then apply the rule."""
        rank = {place_id: n for n, (place_id, _) in enumerate(places)}
        pairs = (
            Offer.objects.using(self.offers.db)
            .filter(place_id__in=rank, status=Offer.Status.OPEN, category_id__in=self.category_ids)
            .values_list("place_id", "status", "category_id")
            .distinct()
            .order_by()
        )
        return sorted(((place_id, category_id) for place_id, _, category_id in pairs), key=lambda p: rank[p[0]])

    def _ranges(self, pairs: list[tuple[int, int]], *, limit: int) -> list[tuple[int, int]]:
        """(offer id, place id) of the first `limit` matching offers in these (place, category) pairs, in feed
        order (the pairs come nearest first), in one statement (SQLite, which refuses LIMIT inside a UNION,
        runs the ranges in turn).

        Every range is the same SELECT but for its place and category, so the ORM compiles one and the others
        reuse its SQL with their own two parameters (compiling each range was most of the page's CPU).
        """
        if not pairs:
            return []
        first = (
            self.offers.filter(place_id=pairs[0][0])
            .filter(category_id=pairs[0][1])
            .order_by(*FEED_PLACE_ORDER)
            .values_list("pk", "place_id", "created_at")[:limit]
        )
        sql, params = first.query.sql_with_params()
        shared = list(params[:-2])
        if [*shared, *pairs[0]] != list(params):  # the two filters added last give the last two parameters
            raise RuntimeError(f"Unexpected parameters for a feed range: {params}")
        with connections[self.offers.db].cursor() as cursor:
            if connections[self.offers.db].features.supports_slicing_ordering_in_compound:
                cursor.execute(
                    " UNION ALL ".join([f"({sql})"] * len(pairs)), [p for pair in pairs for p in (*shared, *pair)]
                )
                rows = list(cursor.fetchall())
            else:
                rows = []
                for pair in pairs:
                    cursor.execute(sql, [*shared, *pair])
                    rows += cursor.fetchall()
        rank = {}
        for place_id, _ in pairs:
            rank.setdefault(place_id, len(rank))
        rows.sort(key=lambda row: (row[2], row[0]), reverse=True)  # newest first, then by place (stable)
        rows.sort(key=lambda row: rank[row[1]])
        return [(pk, place_id) for pk, place_id, _ in rows[:limit]]


def _first_photo() -> Subquery:
    """The offer's first photo id (None without photos), read in the page's own query."""
    return Subquery(OfferPhoto.objects.filter(offer_id=OuterRef("pk")).order_by("id").values("id")[:1])


def offer_feed(
    *,
    provider: User,
    category_id: int | None = None,
    on_date: datetime.date | None = None,
    min_price_cents: int | None = None,
) -> Feed:
    """The provider's feed with the page's filters applied, nearest first, then newest (on the replica, if
    any); each offer carries `distance_km` and `first_photo_id`. Empty for anybody the rule matches nothing
    for (not an approved provider in good standing, or no base place)."""
    profile = approved_profile(provider)
    if profile is None or profile.base_place is None:
        return Feed(offers=Offer.objects.none(), places=(), category_ids=())
    offers = on_replica(offers_matching_provider(provider=provider))
    if on_date is not None:
        offers = offers.filter(preferred_date=on_date)
    if min_price_cents is not None:
        offers = offers.filter(price_cents__gte=min_price_cents)
    categories = [category.pk for category in profile.categories.all()]
    if category_id is not None:
        categories = [pk for pk in categories if pk == category_id]
    places = places_within(profile.base_place, radius_km=profile.service_radius_km)
    return Feed(offers=offers, places=tuple(places), category_ids=tuple(categories))


def _decline_count() -> Coalesce:
    """How many providers declined the outer offer, counted for each row returned (not a GROUP BY over all)."""
    declines = OfferDecline.objects.filter(offer=OuterRef("pk")).order_by().values("offer").annotate(n=Count("pk"))
    return Coalesce(Subquery(declines.values("n")), 0)


def offer_list_for_customer(*, customer: User) -> QuerySet[Offer]:
    """The customer's offers with their decline counts and bookings (latest first), newest first."""
    return (
        Offer.objects.filter(customer=customer)
        .select_related("category", "place")
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
    offers = Offer.objects.select_related("category", "customer", "place").annotate(
        decline_count=_decline_count(), photo_ids=offer_photo_ids_expression(OuterRef("pk"))
    )
    offer = get_object_or_404(offers, pk=offer_id)
    if offer.customer_id == user.pk or provider_offer_access(provider=user, offer_id=offer.pk):
        return offer
    raise Http404("No offer found.")  # same answer as for a missing offer: nothing is revealed


def offer_get_owned(*, customer: User, offer_id: int) -> Offer:
    """The customer's own offer, or 404 (another customer's offer looks exactly like a missing one)."""
    return get_object_or_404(Offer.objects.select_related("category", "place"), pk=offer_id, customer_id=customer.pk)


QUOTES_SHOWN = 20  # the offer page lists at most this many pending quotes, cheapest first


def quotes_for_customer(*, offer: Offer) -> list[Quote]:
    """The offer's live quotes, cheapest first: at most QUOTES_SHOWN + 1 (the page says when there are more).

    One query at any number of quotes (the (offer, status, price_cents) index). Each provider's rating
    comes in the same query: `provider__reputation` is reviews' ProviderReputation, joined by name so
    offers does not import reviews. `distance_km` (None when either side has no place) is from the
    provider's base place to the offer's place, computed in the same query.
    """
    quotes = Quote.objects.filter(offer=offer, status=Quote.Status.PENDING, expires_at__gt=timezone.now())
    if offer.place_id:
        place = offer.place
        distance = geo.distance_km(
            "provider__provider_profile__base_place", latitude=place.latitude, longitude=place.longitude
        )
        quotes = quotes.annotate(distance_km=distance)
    quotes = quotes.select_related("provider", "provider__reputation").order_by("price_cents", "id")[: QUOTES_SHOWN + 1]
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


def requestable_provider_get(*, provider_id: object) -> User:
    """A provider a customer may send an offer to directly (approved, in good standing), or 404."""
    providers = User.objects.filter(providers_in_good_standing()).select_related("provider_profile__base_place")
    try:
        return providers.prefetch_related("provider_profile__categories").get(pk=int(provider_id))
    except (TypeError, ValueError, User.DoesNotExist):
        raise Http404("No provider to request here.") from None
