"""DecisionQueueEntry, the maintained set of bookings waiting for a staff money decision.

A booking has a row exactly while `selectors.needs_decision_bookings()` lists it: in
Booking.NEEDS_DECISION with escrow still held. Membership changes only when such a booking's status
or held escrow changes, so two writers keep it, each in the transaction of the change:
`decision_queue_on_booking_status` (a transition hook on every status) and `decision_queue_sync` for
the bookings of each new ledger row that moves escrow (called by `balances.balance_apply`).
`audit_ledger` compares the set with the ledger's definition.
"""

from collections.abc import Iterable

from bookings.models import Booking, BookingEvent
from payments.models import DecisionQueueEntry
from payments.selectors import needs_decision_bookings


def decision_queue_sync(booking_ids: Iterable[int]) -> None:
    """Give each of these bookings a row if it waits for a decision now, and drop the row otherwise."""
    ids = sorted(set(booking_ids))
    if not ids:
        return
    waiting = list(needs_decision_bookings().filter(pk__in=ids).values_list("pk", flat=True))
    DecisionQueueEntry.objects.filter(booking_id__in=ids).exclude(booking_id__in=waiting).delete()
    if waiting:
        DecisionQueueEntry.objects.bulk_create(
            [DecisionQueueEntry(booking_id=pk) for pk in waiting], ignore_conflicts=True
        )


def decision_queue_on_booking_status(booking: Booking, event: BookingEvent) -> None:
    """Transition hook (every status): a move into or out of NEEDS_DECISION adds or drops the booking."""
    if event.from_status in Booking.NEEDS_DECISION or booking.status in Booking.NEEDS_DECISION:
        decision_queue_sync([booking.pk])
