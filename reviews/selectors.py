"""Reads for reviews and reputation; each is one query (or a fixed few), whatever the row count."""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, F, QuerySet, Sum

from accounts.models import ProviderProfile, User
from bookings.models import Booking, BookingStatusCounts
from bookings.selectors import party_status_count
from disputes.selectors import booking_was_disputed
from reviews.models import CustomerRating, ProviderReputation, Review, rounded_average
from servizo.replica import on_replica

# ?sort= values on the profile page → ordering.
REVIEW_SORTS: dict[str, tuple[str, ...]] = {
    "recent": ("-created_at", "-id"),
    "highest": ("-rating", "-created_at", "-id"),
    "lowest": ("rating", "-created_at", "-id"),
}
DASHBOARD_LIMIT = 5
# The dashboards' review prompts ("rate your last jobs", "reviews awaiting your reply") look among this
# many of the latest completed bookings or reviews.
RECENT_JOBS = 20


def provider_profile_get(*, provider_id: int) -> ProviderProfile:
    """An approved provider's profile with user, reputation, reliability and response time (1 query;
    categories prefetched: +1)."""
    return (
        ProviderProfile.objects.select_related(
            "user", "user__reputation", "user__reliability", "user__response_time", "base_place"
        )
        .prefetch_related("categories")
        .get(user_id=provider_id, status=ProviderProfile.Status.APPROVED)
    )


def provider_reputation_get(*, provider: User) -> ProviderReputation | None:
    """The provider's reputation; free when the caller used select_related("…provider__reputation")."""
    try:
        return provider.reputation
    except ObjectDoesNotExist:
        return None


def provider_completed_jobs_count(*, provider_id: int) -> int:
    """One row read (the maintained bookings.BookingStatusCounts), however many jobs."""
    return party_status_count(
        user_id=provider_id, side=BookingStatusCounts.Side.PROVIDER, status=Booking.Status.COMPLETED
    )


def provider_review_count(*, provider: User, viewer: User) -> int:
    """How many reviews `provider_review_list` shows this viewer, without counting them: the visible ones from
    the maintained `ProviderReputation` (read with the profile), plus, for the provider themselves, their
    hidden ones (an index range over those alone)."""
    reputation = provider_reputation_get(provider=provider)
    count = reputation.rating_count if reputation else 0
    if viewer.pk == provider.pk:
        count += Review.objects.filter(provider_id=provider.pk, is_hidden=True).count()
    return count


def provider_review_list(*, provider_id: int, viewer: User, sort: str = "recent") -> QuerySet[Review]:
    """Reviews on the profile; hidden ones only for the provider themselves (shown as removed).

    Read on the replica, if any."""
    reviews = on_replica(Review.objects.filter(provider_id=provider_id).select_related("customer", "reply"))
    if viewer.pk != provider_id:
        reviews = reviews.filter(is_hidden=False)
    return reviews.order_by(*REVIEW_SORTS.get(sort, REVIEW_SORTS["recent"]))


def customer_review_list(*, customer: User) -> QuerySet[Review]:
    """Reviews the customer wrote, newest first, with each provider's reputation."""
    return Review.objects.filter(customer=customer).select_related(
        "booking", "provider", "provider__reputation", "reply"
    )


def booking_reviewable(*, booking: Booking) -> bool:
    """Completed, or settled by staff after a dispute with a payment to the provider (`resolved`: part kept)."""
    if booking.status == Booking.Status.COMPLETED:
        return True
    return booking.status == Booking.Status.RESOLVED and booking_was_disputed(booking=booking)


def booking_review_get(*, booking: Booking) -> Review | None:
    if booking.status not in (Booking.Status.COMPLETED, Booking.Status.RESOLVED):
        return None  # reviewed only once completed (or resolved): no query
    return Review.objects.select_related("reply").filter(booking=booking).first()


def customer_rating_exists(*, booking: Booking) -> bool:
    return CustomerRating.objects.filter(booking=booking).exists()


def bookings_to_review(*, customer: User, limit: int = DASHBOARD_LIMIT) -> list[Booking]:
    """The customer's latest completed bookings still without a review ("rate your last jobs")."""
    completed = Booking.objects.filter(customer=customer, status=Booking.Status.COMPLETED)
    return _recent_without(
        completed.select_related("provider", "provider__reputation").order_by("-completed_at", "-id"), "review", limit
    )


def reviews_awaiting_reply(*, provider: User, limit: int = DASHBOARD_LIMIT) -> list[Review]:
    """The latest visible reviews without the provider's reply. Newest first by `created_at` alone: the index
    (provider, is_hidden, -created_at) keeps ties in ascending id, so adding `-id` made MariaDB sort them all."""
    reviews = Review.objects.filter(provider=provider, is_hidden=False).select_related("customer", "booking")
    return _recent_without(reviews.order_by("-created_at"), "reply", limit)


def bookings_to_rate_customer(*, provider: User, limit: int = DASHBOARD_LIMIT) -> list[Booking]:
    completed = Booking.objects.filter(provider=provider, status=Booking.Status.COMPLETED)
    return _recent_without(
        completed.select_related("customer").order_by("-completed_at", "-id"), "customer_rating", limit
    )


def _recent_without(rows: QuerySet, missing: str, limit: int) -> list:
    """The first `limit` of the RECENT_JOBS first `rows` that have no `missing` (a reverse one-to-one).

    One index range of at most RECENT_JOBS rows: filtering on the missing row in SQL walked the whole
    history of a user who reviews (or replies to) everything before finding none.
    """
    recent = rows.annotate(missing_pk=F(f"{missing}__id"))[:RECENT_JOBS]
    return [row for row in recent if row.missing_pk is None][:limit]


def customer_rating_summary(*, customer_id: int) -> dict:
    """Aggregate of providers' private ratings of a customer: {"average", "count"} (one query)."""
    totals = CustomerRating.objects.filter(customer_id=customer_id).aggregate(total=Sum("rating"), count=Count("id"))
    return {"average": rounded_average(totals["total"] or 0, totals["count"]), "count": totals["count"]}
