"""Reads for the public directory (see directory.models for why every search is one index walk)."""

from collections.abc import Sequence

from django.db.models import F, OrderBy, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import SERVICE_RADIUS_KM_MAX, ProviderProfile, User
from accounts.selectors import category_map
from directory.models import ANY_TRADE, DirectoryListing, ProviderResponseTime
from places import geo
from places.models import Place

# Each order is an index's tail read backwards (DirectoryListing.Meta.indexes).
SORTS = {
    "rating": ("-rating_x100", "-rating_count", "-provider_id"),
    "jobs": ("-jobs_done", "-rating_x100", "-provider_id"),
}
SORT_LABELS = {"rating": _("Best rated"), "jobs": _("Most jobs done"), "distance": _("Nearest (with a place)")}


def directory_search(
    *,
    trade: int | None = None,
    place: Place | None = None,
    min_rating_x100: int | None = None,
    price_level: int | None = None,
    sort: str = "rating",
) -> QuerySet[DirectoryListing]:
    """Listed providers under `trade` (any trade: None) whose service radius reaches `place` (if given),
    filtered, in the chosen order; with a place each row carries `distance_km`.

    "distance" sorts only with a place (else it is "rating"). Page it with `servizo.pagination.page_of`
    (ids first from the index, then the page's rows with the provider and profile), then
    `listings_trades_attach` the page.
    """
    rows = DirectoryListing.objects.filter(listed=True, trade=trade or ANY_TRADE)
    if price_level:
        rows = rows.filter(price_level=price_level)
    if min_rating_x100:
        rows = rows.filter(rating_x100__gte=min_rating_x100)
    order = SORTS.get(sort, SORTS["rating"])
    if place is not None:
        point = {"latitude": place.latitude, "longitude": place.longitude}
        reach = geo.within_q("", **point, radius_km=F("radius_km"), box_km=SERVICE_RADIUS_KM_MAX)
        rows = rows.filter(reach).annotate(distance_km=geo.distance_km("", **point))
        # Sort the box's rows (dir_place) instead of walking a trade's whole index by rating for the few
        # in the box: ordered by expressions, the sort indexes no longer look like a way to skip the sort.
        order = ("distance_km", *order) if sort == "distance" else [_unindexed(key) for key in order]
    return rows.select_related("provider__provider_profile__base_place").order_by(*order)


def _unindexed(key: str) -> OrderBy:
    column = F(key.removeprefix("-")) + 0
    return OrderBy(column, descending=key.startswith("-"))


def listings_trades_attach(listings: Sequence[DirectoryListing]) -> None:
    """Give each listed provider's profile `trades` (their categories, by name order) in one query.

    Reads the profiles' rows of the categories table by its (profile, category) key and names them from
    the cached category map: a join would let MariaDB start from the small categories table.
    """
    profiles = [listing.provider.provider_profile for listing in listings]
    through = ProviderProfile.categories.through.objects.filter(providerprofile_id__in=[p.pk for p in profiles])
    by_profile: dict[int, list[int]] = {}
    for profile_id, category_id in through.values_list("providerprofile_id", "servicecategory_id"):
        by_profile.setdefault(profile_id, []).append(category_id)
    categories = category_map()
    for profile in profiles:
        trades = [categories[pk] for pk in by_profile.get(profile.pk, []) if pk in categories]
        profile.trades = sorted(trades, key=lambda category: (category.ordering, category.name))


def provider_response_minutes(*, provider: User) -> int | None:
    """The provider's average response time in minutes, None before their first response (one row;
    none when the caller used select_related("…response_time"))."""
    try:
        return provider.response_time.average_minutes
    except ProviderResponseTime.DoesNotExist:
        return None
