import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ServiceCategory
from accounts.policies import NOT_APPROVED, NOT_PROVIDER, SUSPENDED
from accounts.tests.factories import CustomerFactory, ProviderFactory
from offers.models import Offer, OfferDecline
from offers.selectors import (
    DECLINED,
    NO_BASE_PLACE,
    NOT_AVAILABLE,
    OUTSIDE_AREA,
    OUTSIDE_CATEGORIES,
    offer_feed,
    offers_matching_provider,
    provider_offer_access,
    providers_matching_offer,
)
from offers.tests.factories import OfferFactory
from places.tests.factories import florence, milan, place_near, prato

pytestmark = pytest.mark.django_db


def test_feed_rule_category_place_status_expiry_and_declines(provider):
    # Given offers that differ from a matching one in exactly one respect
    plumber = ServiceCategory.objects.get(slug="plumber")
    painter = ServiceCategory.objects.get(slug="painter")
    matching = [OfferFactory(), OfferFactory(category=plumber), OfferFactory()]
    OfferFactory(category=painter)
    OfferFactory(place=milan())
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
        ProviderFactory(base_place=milan()),
        ProviderFactory(categories=[painter]),
        ProviderFactory(status="pending"),
    ]
    offers = [
        OfferFactory(),
        OfferFactory(place=milan()),
        OfferFactory(category=painter),
        OfferFactory(status=Offer.Status.WITHDRAWN),
        OfferFactory(expires_at=timezone.now() - datetime.timedelta(seconds=1)),
    ]
    OfferDecline.objects.create(offer=offers[0], provider=providers[0])

    # Then "offers this provider sees" and "providers who see this offer" are the same relation
    by_provider = {(p.pk, o.pk) for p in providers for o in offers_matching_provider(provider=p)}
    by_offer = {(p.pk, o.pk) for o in offers for p in providers_matching_offer(offer=o)}
    assert by_provider == by_offer
    assert by_provider == {(providers[1].pk, offers[1].pk), (providers[2].pk, offers[2].pk)}


def _boundary_offers(origin, radius_km: int) -> dict[str, Offer]:
    """Offers due north of `origin`: just inside, just outside the radius, and far away."""
    return {
        "inside": OfferFactory(place=place_near(origin, km_north=radius_km - 0.01, geoname_id=9_000_001)),
        "outside": OfferFactory(place=place_near(origin, km_north=radius_km + 0.01, geoname_id=9_000_002)),
        "far": OfferFactory(place=milan()),
    }


@pytest.mark.parametrize("radius_km", [1, 10, 100])
def test_distance_matching_at_the_radius_boundary(radius_km):
    # Given a provider based in Florence with this radius, and offers 10 m inside and 10 m outside it
    provider = ProviderFactory(service_radius_km=radius_km)
    offers = _boundary_offers(provider.provider_profile.base_place, radius_km)

    # Then the feed, "may take it" and the offer's side all draw the line in the same place
    assert set(offers_matching_provider(provider=provider)) == {offers["inside"]}
    assert provider_offer_access(provider=provider, offer_id=offers["inside"].pk)
    assert provider_offer_access(provider=provider, offer_id=offers["outside"].pk).reason == OUTSIDE_AREA
    assert set(providers_matching_offer(offer=offers["inside"])) == {provider}
    assert not providers_matching_offer(offer=offers["outside"]).exists()


def test_each_provider_is_matched_by_their_own_radius_and_the_feed_is_nearest_first():
    # Given two providers in Florence (5 km and 20 km), and offers in Florence and in Prato (16.4 km away)
    near, wide = ProviderFactory(service_radius_km=5), ProviderFactory(service_radius_km=20)
    in_prato, in_florence = OfferFactory(place=prato()), OfferFactory(place=florence())

    # Then only the wide radius reaches Prato, from both sides of the rule
    assert set(offers_matching_provider(provider=near)) == {in_florence}
    assert set(providers_matching_offer(offer=in_prato)) == {wide}
    # and the wide provider's feed lists the nearer offer first, with its distance
    feed = offer_feed(provider=wide)[:20]
    assert feed == [in_florence, in_prato]
    assert feed[0].distance_km == pytest.approx(0, abs=0.01)
    assert feed[1].distance_km == pytest.approx(16.4, abs=0.1)


def _posted(minutes_ago: int, **fields) -> Offer:
    offer = OfferFactory(**fields)
    Offer.objects.filter(pk=offer.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago))
    return offer


