"""The live offer feed socket, end to end through the Redis channel layer and real MariaDB."""

import datetime

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.utils import timezone

from accounts.tests.factories import CustomerFactory, ProviderFactory
from notifications.models import Notification
from offers.live import offer_feed_groups, provider_feed_groups
from offers.models import Offer, OfferDecline
from offers.services import offer_create, offer_transition, offer_update, offer_withdraw, offers_expire_due
from offers.tests.factories import OfferFactory, terms_of
from places.tests.factories import milan, prato
from servizo.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded_categories")]

WAIT = 3  # seconds to wait for a frame that must arrive
QUIET = 0.5  # seconds of silence that count as "nothing arrived"


def _feed_socket(client=None, origin=b"http://testserver", query: str = "") -> WebsocketCommunicator:
    headers = [(b"origin", origin)] if origin else []
    if client is not None:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return WebsocketCommunicator(application, f"/ws/offers/feed/{query}", headers=headers)


def _logged_in(client_factory, user):
    client = client_factory()
    client.force_login(user)
    return client


def _set_status(offer_id: int, to_status: str) -> None:
    """What another app (bookings' accept, its unpaid-expiry) does: lock, then offer_transition."""
    with transaction.atomic():
        offer = Offer.objects.select_for_update().get(pk=offer_id)
        offer_transition(offer=offer, to_status=to_status, actor=None)


