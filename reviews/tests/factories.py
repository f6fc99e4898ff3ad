import factory
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from bookings.models import Booking
from bookings.services import booking_transition
from bookings.tests.factories import BookingFactory, status_counts_recount
from reviews.models import Review
from reviews.services import reputation_refresh


class CompletedBookingFactory(BookingFactory):
    """A completed booking written directly (no transition hooks run); see `complete_booking` for the real path."""

    status = Booking.Status.COMPLETED
    completed_at = factory.LazyFunction(timezone.now)


class ReviewFactory(factory.django.DjangoModelFactory):
    """A review row only: the provider's reputation is not refreshed (use the services for that)."""

    class Meta:
        model = Review

    booking = factory.SubFactory(CompletedBookingFactory)
    customer = factory.SelfAttribute("booking.customer")
    provider = factory.SelfAttribute("booking.provider")
    rating = 5
    comment = "Quick, tidy and friendly."


def complete_booking(booking: Booking) -> Booking:
    """Walk a fresh booking to `completed` through booking_transition, as the real actors would."""
    for to_status, actor in (
        (Booking.Status.SCHEDULED, None),
        (Booking.Status.IN_PROGRESS, booking.provider),
        (Booking.Status.PROVIDER_COMPLETED, booking.provider),
        (Booking.Status.COMPLETED, booking.customer),
    ):
        booking = booking_transition(booking_id=booking.pk, to_status=to_status, actor=actor)
    return booking


def reviews_bulk_create(*, count: int, provider: User | None = None, customer: User | None = None) -> list[Review]:
    """`count` reviews on completed bookings, ratings cycling 5..1, with reputations refreshed.

    Give `provider` for many reviews of one provider (each by a new customer), or `customer` for
    many reviews written by one customer (each of a new provider). Rows are bulk-inserted: fast
    enough for query-count tests at 200 reviews.
    """
    assert (provider is None) != (customer is None), "give exactly one of provider, customer"
    template = CompletedBookingFactory(**({"provider": provider} if provider else {}))
    role = User.Role.PROVIDER if customer else User.Role.CUSTOMER
    others = User.objects.bulk_create(
        User(email=f"bulk-{role}-{template.pk}-{i}@example.com", full_name=f"Bulk {role.title()} {i}", role=role)
        for i in range(count)
    )
    customers = [customer] * count if customer else others
    providers = [provider] * count if provider else others
    now = timezone.now()
    bookings = Booking.objects.bulk_create(
        Booking(
            **{
                field.attname: getattr(template, field.attname)
                for field in Booking._meta.concrete_fields
                if not field.primary_key
            }
            | {"customer_id": c.pk, "provider_id": p.pk, "completed_at": now}
        )
        for c, p in zip(customers, providers, strict=True)
    )
    reviews = Review.objects.bulk_create(
        Review(booking=b, customer_id=b.customer_id, provider_id=b.provider_id, rating=5 - i % 5, comment=f"Review {i}")
        for i, b in enumerate(bookings)
    )
    with transaction.atomic():
        for provider_id in sorted({b.provider_id for b in bookings}):
            reputation_refresh(provider_id=provider_id)
    status_counts_recount()
    return reviews