def test_the_feed_is_nearest_place_first_then_newest_across_trades_in_any_page_window():
    # Given a provider in Florence (electrician and plumber, 20 km) and offers in both trades in Florence and
    # in Prato (16.4 km), the newest in Prato, plus offers the rule leaves out in both places
    provider = ProviderFactory(service_radius_km=20)
    plumber, painter = ServiceCategory.objects.get(slug="plumber"), ServiceCategory.objects.get(slug="painter")
    here, there = florence(), prato()
    in_florence = [
        _posted(10, place=here),
        _posted(20, place=here, category=plumber),
        _posted(30, place=here),
        _posted(40, place=here, category=plumber),
    ]
    in_prato = [_posted(1, place=there, category=plumber), _posted(5, place=there)]
    _posted(2, place=here, category=painter)
    _posted(3, place=here, status=Offer.Status.ACCEPTED)
    OfferDecline.objects.create(offer=_posted(4, place=there), provider=provider)

    # Then the feed lists Florence's offers newest first whatever their trade, then Prato's, and holds exactly
    # what the rule matches
    feed = offer_feed(provider=provider)
    assert feed[0:20] == in_florence + in_prato
    assert set(feed[0:20]) == set(offers_matching_provider(provider=provider))
    # and any page window of it is that list's slice
    assert [feed[n : n + 2] for n in range(0, 6, 2)] == [in_florence[:2], in_florence[2:], in_prato]
    assert feed[3:5] == [in_florence[3], in_prato[0]]
    assert feed[6:8] == []
    # and the page's filters narrow it
    assert offer_feed(provider=provider, category_id=plumber.pk)[0:20] == [in_florence[1], in_florence[3], in_prato[0]]
    assert offer_feed(provider=provider, category_id=painter.pk)[0:20] == []


def test_a_feed_spread_over_many_places_reads_them_nearest_first_in_batches():
    # Given a provider (electrician and plumber, 50 km) and one offer in each of 40 places 1..40 km north, the
    # place 10 km north also holding a newer plumbing job, and nothing in the provider's own place
    provider = ProviderFactory(service_radius_km=50)
    base = provider.provider_profile.base_place
    plumber = ServiceCategory.objects.get(slug="plumber")
    places = [place_near(base, km_north=km, geoname_id=9_100_000 + km) for km in range(1, 41)]
    offers = [_posted(60 - n, place=place) for n, place in enumerate(places)]
    offers.insert(9, _posted(1, place=places[9], category=plumber))

    # Then each page lists them by distance, the two at 10 km newest first, in a few statements at most
    feed = offer_feed(provider=provider)
    with CaptureQueriesContext(connection) as captured:
        first = feed[0:20]
    assert first == offers[:20]
    if connection.features.supports_slicing_ordering_in_compound:  # SQLite runs each range on its own
        # the own place's ranges, the occupied pairs, one batch of 20 of the 41 pairs, the page's rows
        assert len(captured) == 4
        assert [query["sql"].count(" UNION ALL ") for query in captured] == [1, 0, 19, 0]
    assert feed[20:40] == offers[20:40]
    assert feed[40:60] == offers[40:]
    assert [round(offer.distance_km) for offer in first[8:12]] == [9, 10, 10, 11]


def test_a_provider_without_a_base_place_sees_nothing_and_is_told_why():
    provider = ProviderFactory(base_place=None, legacy_city="Atlantis")
    offer = OfferFactory()
    assert not offers_matching_provider(provider=provider).exists()
    assert offer_feed(provider=provider)[:20] == []
    assert provider_offer_access(provider=provider, offer_id=offer.pk).reason == NO_BASE_PLACE
    assert provider not in providers_matching_offer(offer=offer)


def test_a_provider_may_take_exactly_the_offers_in_their_feed():
    # Given a grid of providers and offers across places, radii, trades, statuses and a decline
    painter = ServiceCategory.objects.get(slug="painter")
    places = [florence(), prato(), milan()]
    providers = [ProviderFactory(base_place=place, service_radius_km=radius) for place in places for radius in (5, 20)]
    providers += [ProviderFactory(categories=[painter]), ProviderFactory(status="suspended"), CustomerFactory()]
    providers += [ProviderFactory(base_place=None)]
    offers = [OfferFactory(place=place) for place in places]
    offers += [OfferFactory(category=painter), OfferFactory(status=Offer.Status.WITHDRAWN), OfferFactory(place=None)]
    OfferDecline.objects.create(offer=offers[0], provider=providers[0])

    # Then, for every pair, "in the feed" (one query), "may take it", "read afresh" and the offer's side agree
    for provider in providers:
        feed = set(offers_matching_provider(provider=provider).values_list("pk", flat=True))
        for offer in offers:
            access = provider_offer_access(provider=provider, offer_id=offer.pk)
            assert access.allowed == (offer.pk in feed), (provider.pk, offer.place_label)
            assert provider_offer_access(provider=provider, offer_id=offer.pk, fresh=True) == access
            assert access.allowed or access.reason
            assert access.allowed == providers_matching_offer(offer=offer).filter(pk=provider.pk).exists()


def test_the_refusal_names_the_first_condition_that_fails(provider):
    painter = ServiceCategory.objects.get(slug="painter")
    declined = OfferFactory()
    OfferDecline.objects.create(offer=declined, provider=provider)
    cases = {
        OfferFactory(status=Offer.Status.ACCEPTED).pk: NOT_AVAILABLE,
        OfferFactory(expires_at=timezone.now() - datetime.timedelta(seconds=1)).pk: NOT_AVAILABLE,
        OfferFactory(category=painter).pk: OUTSIDE_CATEGORIES,
        OfferFactory(category=painter, place=milan()).pk: OUTSIDE_CATEGORIES,
        OfferFactory(place=milan()).pk: OUTSIDE_AREA,
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
