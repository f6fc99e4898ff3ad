import datetime

import pytest
from django.utils import timezone

from accounts.models import ServiceCategory
from accounts.policies import NOT_APPROVED, NOT_PROVIDER, SUSPENDED
from accounts.tests.factories import CustomerFactory, ProviderFactory
from offers.models import Offer, OfferDecline
from offers.selectors import (
    DECLINED,
    NOT_AVAILABLE,
    OUTSIDE_CATEGORIES,
    OUTSIDE_CITY,
    offers_matching_provider,
    provider_offer_access,
    providers_matching_offer,
)
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
    assert provider_offer_access(provider=provider, offer_id=matching[0].pk)
    assert not provider_offer_access(provider=provider, offer_id=declined.pk)


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


# One city typed several ways: the matching rule compares `city_key` (spaces collapsed, Unicode case folded).
CITY_SPELLINGS = ["Forlì", "FORLÌ", "  forlì ", "Forlì"]
OTHER_CITIES = ["Forli", "Florence", "San  Marino", "san marino"]


def test_a_city_matches_whatever_its_case_and_spacing_even_outside_ascii():
    # Given providers and offers in one city spelled with different case (non-ASCII too) and spacing
    providers = [ProviderFactory(city=city) for city in CITY_SPELLINGS]
    offers = [OfferFactory(city=city) for city in CITY_SPELLINGS]

    # Then every provider sees every offer, may take each one, and is found from each offer's side
    for provider in providers:
        assert set(offers_matching_provider(provider=provider)) == set(offers)
        assert all(provider_offer_access(provider=provider, offer_id=offer.pk) for offer in offers)
    for offer in offers:
        assert set(providers_matching_offer(offer=offer)) == set(providers)


def test_a_provider_may_take_exactly_the_offers_in_their_feed():
    # Given a grid of providers and offers across city spellings, trades, statuses and a decline
    painter = ServiceCategory.objects.get(slug="painter")
    providers = [ProviderFactory(city=city) for city in CITY_SPELLINGS + OTHER_CITIES]
    providers += [ProviderFactory(categories=[painter]), ProviderFactory(status="suspended"), CustomerFactory()]
    offers = [OfferFactory(city=city) for city in CITY_SPELLINGS + OTHER_CITIES]
    offers += [OfferFactory(category=painter), OfferFactory(status=Offer.Status.WITHDRAWN)]
    OfferDecline.objects.create(offer=offers[0], provider=providers[0])

    # Then, for every pair, "in the feed" (one query), "may take it" and "may take it, read afresh" agree
    for provider in providers:
        feed = set(offers_matching_provider(provider=provider).values_list("pk", flat=True))
        for offer in offers:
            access = provider_offer_access(provider=provider, offer_id=offer.pk)
            assert access.allowed == (offer.pk in feed), (provider.pk, offer.city)
            assert provider_offer_access(provider=provider, offer_id=offer.pk, fresh=True) == access
            assert access.allowed or access.reason


def test_the_refusal_names_the_first_condition_that_fails(provider):
    painter = ServiceCategory.objects.get(slug="painter")
    declined = OfferFactory()
    OfferDecline.objects.create(offer=declined, provider=provider)
    cases = {
        OfferFactory(status=Offer.Status.ACCEPTED).pk: NOT_AVAILABLE,
        OfferFactory(expires_at=timezone.now() - datetime.timedelta(seconds=1)).pk: NOT_AVAILABLE,
        OfferFactory(category=painter).pk: OUTSIDE_CATEGORIES,
        OfferFactory(category=painter, city="Milan").pk: OUTSIDE_CATEGORIES,
        OfferFactory(city="Milan").pk: OUTSIDE_CITY,
        declined.pk: DECLINED,
        10**9: NOT_AVAILABLE,  # no such offer
    }

    for offer_id, reason in cases.items():
        assert provider_offer_access(provider=provider, offer_id=offer_id).reason == reason


def test_a_provider_out_of_standing_is_refused_with_the_policy_reason():
    offer = OfferFactory()
    for user, reason in [
        (ProviderFactory(status="suspended"), SUSPENDED),
        (ProviderFactory(status="pending"), NOT_APPROVED),
        (CustomerFactory(), NOT_PROVIDER),
    ]:
        assert provider_offer_access(provider=user, offer_id=offer.pk).reason == reason
