import datetime
import zoneinfo

import pytest
from django.utils import timezone

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
