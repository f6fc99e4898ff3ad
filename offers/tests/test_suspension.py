"""Offers under suspension (README "Provider suspension"): a provider who may not act now (suspended, or
deactivated) has no feed, gets no live card and cannot decline; the two directions of the matching rule agree."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.urls import reverse

from accounts.models import ProviderProfile, User
from accounts.tests.factories import CustomerFactory, ProviderFactory
from offers.models import OfferDecline
from offers.selectors import offer_feed, offers_matching_provider, providers_matching_offer
from offers.services import offer_create, offer_decline
from offers.tests.factories import OfferFactory
from offers.tests.test_consumers import QUIET, WAIT, _feed_socket, _logged_in
from servizo.exceptions import DomainError

PS = ProviderProfile.Status


def _suspend(user) -> None:
    ProviderProfile.objects.filter(user=user).update(status=PS.SUSPENDED)


def _deactivate(user) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False)


BENCHED = {"suspended": _suspend, "deactivated": _deactivate}


@pytest.mark.django_db
@pytest.mark.parametrize("how", BENCHED)
def test_feed_is_empty_and_agrees_with_the_notify_direction(how, provider):
    offer = OfferFactory()
    BENCHED[how](provider)
    provider = User.objects.select_related("provider_profile").get(pk=provider.pk)

    assert offer_feed(provider=provider)[:20] == []
    assert provider not in providers_matching_offer(offer=offer)
    assert not offers_matching_provider(provider=provider).exists()


@pytest.mark.django_db
def test_feed_page_is_forbidden_to_a_suspended_provider(client, provider):
    _suspend(provider)
    client.force_login(provider)

    assert client.get(reverse("offers:feed")).status_code == 403


@pytest.mark.django_db
def test_suspended_provider_cannot_decline(provider):
    offer = OfferFactory()
    _suspend(provider)  # `provider` still holds its approved profile, as a stale object would

    with pytest.raises(DomainError, match="suspended"):
        offer_decline(offer_id=offer.pk, provider=provider, terms_version=offer.terms_version)
    assert not OfferDecline.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_categories")
@pytest.mark.parametrize("how", BENCHED)
def test_live_feed_sends_no_card_after_suspension_or_deactivation(how, client_factory, make_terms):
    provider = ProviderFactory()
    client = _logged_in(client_factory, provider)
    customer = CustomerFactory()

    async def scenario():
        socket = _feed_socket(client)
        assert (await socket.connect())[0]
        await database_sync_to_async(BENCHED[how])(provider)
        await database_sync_to_async(offer_create)(customer=customer, terms=make_terms())
        frame = await socket.receive_json_from(timeout=WAIT)
        assert await socket.receive_nothing(timeout=QUIET)
        await socket.disconnect()
        return frame

    frame = async_to_sync(scenario)()

    assert frame["kind"] == "offer_removed" and "html" not in frame
