"""The directory rows follow their sources in the same transactions: approval, reviews, completions, rate."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import ProviderProfile, ServiceCategory
from accounts.services import provider_service_area_set, provider_transition
from accounts.tests.factories import ProviderProfileFactory, StaffFactory
from bookings.tests.factories import BookingFactory
from directory.models import ANY_TRADE, DirectoryListing, PriceLevel, price_level
from directory.services import listing_rating_set, provider_hourly_rate_set, response_record
from directory.tests.factories import listed_provider
from places.tests.factories import rome
from reviews.services import review_create
from reviews.tests.factories import complete_booking

pytestmark = pytest.mark.django_db
Status = ProviderProfile.Status


def rows_of(provider) -> dict[int, tuple]:
    rows = DirectoryListing.objects.filter(provider=provider)
    return {row.trade: (row.listed, row.rating_x100, row.rating_count, row.jobs_done, row.price_level) for row in rows}


def test_approval_lists_the_provider_under_each_trade_and_any_trade():
    staff = StaffFactory()
    profile = ProviderProfileFactory(status=Status.PENDING, hourly_rate_cents=4000)
    trades = sorted(profile.categories.values_list("pk", flat=True))
    assert rows_of(profile.user) == {}

    provider_transition(profile_id=profile.pk, to_status=Status.APPROVED, actor=staff)

    assert sorted(rows_of(profile.user)) == sorted([ANY_TRADE, *trades])
    assert {values for values in rows_of(profile.user).values()} == {(True, 0, 0, 0, PriceLevel.STANDARD)}


def test_suspension_unlists_and_reinstatement_relists_with_the_counters_kept():
    staff = StaffFactory()
    provider = listed_provider()
    listing_rating_set(provider_id=provider.pk, rating_sum=9, rating_count=2)

    provider_transition(profile_id=provider.provider_profile.pk, to_status=Status.SUSPENDED, actor=staff, reason="x")
    assert {row[0] for row in rows_of(provider).values()} == {False}

    provider_transition(profile_id=provider.provider_profile.pk, to_status=Status.APPROVED, actor=staff)
    assert {row[:3] for row in rows_of(provider).values()} == {(True, 450, 2)}


def test_re_approval_after_a_trade_change_lists_the_new_trade_with_the_old_counters():
    staff = StaffFactory()
    provider = listed_provider()
    profile = provider.provider_profile
    listing_rating_set(provider_id=provider.pk, rating_sum=5, rating_count=1)
    painter = ServiceCategory.objects.get(slug="painter")
    ProviderProfile.objects.filter(pk=profile.pk).update(status=Status.REJECTED)
    profile.categories.set([painter])

    provider_transition(profile_id=profile.pk, to_status=Status.PENDING, actor=provider)
    provider_transition(profile_id=profile.pk, to_status=Status.APPROVED, actor=staff)

    assert rows_of(provider) == {
        ANY_TRADE: (True, 500, 1, 0, PriceLevel.NOT_STATED),
        painter.pk: (True, 500, 1, 0, PriceLevel.NOT_STATED),
    }


def test_a_review_and_a_completion_update_every_row_of_the_provider():
    provider = listed_provider()
    booking = complete_booking(BookingFactory(provider=provider))
    assert {row[3] for row in rows_of(provider).values()} == {1}

    review_create(booking_id=booking.pk, customer=booking.customer, rating=4)

    assert {row[1:4] for row in rows_of(provider).values()} == {(400, 1, 1)}


@pytest.mark.parametrize(
    ("rate", "level"),
    [(None, PriceLevel.NOT_STATED), (100, 1), (3499, 1), (3500, 2), (6999, 2), (7000, 3), (100_000, 3)],
)
def test_price_levels_follow_the_documented_bands(rate, level):
    assert price_level(rate) == level


def test_the_provider_sets_and_clears_their_rate():
    provider = listed_provider()

    provider_hourly_rate_set(provider=provider, hourly_rate_cents=8000)
    assert {row[4] for row in rows_of(provider).values()} == {PriceLevel.PREMIUM}
    provider_hourly_rate_set(provider=provider, hourly_rate_cents=None)

    provider.provider_profile.refresh_from_db()
    assert provider.provider_profile.hourly_rate_cents is None
    assert {row[4] for row in rows_of(provider).values()} == {PriceLevel.NOT_STATED}


@pytest.mark.parametrize("rate", [0, 99, 100_001])
def test_a_rate_outside_the_bounds_is_a_field_error_and_changes_nothing(rate):
    provider = listed_provider(hourly_rate_cents=5000)

    with pytest.raises(ValidationError) as error:
        provider_hourly_rate_set(provider=provider, hourly_rate_cents=rate)

    assert "hourly_rate_cents" in error.value.message_dict
    provider.provider_profile.refresh_from_db()
    assert provider.provider_profile.hourly_rate_cents == 5000


def test_only_an_approved_provider_sets_a_rate():
    provider = listed_provider(status=Status.SUSPENDED)

    with pytest.raises(Exception, match="suspended"):
        provider_hourly_rate_set(provider=provider, hourly_rate_cents=5000)


def test_response_times_average_and_cap(provider):
    now = timezone.now()
    response_record(provider_id=provider.pk, since=now - datetime.timedelta(minutes=10))
    response_record(provider_id=provider.pk, since=now - datetime.timedelta(days=30))  # capped at 3 days
    response_record(provider_id=provider.pk, since=now + datetime.timedelta(minutes=5))  # clock skew: 0

    stats = provider.response_time
    assert (stats.responses, stats.total_minutes) == (3, 10 + 3 * 24 * 60)
    assert stats.average_minutes == round((10 + 3 * 24 * 60) / 3)


def test_a_new_service_area_moves_every_row_of_the_provider():
    provider = listed_provider(service_radius_km=10)
    rome_place = rome()

    provider_service_area_set(
        profile_id=provider.provider_profile.pk, actor=provider, base_place=rome_place, service_radius_km=40
    )

    rows = DirectoryListing.objects.filter(provider=provider)
    assert {(row.latitude, row.longitude, row.radius_km) for row in rows} == {
        (rome_place.latitude, rome_place.longitude, 40)
    }
