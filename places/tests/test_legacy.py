"""Free-text cities from before places: the migrations' matching and the `match_places` report."""

from importlib import import_module
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from accounts.tests.factories import ProviderFactory
from offers.models import Offer
from offers.tests.factories import OfferFactory

pytestmark = pytest.mark.django_db


def test_the_migrations_move_free_text_cities_onto_places_and_leave_the_rest(florences):
    # Given rows from before places: free text, no place
    profile = ProviderFactory(base_place=None, legacy_city="  firenze ").provider_profile
    lost = ProviderFactory(base_place=None, legacy_city="Atlantis").provider_profile
    offers = [OfferFactory(place=None, legacy_city=text) for text in ("Florence", "FLORENCE", "Atlantis", "")]

    # When the data migrations run
    import_module("accounts.migrations.0007_provider_base_place").match_cities(apps, None)
    import_module("offers.migrations.0009_offer_place").match_cities(apps, None)

    # Then each text is on its place (the most populous Florence), and what matched nothing stays empty
    profile.refresh_from_db()
    lost.refresh_from_db()
    assert profile.base_place == florences["IT"] and lost.base_place is None
    places = [Offer.objects.get(pk=offer.pk).place for offer in offers]
    assert places == [florences["IT"], florences["IT"], None, None]


def test_match_places_reports_what_matches_no_place(florences):
    ProviderFactory(base_place=None, legacy_city="Atlantis")
    OfferFactory(place=None, legacy_city="Firenze")
    OfferFactory.create_batch(2, place=None, legacy_city="Atlantis")
    out = StringIO()

    call_command("match_places", stdout=out)

    assert out.getvalue().splitlines() == [
        "provider profiles: 0 matched now, 1 without a place (they see no offers until they choose a city).",
        "  'Atlantis': 1",
        "offers: 1 matched now, 2 without a place (they match no provider until the customer edits them).",
        "  'Atlantis': 2",
    ]
