"""Reads for the public directory (see directory.models for why every search is one index walk)."""

from django.db.models import QuerySet

from accounts.models import User
from directory.models import ANY_TRADE, DirectoryListing, ProviderResponseTime

# Each order is an index's tail read backwards (DirectoryListing.Meta.indexes).
SORTS = {
    "rating": ("-rating_x100", "-rating_count", "-provider_id"),
    "jobs": ("-jobs_done", "-rating_x100", "-provider_id"),
}
SORT_LABELS = {"rating": "Best rated", "jobs": "Most jobs done"}


def directory_search(
    *,
    trade: int | None = None,
    min_rating_x100: int | None = None,
    price_level: int | None = None,
    sort: str = "rating",
) -> QuerySet[DirectoryListing]:
    """Listed providers under `trade` (any trade: None), filtered, in the chosen order.

    Page it with `servizo.pagination.page_of`: ids first from the index, then the page's rows with
    the provider, their profile and its categories (3 queries, whatever the table's size).
    """
    rows = DirectoryListing.objects.filter(listed=True, trade=trade or ANY_TRADE)
    if price_level:
        rows = rows.filter(price_level=price_level)
    if min_rating_x100:
        rows = rows.filter(rating_x100__gte=min_rating_x100)
    return (
        rows.select_related("provider__provider_profile")
        .prefetch_related("provider__provider_profile__categories")
        .order_by(*SORTS.get(sort, SORTS["rating"]))
    )


def provider_response_minutes(*, provider: User) -> int | None:
    """The provider's average response time in minutes (one row), None before their first response."""
    row = ProviderResponseTime.objects.filter(provider_id=provider.pk).first()
    return row.average_minutes if row else None
