from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from bookings.models import Booking
from payments.models import LedgerEntry
from payments.selectors import booking_balance, provider_balance
from payments.tests.conftest import walk

pytestmark = pytest.mark.django_db
S = Booking.Status


def test_customer_confirmation_releases_80_20_in_the_same_transition(paid_booking):
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.COMPLETED)

    balance = booking_balance(booking_id=booking.pk)
    assert (balance.held, balance.released_provider, balance.released_commission) == (0, 9600, 2400)
    assert provider_balance(provider=booking.provider).available == 9600


def test_release_is_not_repeated(completed_booking):
    from payments.services.ledger import escrow_release_on_completed

    event = completed_booking.events.last()
    escrow_release_on_completed(completed_booking, event)

    assert LedgerEntry.objects.filter(booking=completed_booking).count() == 3


def test_auto_release_after_the_quiet_period(paid_booking, settings):
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED)
    Booking.objects.filter(pk=booking.pk).update(
        provider_completed_at=timezone.now() - settings.ESCROW_AUTO_RELEASE_AFTER - timedelta(minutes=1)
    )

    call_command("release_escrow")

    booking.refresh_from_db()
    assert booking.status == S.COMPLETED
    event = booking.events.get(to_status=S.COMPLETED)
    assert event.actor is None and "automatically" in event.note
    assert booking_balance(booking_id=booking.pk).released_provider == 9600


def test_auto_release_waits_and_leaves_disputes_alone(pay, connected_provider, settings):
    from bookings.tests.factories import BookingFactory

    recent = BookingFactory(provider=connected_provider)
    disputed = BookingFactory(provider=connected_provider)
    pay(recent)
    pay(disputed)
    walk(recent, S.IN_PROGRESS, S.PROVIDER_COMPLETED)
    walk(disputed, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.DISPUTED)
    Booking.objects.filter(pk=disputed.pk).update(provider_completed_at=timezone.now() - timedelta(days=30))

    call_command("release_escrow")

    assert Booking.objects.get(pk=recent.pk).status == S.PROVIDER_COMPLETED
    assert Booking.objects.get(pk=disputed.pk).status == S.DISPUTED
    assert booking_balance(booking_id=disputed.pk).held == 12000
