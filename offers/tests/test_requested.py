""" "Request this provider": the offer goes to one provider alone for a window, then to everyone matching."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import ServiceCategory
from accounts.tests.factories import CustomerFactory, ProviderFactory
from bookings.models import Booking
from bookings.services import booking_accept_offer
from directory.models import ProviderResponseTime
from notifications.models import Notification
from offers.models import Offer
from offers.selectors import (
    REQUESTED_OTHER,
    offers_matching_provider,
    provider_offer_access,
    providers_matching_offer,
)
from offers.services import ProviderRequest, offer_create, offer_decline, offer_update, offers_announce_due
from places.tests.factories import milan
from servizo.exceptions import DomainError
from servizo.testing.concurrency import race

pytestmark = pytest.mark.django_db

HOURS_12 = datetime.timedelta(hours=12)


@pytest.fixture
def requested():
    return ProviderFactory(user__full_name="Ada Volta")


@pytest.fixture
def other():
    return ProviderFactory()


def _post(customer, make_terms, provider, window=HOURS_12) -> Offer:
    return offer_create(
        customer=customer, terms=make_terms(), request=ProviderRequest(provider=provider, window=window)
    )


def _at(moment: datetime.datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_the_requested_provider_alone_is_notified_and_matches_during_the_window(customer, make_terms, requested, other):
    offer = _post(customer, make_terms, requested)

    assert offer.exclusive_until == pytest.approx(timezone.now() + HOURS_12, abs=datetime.timedelta(seconds=5))
    assert offer.announced_at is None
    assert list(providers_matching_offer(offer=offer)) == [requested]
    assert offer in offers_matching_provider(provider=requested)
    assert offer not in offers_matching_provider(provider=other)
    assert provider_offer_access(provider=other, offer_id=offer.pk).reason == REQUESTED_OTHER
    notices = Notification.objects.filter(link=reverse("offers:detail", args=[offer.pk]))
    assert [(n.recipient_id, n.kind) for n in notices] == [(requested.pk, "offer_requested")]


def test_the_window_boundary_is_the_same_instant_for_both_directions(customer, make_terms, requested, other):
    offer = _post(customer, make_terms, requested)
    end = offer.exclusive_until
    tick = datetime.timedelta(microseconds=1)

    for moment, others_see_it in [(end - tick, False), (end, True), (end + tick, True)]:
        with _at(moment):
            by_provider = {p.pk for p in (requested, other) if offer in offers_matching_provider(provider=p)}
            by_offer = set(providers_matching_offer(offer=offer).values_list("pk", flat=True))
            assert by_provider == by_offer
            assert (other.pk in by_offer) is others_see_it
            assert requested.pk in by_offer
            assert bool(provider_offer_access(provider=other, offer_id=offer.pk)) is others_see_it


def test_only_this_provider_never_opens_to_others(customer, make_terms, requested, other):
    offer = _post(customer, make_terms, requested, window=None)

    with _at(offer.expires_at - datetime.timedelta(seconds=1)):
        assert offers_announce_due() == 0
        assert list(providers_matching_offer(offer=offer)) == [requested]
        assert not provider_offer_access(provider=other, offer_id=offer.pk)
    offer.refresh_from_db()
    assert offer.announced_at is None


def test_a_window_longer_than_the_offer_ends_with_the_offer(customer, make_terms, requested):
    soon = timezone.now() + datetime.timedelta(hours=2)
    offer = offer_create(
        customer=customer,
        terms=make_terms(expires_at=soon),
        request=ProviderRequest(provider=requested, window=datetime.timedelta(hours=48)),
    )

    assert offer.exclusive_until == offer.expires_at


def test_after_the_window_the_others_are_told_once(customer, make_terms, requested, other):
    offer = _post(customer, make_terms, requested)

    assert offers_announce_due() == 0  # not yet
    with _at(offer.exclusive_until + datetime.timedelta(seconds=1)):
        assert offers_announce_due() == 1
        assert offers_announce_due() == 0  # a second run sends nothing new

    kinds = sorted(Notification.objects.filter(link=f"/offers/{offer.pk}/").values_list("recipient_id", "kind"))
    assert kinds == sorted([(requested.pk, "offer_requested"), (other.pk, "offer_published")])


def test_an_offer_taken_in_the_window_is_never_announced(customer, make_terms, requested, other):
    offer = _post(customer, make_terms, requested)
    booking_accept_offer(offer_id=offer.pk, provider=requested, terms_version=1)

    with _at(offer.exclusive_until + datetime.timedelta(seconds=1)):
        assert offers_announce_due() == 0
    assert not Notification.objects.filter(recipient=other).exists()


def test_accept_at_the_switch_over_goes_to_whoever_locks_first(customer, make_terms, requested, other):
    offer = _post(customer, make_terms, requested)

    with _at(offer.exclusive_until):  # the window has just ended; no announcement sent yet
        booking = booking_accept_offer(offer_id=offer.pk, provider=other, terms_version=1)
        with pytest.raises(DomainError, match="just taken"):
            booking_accept_offer(offer_id=offer.pk, provider=requested, terms_version=1)

    assert booking.provider == other


def test_others_cannot_take_it_inside_the_window(customer, make_terms, requested, other):
    offer = _post(customer, make_terms, requested)

    with pytest.raises(DomainError, match="asked another provider"):
        booking_accept_offer(offer_id=offer.pk, provider=other, terms_version=1)


def test_a_decline_by_the_requested_provider_opens_it_to_everyone_at_once(customer, make_terms, requested, other):
    offer = _post(customer, make_terms, requested)

    offer_decline(offer_id=offer.pk, provider=requested, terms_version=1)

    offer.refresh_from_db()
    assert offer.announced_at is not None
    assert list(providers_matching_offer(offer=offer)) == [other]
    assert Notification.objects.filter(recipient=other, kind="offer_published").count() == 1
    assert ProviderResponseTime.objects.get(provider=requested).responses == 1


def test_the_requested_provider_must_serve_the_trade_and_place(customer, make_terms, requested):
    painter = ServiceCategory.objects.get(slug="painter")

    only = ProviderRequest(provider=requested, window=None)

    with pytest.raises(ValidationError, match="does not take jobs"):
        offer_create(customer=customer, terms=make_terms(category=painter), request=only)
    with pytest.raises(ValidationError):
        offer_create(customer=customer, terms=make_terms(place=milan()), request=only)
    assert not Offer.objects.exists()


def test_an_edit_cannot_move_an_exclusive_offer_out_of_the_requested_providers_reach(customer, make_terms, requested):
    offer = _post(customer, make_terms, requested)

    with pytest.raises(ValidationError, match="does not take jobs"):
        offer_update(offer_id=offer.pk, customer=customer, terms=make_terms(place=milan()))

    offer.refresh_from_db()
    assert offer.place.name == "Florence"


def test_a_plain_offer_is_announced_at_publish(customer, make_terms, other):
    offer = offer_create(customer=customer, terms=make_terms())

    assert offer.announced_at is not None and offer.requested_provider is None
    assert list(providers_matching_offer(offer=offer)) == [other]


def test_response_time_counts_from_when_the_offer_reached_the_provider(customer, make_terms, requested, other):
    offer = _post(customer, make_terms, requested)

    assert offer.reached_at(requested.pk) == offer.created_at
    assert offer.reached_at(other.pk) == offer.exclusive_until
    with _at(offer.exclusive_until + datetime.timedelta(minutes=30)):
        booking_accept_offer(offer_id=offer.pk, provider=other, terms_version=1)
    stats = ProviderResponseTime.objects.get(provider=other)
    assert (stats.responses, stats.total_minutes) == (1, 30)


# The page.


def test_request_button_opens_the_form_with_the_provider_preselected(client, customer, requested):
    client.force_login(customer)
    profile_page = client.get(reverse("reviews:provider_profile", args=[requested.pk])).content.decode()
    url = f"{reverse('offers:create')}?provider={requested.pk}"
    assert url in profile_page

    page = client.get(url)

    assert page.status_code == 200
    assert "Ada Volta" in page.content.decode()
    choices = [c.slug for c in page.context["form"].fields["category"].queryset]
    assert sorted(choices) == ["electrician", "plumber"]


def test_posting_from_the_form_sends_it_to_that_provider(client, customer, requested, electrician):
    client.force_login(customer)
    data = {
        "category": electrician.pk,
        "title": "Fix a socket",
        "description": "Dead socket in the hall.",
        "address": "Via Roma 1",
        "place": requested.provider_profile.base_place_id,
        "preferred_date": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
        "time_window": "morning",
        "price_cents": "45.00",
        "request_mode": "only",
        "window_hours": "12",
    }

    response = client.post(f"{reverse('offers:create')}?provider={requested.pk}", data)

    offer = Offer.objects.get()
    assert response.status_code == 302
    assert (offer.requested_provider, offer.exclusive_until) == (requested, None)
    page = client.get(response["Location"]).content.decode()
    assert "Ada Volta" in page and "only" in page


@pytest.mark.parametrize("who", ["pending", "customer", "missing", "junk"])
def test_only_approved_providers_can_be_requested(client, customer, who):
    ids = {
        "pending": lambda: ProviderFactory(status="pending").pk,
        "customer": lambda: CustomerFactory().pk,
        "missing": lambda: 999_999,
        "junk": lambda: "x",
    }
    client.force_login(customer)

    assert client.get(f"{reverse('offers:create')}?provider={ids[who]()}").status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_categories")
@pytest.mark.parametrize("round_", range(3))
def test_accepts_racing_the_announcement_make_one_booking_and_no_stale_news(round_, make_terms):
    # Given a requested offer whose window has just ended (not announced yet)
    customer, requested, other = CustomerFactory(), ProviderFactory(), ProviderFactory()
    offer = _post(customer, make_terms, requested)
    Offer.objects.filter(pk=offer.pk).update(exclusive_until=timezone.now())

    # When both providers accept while the announcement job runs
    results = race(
        [
            lambda: booking_accept_offer(offer_id=offer.pk, provider=requested, terms_version=1),
            lambda: booking_accept_offer(offer_id=offer.pk, provider=other, terms_version=1),
            offers_announce_due,
        ]
    )

    # Then exactly one booking, and the others are told only if the offer was still open when announced
    bookings = [r for r in results[:2] if isinstance(r, Booking)]
    assert len(bookings) == 1, results
    assert all(isinstance(r, Booking | DomainError) for r in results[:2]), results
    offer.refresh_from_db()
    announced = results[2] == 1
    assert (offer.announced_at is not None) is announced
    if announced:
        assert offer.announced_at <= bookings[0].created_at
