"""Row locks for bookings and the rows around them, taken in one fixed order.

Lock order (every service that holds more than one of these rows takes them in this order, so two
services never wait on each other):

    provider profile → offer → the offer's quotes (primary-key order) → booking → the booking's
    payment / settlement / transfer / review rows → the provider's reputation row → the parties'
    booking status counts (customer and provider rows in user-id order)

Several bookings (or several rows of one kind) are locked in ascending primary-key order.
A provider suspension holds the profile, then locks each open booking's offer and booking in turn,
all of them before it moves any.

All helpers use `select_for_update()` (no `of=`: MariaDB) and must run inside `transaction.atomic()`;
on SQLite, which has no row locks, the database-wide write lock serializes the same services.
"""

from typing import TypeVar

from django.db import models

from bookings.models import Booking
from offers.locks import lock_offer
from offers.models import Offer

T = TypeVar("T", bound=models.Model)


def lock_booking(booking_id: int, **filters) -> Booking:
    """Lock and return the booking (`filters`, e.g. `customer=user`, narrow it: DoesNotExist otherwise)."""
    return Booking.objects.select_for_update().get(pk=booking_id, **filters)


def lock_bookings(booking_ids) -> list[int]:
    """Lock several bookings in primary-key order; returns the ids that exist."""
    return list(
        Booking.objects.select_for_update().filter(pk__in=booking_ids).order_by("pk").values_list("pk", flat=True)
    )


def lock_offer_then_booking(booking_id: int, *, offer_id: int | None = None) -> tuple[Offer, Booking]:
    """Lock a booking's offer, then the booking (Booking.DoesNotExist for an unknown booking)."""
    if offer_id is None:
        offer_id = Booking.objects.values_list("offer_id", flat=True).get(pk=booking_id)
    return lock_offer(offer_id), lock_booking(booking_id)


def lock_booking_then(model: type[T], pk: int) -> tuple[Booking, T]:
    """Lock the booking of `model` row `pk` (a Payment, Settlement…), then that row."""
    booking_id = model.objects.values_list("booking_id", flat=True).get(pk=pk)
    return lock_booking(booking_id), model.objects.select_for_update().get(pk=pk)