def test_published_offer_reaches_matching_feeds_only_escaped(client_factory, make_terms):
    customer = CustomerFactory()
    matching = _logged_in(client_factory, ProviderFactory())
    elsewhere = _logged_in(client_factory, ProviderFactory(base_place=milan()))
    terms = make_terms(title="<img src=x onerror=alert(1)>")

    async def scenario():
        mine, theirs = _feed_socket(matching), _feed_socket(elsewhere)
        assert (await mine.connect())[0] and (await theirs.connect())[0]
        offer = await database_sync_to_async(offer_create)(customer=customer, terms=terms)
        frame = await mine.receive_json_from(timeout=WAIT)
        assert await theirs.receive_nothing(timeout=QUIET)
        await mine.disconnect()
        await theirs.disconnect()
        return offer, frame

    offer, frame = async_to_sync(scenario)()

    assert frame["kind"] == "offer_published" and frame["id"] == offer.pk
    assert f'data-offer-id="{offer.pk}"' in frame["html"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in frame["html"] and "<img" not in frame["html"]
    assert Notification.objects.filter(kind="offer_published").count() == 1


def test_each_feed_socket_gets_the_card_in_its_pages_language(client_factory, make_terms):
    customer, provider = CustomerFactory(), ProviderFactory()
    client = _logged_in(client_factory, provider)

    async def scenario():
        urdu, english, unknown = (_feed_socket(client, query=query) for query in ("?lang=ur", "", "?lang=xx"))
        for socket in (urdu, english, unknown):
            assert (await socket.connect())[0]
        await database_sync_to_async(offer_create)(customer=customer, terms=make_terms())
        frames = [await socket.receive_json_from(timeout=WAIT) for socket in (urdu, english, unknown)]
        for socket in (urdu, english, unknown):
            await socket.disconnect()
        return frames

    urdu, english, unknown = async_to_sync(scenario)()

    assert "الیکٹریشن" in urdu["html"] and "آپ کو" in urdu["html"] and "Electrician" not in urdu["html"]
    assert "Electrician" in english["html"] and "you get" in english["html"]
    assert unknown["html"] == english["html"]  # not a site language: the default


def test_offer_leaving_open_disappears_from_feeds_by_every_route(client_factory):
    provider = ProviderFactory()
    client = _logged_in(client_factory, provider)
    withdrawn, taken, expiring = OfferFactory(), OfferFactory(), OfferFactory()

    async def scenario():
        socket = _feed_socket(client)
        assert (await socket.connect())[0]
        await database_sync_to_async(offer_withdraw)(offer_id=withdrawn.pk, customer=withdrawn.customer)
        frames = [await socket.receive_json_from(timeout=WAIT)]
        await database_sync_to_async(_set_status)(taken.pk, Offer.Status.ACCEPTED)
        frames.append(await socket.receive_json_from(timeout=WAIT))
        await database_sync_to_async(Offer.objects.filter(pk=expiring.pk).update)(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
        await database_sync_to_async(offers_expire_due)()
        frames.append(await socket.receive_json_from(timeout=WAIT))
        await socket.disconnect()
        return frames

    frames = async_to_sync(scenario)()

    assert frames == [
        {"kind": "offer_removed", "id": withdrawn.pk},
        {"kind": "offer_removed", "id": taken.pk},
        {"kind": "offer_removed", "id": expiring.pk},
    ]


def test_reopened_offer_returns_except_to_providers_who_declined_it(client_factory):
    # Given an accepted offer (its booking is about to lapse unpaid) and a provider who had declined it
    offer = OfferFactory(status=Offer.Status.ACCEPTED)
    keen = _logged_in(client_factory, ProviderFactory())
    declined = ProviderFactory()
    OfferDecline.objects.create(offer=offer, provider=declined)
    not_keen = _logged_in(client_factory, declined)

    async def scenario():
        a, b = _feed_socket(keen), _feed_socket(not_keen)
        assert (await a.connect())[0] and (await b.connect())[0]
        await database_sync_to_async(_set_status)(offer.pk, Offer.Status.OPEN)
        frames = await a.receive_json_from(timeout=WAIT), await b.receive_json_from(timeout=WAIT)
        await a.disconnect()
        await b.disconnect()
        return frames

    for_keen, for_declined = async_to_sync(scenario)()

    assert for_keen["kind"] == "offer_published" and for_keen["id"] == offer.pk
    assert for_declined == {"kind": "offer_removed", "id": offer.pk}


def test_moving_an_offer_to_another_city_moves_it_between_feeds(client_factory, make_terms):
    offer = OfferFactory()
    in_florence = _logged_in(client_factory, ProviderFactory())
    in_milan = _logged_in(client_factory, ProviderFactory(base_place=milan()))
    terms = make_terms(place=milan(), title=offer.title)

    async def scenario():
        old, new = _feed_socket(in_florence), _feed_socket(in_milan)
        assert (await old.connect())[0] and (await new.connect())[0]
        await database_sync_to_async(offer_update)(offer_id=offer.pk, customer=offer.customer, terms=terms)
        frames = await old.receive_json_from(timeout=WAIT), await new.receive_json_from(timeout=WAIT)
        await old.disconnect()
        await new.disconnect()
        return frames

    for_florence, for_milan = async_to_sync(scenario)()

    assert for_florence == {"kind": "offer_removed", "id": offer.pk}
    assert for_milan["kind"] == "offer_published" and "Milan" in for_milan["html"]


def test_an_edited_offer_replaces_its_card_with_the_new_terms_and_version(client_factory):
    # Given a provider's open feed showing a $120.00 offer
    offer = OfferFactory(price_cents=12000)
    client = _logged_in(client_factory, ProviderFactory())
    new_terms = terms_of(offer, price_cents=4000, time_window="evening")

    async def scenario():
        socket = _feed_socket(client)
        assert (await socket.connect())[0]
        # When the customer lowers the price and moves the time
        await database_sync_to_async(offer_update)(offer_id=offer.pk, customer=offer.customer, terms=new_terms)
        frame = await socket.receive_json_from(timeout=WAIT)
        await socket.disconnect()
        return frame

    frame = async_to_sync(scenario)()

    # Then the feed gets the card again, with the new terms and the version an accept must carry
    assert frame["kind"] == "offer_published" and frame["id"] == offer.pk
    assert f'data-offer-id="{offer.pk}"' in frame["html"] and 'data-terms-version="2"' in frame["html"]
    assert "$40.00" in frame["html"] and "$120.00" not in frame["html"] and "Evening" in frame["html"]
    assert "Terms changed" in frame["html"]


@pytest.mark.parametrize(
    "make_user",
    [CustomerFactory, lambda: ProviderFactory(status="pending"), lambda: ProviderFactory(status="suspended")],
    ids=["customer", "pending-provider", "suspended-provider"],
)
def test_only_approved_providers_may_open_the_feed_socket(client_factory, make_user):
    client = _logged_in(client_factory, make_user())

    async def scenario():
        return await _feed_socket(client).connect()

    assert async_to_sync(scenario)() == (False, 4403)


def test_anonymous_and_cross_origin_sockets_are_refused(client_factory):
    client = _logged_in(client_factory, ProviderFactory())

    async def scenario():
        anonymous = await _feed_socket().connect()
        cross_origin = await _feed_socket(client, origin=b"http://evil.example").connect()
        return anonymous, cross_origin[0]

    anonymous, cross_origin = async_to_sync(scenario)()

    assert anonymous == (False, 4403)
    assert cross_origin is False


def test_a_providers_feed_groups_cover_every_offer_their_radius_reaches():
    # Given a provider in Florence with a 25 km radius
    profile = ProviderFactory().provider_profile
    groups = set(provider_feed_groups(provider=profile.user))
    # Then offers in Prato (16 km) reach their socket, offers in Milan do not
    assert offer_feed_groups(OfferFactory(place=prato())) <= groups
    assert not offer_feed_groups(OfferFactory(place=milan())) & groups
    # and an offer with no place (a free-text city no place matched) goes nowhere
    assert offer_feed_groups(OfferFactory(place=None, legacy_city="Atlantis")) == set()
