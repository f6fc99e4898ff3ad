"""BookingStatusCounts: kept equal to the bookings by every creation and move; backfill and audit."""

from importlib import import_module

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from bookings.audit import status_counts_audit
from bookings.models import Booking, BookingStatusCounts
from bookings.services import booking_accept_offer, booking_transition
from bookings.tests.factories import BookingFactory
from offers.tests.factories import OfferFactory

S = Booking.Status
Side = BookingStatusCounts.Side


def counts_of(user, side) -> dict[str, int]:
    row = BookingStatusCounts.objects.get(user=user, side=side)
    return {status: n for status, n in row.by_status().items() if n}


def test_every_status_has_a_column():
    columns = {field.name for field in BookingStatusCounts._meta.get_fields()}
    assert set(S.values) <= columns


@pytest.mark.django_db
def test_accept_and_every_move_keep_both_parties_counts(provider):
    offers = [OfferFactory() for _ in range(2)]
    customers = {offer.customer for offer in offers}

    first, second = (booking_accept_offer(offer_id=o.pk, provider=provider, terms_version=1) for o in offers)
    assert counts_of(provider, Side.PROVIDER) == {S.AWAITING_PAYMENT: 2}

    booking_transition(booking_id=first.pk, to_status=S.SCHEDULED, actor=None)
    booking_transition(booking_id=first.pk, to_status=S.IN_PROGRESS, actor=provider)
    booking_transition(booking_id=second.pk, to_status=S.CANCELLED, actor=second.customer)

    assert counts_of(provider, Side.PROVIDER) == {S.IN_PROGRESS: 1, S.CANCELLED: 1}
    assert counts_of(first.customer, Side.CUSTOMER) == {S.IN_PROGRESS: 1}
    assert counts_of(second.customer, Side.CUSTOMER) == {S.CANCELLED: 1}
    assert not BookingStatusCounts.objects.filter(user__in=customers, side=Side.PROVIDER).exists()
    assert status_counts_audit() == []


@pytest.mark.django_db
def test_a_refused_move_changes_no_count(provider):
    booking = BookingFactory(provider=provider, status=S.SCHEDULED)

    with pytest.raises(Exception, match="cannot be moved"):
        booking_transition(booking_id=booking.pk, to_status=S.COMPLETED, actor=booking.customer)

    assert counts_of(provider, Side.PROVIDER) == {S.SCHEDULED: 1}


@pytest.mark.django_db
def test_backfill_counts_existing_bookings_and_the_audit_reports_drift(provider):
    for status in (S.SCHEDULED, S.SCHEDULED, S.COMPLETED):
        BookingFactory(provider=provider, status=status)
    BookingStatusCounts.objects.all().delete()

    import_module("bookings.migrations.0005_booking_status_counts").backfill(apps, None)
    call_command("audit_booking_counts")
    assert counts_of(provider, Side.PROVIDER) == {S.SCHEDULED: 2, S.COMPLETED: 1}

    BookingStatusCounts.objects.filter(user=provider).update(completed=5)
    assert status_counts_audit() == [f"user {provider.pk} as provider: stored vs counted {{'completed': (5, 1)}}"]
    with pytest.raises(CommandError, match="1 booking count row"):
        call_command("audit_booking_counts")
