import datetime

import pytest
from django.utils import timezone

from accounts.models import ServiceCategory
from accounts.tests.factories import CustomerFactory, ProviderFactory
from offers.models import Offer, OfferDecline
from offers.selectors import offers_matching_provider, provider_matches_offer, providers_matching_offer
from offers.tests.factories import OfferFactory

pytestmark = pytest.mark.django_db


def test_feed_rule_category_city_status_expiry_and_declines(provider):
    # Given offers that differ from a matching one in exactly one respect
    plumber = ServiceCategory.objects.get(slug="plumber")
    painter = ServiceCategory.objects.get(slug="painter")
    matching = [OfferFactory(), OfferFactory(category=plumber), OfferFactory(city="FLORENCE")]
    OfferFactory(category=painter)
    OfferFactory(city="Milan")
    OfferFactory(status=Offer.Status.ACCEPTED)
    OfferFactory(status=Offer.Status.WITHDRAWN)
    OfferFactory(expires_at=timezone.now() - datetime.timedelta(seconds=1))  # expired lazily
    declined = OfferFactory()
    OfferDecline.objects.create(offer=declined, provider=provider)

    # Then the provider's feed holds exactly the matching ones
    assert set(offers_matching_provider(provider=provider)) == set(matching)
    assert provider_matches_offer(provider=provider, offer_id=matching[0].pk)
    assert not provider_matches_offer(provider=provider, offer_id=declined.pk)


@pytest.mark.parametrize("status", ["pending", "rejected", "suspended"])
def test_unapproved_providers_match_nothing(status):
    OfferFactory()
    assert not offers_matching_provider(provider=ProviderFactory(status=status)).exists()


def test_customers_match_nothing():
    OfferFactory()
    assert not offers_matching_provider(provider=CustomerFactory()).exists()


def test_both_directions_of_the_rule_agree():
    # Given a small grid of providers and offers across categories, cities and statuses
    painter = ServiceCategory.objects.get(slug="painter")
    providers = [
        ProviderFactory(),
        ProviderFactory(city="milan"),
        ProviderFactory(categories=[painter]),
        ProviderFactory(status="pending"),
    ]
    offers = [
        OfferFactory(),
        OfferFactory(city="Milan"),
        OfferFactory(category=painter, city="FLORENCE"),
        OfferFactory(status=Offer.Status.WITHDRAWN),
        OfferFactory(expires_at=timezone.now() - datetime.timedelta(seconds=1)),
    ]
    OfferDecline.objects.create(offer=offers[0], provider=providers[0])

    # Then "offers this provider sees" and "providers who see this offer" are the same relation
    by_provider = {(p.pk, o.pk) for p in providers for o in offers_matching_provider(provider=p)}
    by_offer = {(p.pk, o.pk) for o in offers for p in providers_matching_offer(offer=o)}
    assert by_provider == by_offer
    assert by_provider == {(providers[1].pk, offers[1].pk), (providers[2].pk, offers[2].pk)}
