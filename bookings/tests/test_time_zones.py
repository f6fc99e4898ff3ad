"""A job's date and window are wall-clock times at its place; every other time is shown in the viewer's zone."""

import datetime
import importlib
import zoneinfo

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import CustomerFactory
from bookings.models import Booking
from bookings.services import booking_accept_offer
from bookings.tests.factories import BookingFactory
from offers.models import TimeWindow
from offers.tests.factories import OfferFactory
from servizo.timezones import when_text

UTC = datetime.UTC
TUESDAY = datetime.date(2027, 1, 12)  # winter: Florence is UTC+1


def florence_booking(**kwargs) -> Booking:
    """A morning job in Florence (08:00-12:00 local), to pay by 11 Jan 2027, 07:00 UTC."""
    return BookingFactory(
        scheduled_date=TUESDAY,
        time_window=TimeWindow.MORNING,
        pay_by=datetime.datetime(2027, 1, 11, 7, 0, tzinfo=UTC),
        free_cancellation_hours=24,
        **kwargs,
    )


@pytest.mark.django_db
def test_the_job_starts_at_its_window_in_its_place_zone():
    booking = florence_booking()

    assert booking.time_zone == "Europe/Rome"
    assert booking.starts_at == datetime.datetime(2027, 1, 12, 7, 0, tzinfo=UTC)  # 08:00 in Florence
    assert booking.free_cancellation_until == datetime.datetime(2027, 1, 11, 7, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_a_viewer_in_karachi_and_one_in_new_york_see_the_same_booking(client):
    booking = florence_booking(customer=CustomerFactory(time_zone="Asia/Karachi"))
    booking.provider.time_zone = "America/New_York"
    booking.provider.save(update_fields=["time_zone"])
    url = reverse("bookings:detail", args=[booking.pk])

    client.force_login(booking.customer)
    karachi = client.get(url).content.decode()
    client.force_login(booking.provider)
    new_york = client.get(url).content.decode()

    # The same instants (pay by, free cancellation until: both 11 Jan 2027 07:00 UTC), each in the viewer's zone.
    assert "Pay by 11 Jan 2027, 12:00 PKT" in karachi
    assert "until 11 Jan 2027, 02:00 EST" in new_york
    assert "Free for the customer until 11 Jan 2027, 12:00 PKT" in karachi
    assert "Free for the customer until 11 Jan 2027, 02:00 EST" in new_york
    # The job's own time is the place's, named for both since neither is in Florence.
    assert "Tue 12 Jan, 08:00–12:00 (Florence time)" in karachi
    assert "Tue 12 Jan, 08:00–12:00 (Florence time)" in new_york
    assert 'data-time-zone="Asia/Karachi" data-time-zone-label="PKT" data-time-zone-offset="+05:00"' in karachi
    assert 'data-time-zone="America/New_York"' in new_york


@pytest.mark.django_db
def test_a_viewer_in_the_job_zone_sees_the_job_time_without_the_place(client):
    booking = florence_booking(customer=CustomerFactory(time_zone="Europe/Rome"))
    client.force_login(booking.customer)

    page = client.get(reverse("bookings:detail", args=[booking.pk])).content.decode()

    assert "Tue 12 Jan, 08:00–12:00</dd>" in page
    assert "Pay by 11 Jan 2027, 08:00 CET" in page


@pytest.mark.django_db
def test_accepting_snapshots_the_place_zone_and_tells_the_customer_in_theirs(
    provider, django_capture_on_commit_callbacks, mailoutbox
):
    offer = OfferFactory(customer=CustomerFactory(time_zone="Asia/Karachi"))

    # The provider's request runs in their zone; the customer reads the text in theirs.
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")), django_capture_on_commit_callbacks(execute=True):
        booking = booking_accept_offer(offer_id=offer.pk, provider=provider, terms_version=1)

    assert booking.time_zone == "Europe/Rome"  # the offer's place (Florence), not either party's zone
    pay_by = when_text(booking.pay_by, "Asia/Karachi")
    assert pay_by.endswith(" PKT")
    assert f"Pay by {pay_by}" in mailoutbox[0].body
    assert f"Pay by {pay_by}" in offer.customer.notifications.get().text


@pytest.mark.django_db
def test_an_offer_without_a_place_is_in_the_customer_zone():
    offer = OfferFactory(place=None, legacy_city="Lahore", customer=CustomerFactory(time_zone="Asia/Karachi"))

    assert offer.time_zone == "Asia/Karachi"


@pytest.mark.django_db
def test_staff_see_admin_times_in_their_zone_with_the_label(client, staff_user):
    booking = florence_booking()
    staff_user.time_zone = "Asia/Karachi"
    staff_user.save(update_fields=["time_zone"])
    client.force_login(staff_user)

    changelist = client.get(reverse("admin:bookings_booking_changelist")).content.decode()
    page = client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()

    assert "11 Jan 2027, 12:00 PKT" in changelist  # pay by, 07:00 UTC
    assert "11 Jan 2027, 12:00 PKT" in page


@pytest.mark.django_db
def test_the_migration_gives_existing_bookings_their_place_zone():
    backfill = importlib.import_module("bookings.migrations.0007_booking_time_zone").backfill
    placed = florence_booking()
    unplaced = florence_booking(offer=OfferFactory(place=None, legacy_city="Atlantis", status="accepted"))
    Booking.objects.update(time_zone="UTC")  # as the column's default left them

    backfill(apps, None)

    assert Booking.objects.get(pk=placed.pk).time_zone == "Europe/Rome"
    assert Booking.objects.get(pk=unplaced.pk).time_zone == "UTC"
