"""Chat under suspension (README "Provider suspension"): a suspended provider sends nothing in either kind of
thread (booking or offer question), and nobody writes to them; a deactivated account sends nothing."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse

from accounts.models import ProviderProfile, ServiceCategory, User
from chat.models import Conversation, Message
from chat.services import conversation_start_for_offer, message_send
from chat.tests.factories import ConversationFactory
from chat.tests.sockets import chat_communicator
from offers.tests.factories import OfferFactory
from servizo.exceptions import DomainError

PS = ProviderProfile.Status


def _suspend(user) -> None:
    ProviderProfile.objects.filter(user=user).update(status=PS.SUSPENDED)


def _question_thread(provider) -> Conversation:
    offer = OfferFactory(category=ServiceCategory.objects.get(slug="electrician"))
    return conversation_start_for_offer(offer_id=offer.pk, provider=provider)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["booking", "question"])
def test_suspended_provider_cannot_send(kind, provider):
    conversation = ConversationFactory() if kind == "booking" else _question_thread(provider)
    sender = conversation.provider  # loaded before the suspension, like a socket's user
    _suspend(sender)

    with pytest.raises(DomainError, match="suspended"):
        message_send(conversation=conversation, sender=sender, text="Still here")
    assert not Message.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["booking", "question"])
def test_nobody_writes_to_a_suspended_provider(kind, provider):
    conversation = ConversationFactory() if kind == "booking" else _question_thread(provider)
    _suspend(conversation.provider)

    with pytest.raises(DomainError, match="cannot take part"):
        message_send(conversation=conversation, sender=conversation.customer, text="Hello?")
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_deactivated_sender_cannot_send():
    conversation = ConversationFactory()
    User.objects.filter(pk=conversation.customer_id).update(is_active=False)

    with pytest.raises(DomainError, match="deactivated"):
        message_send(conversation=conversation, sender=conversation.customer, text="Hi")
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_suspended_provider_cannot_open_a_question_thread(provider):
    offer = OfferFactory(category=ServiceCategory.objects.get(slug="electrician"))
    _suspend(provider)
    client = Client()
    client.force_login(provider)

    response = client.post(reverse("chat:ask", args=[offer.pk]))

    assert response.status_code == 403 and not Conversation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_socket_of_a_provider_suspended_while_connected_gets_an_error_and_stores_nothing():
    conversation = ConversationFactory()
    socket = chat_communicator(f"/ws/chat/{conversation.pk}/", conversation.provider)

    async def scenario():
        connected, _ = await socket.connect()
        assert connected
        await database_sync_to_async(_suspend)(conversation.provider)
        await socket.send_json_to({"type": "message", "text": "On my way", "client_id": "p1"})
        frame = await socket.receive_json_from(timeout=3)
        await socket.disconnect()
        return frame

    frame = async_to_sync(scenario)()

    assert frame["type"] == "error" and frame["client_id"] == "p1" and "suspended" in frame["message"]
    assert not Message.objects.exists()
