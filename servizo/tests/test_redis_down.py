"""Redis down: the cache and the channel layer fail, the site does not.

Rate limits fail open (logged), cached reads are misses, live pushes are dropped (logged); every
page renders and every action completes, because the database is the source of truth.
"""

import datetime
import logging
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ServiceCategory
from accounts.tests.factories import CustomerFactory
from bookings.services import booking_accept_offer
from chat.services import message_send
from chat.tests.factories import ConversationFactory
from notifications.models import Notification
from offers.models import Offer
from offers.tests.factories import OfferFactory
from places.tests.factories import PlaceFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pass-1234-word"  # accounts.tests.factories.UserFactory


def test_login_works_and_the_rate_limit_fails_open_with_a_warning(client, redis_down, caplog):
    user = CustomerFactory()

    with caplog.at_level(logging.WARNING, logger="servizo.cache"):
        response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    assert any("Redis" in r.getMessage() for r in caplog.records if r.name == "servizo.cache")


def test_failed_logins_are_answered_not_crashed(client, redis_down):
    user = CustomerFactory()

    for _ in range(3):
        response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
        assert response.status_code == 200
        assert "not correct" in response.content.decode()


@pytest.mark.parametrize(
    "url_name", ["home", "dashboard", "offers:mine", "bookings:list", "chat:list", "notifications:list"]
)
def test_customer_pages_render(client, redis_down, customer, url_name):
    client.force_login(customer)

    assert client.get(reverse(url_name)).status_code == 200


def test_provider_feed_and_a_conversation_render(client, redis_down):
    conversation = ConversationFactory()
    client.force_login(conversation.provider)

    assert client.get(reverse("offers:feed")).status_code == 200
    assert client.get(reverse("chat:conversation", args=[conversation.pk])).status_code == 200


def test_posting_an_offer_succeeds_without_its_live_broadcast(
    client, redis_down, customer, django_capture_on_commit_callbacks
):
    client.force_login(customer)
    data = {
        "category": ServiceCategory.objects.get(slug="electrician").pk,
        "title": "Replace a light switch",
        "description": "The hall switch sparks.",
        "address": "Via Roma 1",
        "place": PlaceFactory().pk,
        "publish_anyway": "1",  # no provider serves it: the customer was warned and publishes anyway
        "preferred_date": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
        "time_window": "evening",
        "price_cents": "45.50",
        "expires_at": "",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("offers:create"), data)

    assert response.status_code == 302
    assert Offer.objects.filter(customer=customer, status=Offer.Status.OPEN).exists()


def test_accepting_an_offer_succeeds_and_the_customer_is_notified_in_the_database(
    client, redis_down, provider, django_capture_on_commit_callbacks
):
    offer = OfferFactory()
    client.force_login(provider)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("bookings:accept", args=[offer.pk]), {"terms_version": offer.terms_version})

    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
    assert Notification.objects.filter(recipient=offer.customer).exists()


def test_a_chat_message_is_stored_and_the_recipient_notified(redis_down, django_capture_on_commit_callbacks):
    """Presence is unknown without Redis: the recipient counts as away, so they get the notification."""
    conversation = ConversationFactory()

    with django_capture_on_commit_callbacks(execute=True):
        message_send(conversation=conversation, sender=conversation.customer, text="Are you coming at nine?")

    assert conversation.messages.count() == 1
    assert Notification.objects.filter(recipient=conversation.provider, kind="chat_message").exists()


def test_accept_view_and_service_agree_even_without_redis(redis_down, provider):
    offer = OfferFactory()

    booking = booking_accept_offer(offer_id=offer.pk, provider=provider, terms_version=offer.terms_version)

    assert booking.offer_id == offer.pk


def test_a_hung_redis_costs_an_action_seconds_not_forever(
    client, redis_hung, provider, django_capture_on_commit_callbacks, caplog
):
    """Redis accepts connections but never answers: login and accept finish, each within a few seconds."""
    offer = OfferFactory()
    started = time.monotonic()

    login = client.post(reverse("account_login"), {"login": provider.email, "password": PASSWORD})
    with django_capture_on_commit_callbacks(execute=True), caplog.at_level(logging.WARNING):
        accept = client.post(reverse("bookings:accept", args=[offer.pk]), {"terms_version": offer.terms_version})

    assert login.status_code == 302 and accept.status_code == 302
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.ACCEPTED
    assert time.monotonic() - started < 8  # measured ~3.4 s: one 1 s cache timeout, one 2 s push timeout
    assert any(r.name == "servizo.realtime" for r in caplog.records)


def test_chat_presence_lives_in_the_database_and_stays_right(redis_down):
    from chat import presence

    conversation = ConversationFactory()
    ids = {"conversation_id": conversation.pk, "user_id": conversation.provider_id}
    presence.viewer_enter(**ids)
    assert presence.is_viewing(**ids)
    presence.viewer_leave(**ids)
    assert not presence.is_viewing(**ids)
