"""Checks of the bookings' maintained aggregates against the rows they summarize."""

from bookings.models import Booking, BookingStatusCounts
from bookings.selectors import status_counts_from_bookings


def status_counts_audit() -> list[str]:
    """Every (user, side) whose BookingStatusCounts row differs from a count of their bookings."""
    expected = status_counts_from_bookings(Booking.objects.all())
    problems = []
    stored = {(row.user_id, row.side): row.by_status() for row in BookingStatusCounts.objects.all()}
    for key in sorted(expected.keys() | stored.keys()):
        want = {status: expected.get(key, {}).get(status, 0) for status in Booking.Status.values}
        have = stored.get(key, dict.fromkeys(Booking.Status.values, 0))
        if want != have:
            wrong = {status: (have[status], want[status]) for status in want if have[status] != want[status]}
            problems.append(f"user {key[0]} as {key[1]}: stored vs counted {wrong}")
    return problems
