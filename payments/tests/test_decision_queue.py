"""The maintained decision queue follows each booking's status and held escrow, in the same transaction."""

import pytest
from django.core.management import call_command

from bookings.models import Booking
from bookings.services import booking_transition
from bookings.tests.factories import BookingFactory
from payments.audit import decision_queue_audit
from payments.models import DecisionQueueEntry, LedgerEntry, Settlement
from payments.selectors import decision_queue, needs_decision_bookings
from payments.services.ledger import ledger_record
from payments.services.settlements import settlement_create
from payments.tests.conftest import walk

pytestmark = pytest.mark.django_db
S = Booking.Status
K = LedgerEntry.Kind


def queued() -> set[int]:
    return set(decision_queue().values_list("booking_id", flat=True))


def test_a_paid_booking_joins_the_queue_when_disputed_and_leaves_when_decided(paid_booking, staff_user):
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.DISPUTED)
    assert queued() == {booking.pk} == set(needs_decision_bookings().values_list("pk", flat=True))

    settlement_create(
        booking_id=booking.pk, decision=Settlement.Decision.REFUND_ALL, reason="No show", actor=staff_user
    )

    assert queued() == set() and list(decision_queue_audit()) == []


def test_a_cancelled_booking_that_was_never_paid_never_joins(customer):
    booking = BookingFactory(customer=customer)
    booking_transition(booking_id=booking.pk, to_status=S.CANCELLED, actor=customer)

    assert queued() == set() and list(decision_queue_audit()) == []


def test_money_moving_on_a_cancelled_booking_adds_or_drops_it_without_a_status_change(customer):
    """A charge that lands after the booking was cancelled must be decided; refunding it all ends that."""
    booking = BookingFactory(customer=customer)
    booking_transition(booking_id=booking.pk, to_status=S.CANCELLED, actor=customer)

    ledger_record(booking=booking, kind=K.CHARGE_ESCROW, amount_cents=12000, idempotency_key=f"late-{booking.pk}")
    assert queued() == {booking.pk}

    ledger_record(booking=booking, kind=K.REFUND, amount_cents=12000, idempotency_key=f"refund-{booking.pk}")
    assert queued() == set() and list(decision_queue_audit()) == []


def test_the_audit_names_a_queue_that_drifted_from_the_ledger(paid_booking):
    booking = walk(paid_booking, S.CANCELLED)
    DecisionQueueEntry.objects.filter(booking=booking).delete()
    stray = BookingFactory()
    DecisionQueueEntry.objects.create(booking=stray)

    assert list(decision_queue_audit()) == [
        (booking.pk, "waits for a decision but is missing from the decision queue"),
        (stray.pk, "is in the decision queue but waits for no decision"),
    ]
    with pytest.raises(Exception, match="discrepancies"):
        call_command("audit_ledger", "--skip-stripe")
