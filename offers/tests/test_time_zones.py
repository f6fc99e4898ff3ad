import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import CustomerFactory
from offers.live import feed_cards_html
from offers.tests.factories import OfferFactory

UTC = datetime.UTC


@pytest.mark.django_db
def test_feed_cards_are_cached_per_viewer_zone():
    offer = OfferFactory(expires_at=datetime.datetime(2027, 1, 11, 7, 0, tzinfo=UTC))

    with timezone.override(zoneinfo.ZoneInfo("Asia/Karachi")):
        karachi = feed_cards_html([offer])
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        new_york = feed_cards_html([offer])

    assert "open until <time" in karachi and "11 Jan 2027, 12:00 PKT</time>" in karachi
    assert "11 Jan 2027, 02:00 EST</time>" in new_york


@pytest.mark.django_db
def test_the_offer_page_gives_the_job_time_at_its_place(client):
    offer = OfferFactory(customer=CustomerFactory(time_zone="Asia/Karachi"), preferred_date=datetime.date(2027, 1, 12))
    client.force_login(offer.customer)

    page = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()

    assert "Tue 12 Jan, any time (Florence time)" in page
    assert offer.job_window.starts_at == datetime.datetime(2027, 1, 12, 7, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_feed_cards_are_cached_per_distance_shown():
    """Each provider sees their own distance: a card cached for one is not shown to another."""
    offer = OfferFactory()
    offer.distance_km = 2.4
    near = feed_cards_html([offer])
    offer.distance_km = 17.6
    far = feed_cards_html([offer])

    assert "(2 km)" in near and "(18 km)" in far
