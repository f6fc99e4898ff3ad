import datetime

import pytest
from django.utils import timezone

from accounts.models import ServiceCategory
from offers.services import OfferTerms
from places.tests.factories import PlaceFactory


@pytest.fixture
def electrician(db) -> ServiceCategory:
    return ServiceCategory.objects.get(slug="electrician")


@pytest.fixture
def make_terms(electrician):
    """OfferTerms for a valid electrician job in Florence in three days; override any field."""

    def make(**overrides) -> OfferTerms:
        values = {
            "category": electrician,
            "title": "Replace a light switch",
            "description": "The hall switch sparks when pressed.",
            "address": "Via Roma 1",
            "place": PlaceFactory(),
            "preferred_date": timezone.localdate() + datetime.timedelta(days=3),
            "time_window": "morning",
            "price_cents": 4550,
            **overrides,
        }
        return OfferTerms(**values)

    return make


@pytest.fixture
def client_factory():
    """Fresh test clients, one per logged-in user (each keeps its own session cookie)."""
    from django.test import Client

    return Client
