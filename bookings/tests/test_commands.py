from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from bookings.models import Booking
from bookings.services import booking_expire_unpaid
from bookings.tests.factories import BookingFactory
from offers.models import Offer

S = Booking.Status


def _expire() -> str:
    out = StringIO()
    call_command("expire_unpaid_bookings", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_unpaid_bookings_past_their_deadline_are_cancelled_and_their_offers_reopened(mailoutbox):
    overdue = BookingFactory(pay_by=timezone.now() - timedelta(minutes=1))
    not_yet = BookingFactory(pay_by=timezone.now() + timedelta(hours=1))
    paid = BookingFactory(status=S.SCHEDULED, pay_by=timezone.now() - timedelta(hours=1))

    output = _expire()

    assert "Cancelled 1 unpaid booking(s)" in output
    overdue.refresh_from_db()
    assert overdue.status == S.CANCELLED
    event = overdue.events.get()
    assert (event.actor, event.from_status, event.to_status) == (None, S.AWAITING_PAYMENT, S.CANCELLED)
    assert "automatically" in event.note
    overdue.offer.refresh_from_db()
    assert overdue.offer.status == Offer.Status.OPEN
    assert overdue.offer.events.get().to_status == Offer.Status.OPEN
    for booking, status in [(not_yet, S.AWAITING_PAYMENT), (paid, S.SCHEDULED)]:
        booking.refresh_from_db()
        assert booking.status == status
        booking.offer.refresh_from_db()
        assert booking.offer.status == Offer.Status.ACCEPTED


@pytest.mark.django_db
def test_running_it_again_changes_nothing():
    overdue = BookingFactory(pay_by=timezone.now() - timedelta(minutes=1))
    _expire()

    assert "Cancelled 0 unpaid booking(s)" in _expire()

    assert overdue.events.count() == 1
    assert overdue.offer.events.count() == 1


@pytest.mark.django_db
def test_a_booking_paid_after_it_was_listed_is_skipped():
    booking = BookingFactory(status=S.SCHEDULED, pay_by=timezone.now() - timedelta(minutes=1))

    assert booking_expire_unpaid(booking_id=booking.pk) is False
    assert booking_expire_unpaid(booking_id=999999) is False
    booking.refresh_from_db()
    assert booking.status == S.SCHEDULED
