"""Reads for the public directory (see directory.models for why every search is one index walk)."""

from django.db.models import F, QuerySet

from accounts.models import SERVICE_RADIUS_KM_MAX, User
from directory.models import ANY_TRADE, DirectoryListing, ProviderResponseTime
from places import geo
from places.models import Place

# Each order is an index's tail read backwards (DirectoryListing.Meta.indexes).
SORTS = {
    "rating": ("-rating_x100", "-rating_count", "-provider_id"),
    "jobs": ("-jobs_done", "-rating_x100", "-provider_id"),
}
SORT_LABELS = {"rating": "Best rated", "jobs": "Most jobs done", "distance": "Nearest (with a place)"}


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

    "distance" sorts only with a place (else it is "rating"). Page it with `servizo.pagination.page_of`:
    ids first from the index, then the page's rows with the provider, their profile and its categories.
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
        if sort == "distance":
            order = ("distance_km", "-rating_x100", "-provider_id")
    return (
        rows.select_related("provider__provider_profile__base_place")
        .prefetch_related("provider__provider_profile__categories")
        .order_by(*order)
    )


def provider_response_minutes(*, provider: User) -> int | None:
    """The provider's average response time in minutes (one row), None before their first response."""
    row = ProviderResponseTime.objects.filter(provider_id=provider.pk).first()
    return row.average_minutes if row else None
