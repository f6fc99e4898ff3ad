"""The chat socket through the real ASGI stack (origin check, session auth) on the Redis layer."""

import asyncio
import json
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import CustomerFactory
from bookings.models import Booking
from chat import presence
from chat.consumers import CLOSE_FORBIDDEN
from chat.models import ConversationMember, Message
from chat.services import party_group
from chat.tests.factories import ConversationFactory, MessageFactory
from chat.tests.sockets import chat_communicator
from notifications.services import user_group
from servizo import realtime

pytestmark = pytest.mark.django_db(transaction=True)


def _path(conversation) -> str:
    return f"/ws/chat/{conversation.pk}/"


def _pair(conversation):
    """Communicators for the customer and the provider of a conversation (not yet connected)."""
    return (
        chat_communicator(_path(conversation), conversation.customer),
        chat_communicator(_path(conversation), conversation.provider),
    )


@asynccontextmanager
async def _connected(*communicators):
    for communicator in communicators:
        connected, _ = await communicator.connect()
        assert connected
    try:
        yield
    finally:
        for communicator in communicators:
            await communicator.disconnect()


def _connect_refused(communicator) -> tuple[bool, int]:
    async def scenario():
        return await communicator.connect()

    return async_to_sync(scenario)()


def test_suite_uses_the_redis_layer():
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] in {
        "channels_redis.core.RedisChannelLayer",
        "servizo.channel_layer.RedisPubSubChannelLayer",
    }


def test_participants_chat_live_and_each_message_is_persisted_before_it_is_broadcast(conversation):
    customer, provider = _pair(conversation)

    async def scenario():
        async with _connected(customer, provider):
            await customer.send_json_to({"type": "message", "text": "  Is 9am fine?  ", "client_id": "c1"})
            ack = await customer.receive_json_from(timeout=3)
            received = await provider.receive_json_from(timeout=3)
            stored = await database_sync_to_async(Message.objects.filter(pk=received["message"]["id"]).exists)()
            echoed = not await customer.receive_nothing(timeout=0.5)
        return ack, received, stored, echoed

    ack, received, stored_when_received, echoed = async_to_sync(scenario)()

    message = Message.objects.get()
    payload = {
        "id": message.pk,
        "sender_id": conversation.customer.pk,
        "sender_name": conversation.customer.get_short_name(),
        "text": "Is 9am fine?",
        "created_at": message.created_at.isoformat(),
        "photo": None,
    }
    assert stored_when_received
    assert received == {"type": "message", "message": payload}
    # The sender's socket shows its message from the ack: one frame, no echo of the broadcast.
    assert ack == {"type": "ack", "client_id": "c1", "id": message.pk, "message": payload}
    assert not echoed


def test_the_senders_other_socket_gets_the_message_frame(conversation):
    sending, other_tab = (chat_communicator(_path(conversation), conversation.customer) for _ in range(2))

    async def scenario():
        async with _connected(sending, other_tab):
            await sending.send_json_to({"type": "message", "text": "from one tab"})
            ack = await sending.receive_json_from(timeout=3)
            return ack, await other_tab.receive_json_from(timeout=3)

    ack, frame = async_to_sync(scenario)()

    assert frame == {"type": "message", "message": ack["message"]}


def _published_groups(monkeypatch) -> list[str]:
    """Every group the channel layer publishes to from now on (the publishes still happen)."""
    layer, published = get_channel_layer(), []
    real_group_send = layer.group_send

    async def recording_group_send(group, message):
        published.append(group)
        await real_group_send(group, message)

    monkeypatch.setattr(layer, "group_send", recording_group_send)
    return published


def test_a_message_is_published_to_the_senders_group_only_while_they_have_another_socket_open(
    conversation, monkeypatch
):
    """So the sending process does not receive its own publish back (chat.services.party_group)."""
    customer, provider = _pair(conversation)
    other_tab = chat_communicator(_path(conversation), conversation.customer)
    published = _published_groups(monkeypatch)

    async def send_and_wait(text):
        await customer.send_json_to({"type": "message", "text": text})
        await customer.receive_json_from(timeout=3)
        await provider.receive_json_from(timeout=3)

    async def scenario():
        async with _connected(customer, provider):
            await send_and_wait("alone")
            alone = published[:]
            async with _connected(other_tab):
                await send_and_wait("with another tab open")
                with_tab = published[len(alone) :]
                await other_tab.receive_json_from(timeout=3)
            await send_and_wait("alone again")
        return alone, with_tab, published[len(alone) + len(with_tab) :]

    alone, with_tab, alone_again = async_to_sync(scenario)()

    assert alone == alone_again == [party_group(conversation.pk, conversation.provider.pk)]
    assert with_tab == [
        party_group(conversation.pk, conversation.provider.pk),
        party_group(conversation.pk, conversation.customer.pk),
    ]


def test_the_senders_cached_pages_show_a_message_sent_from_the_socket_at_once(conversation, client):
    """The socket renews its sender's pages itself, from its event loop (servizo.pagecache.apages_changed)."""
    customer, provider = _pair(conversation)  # first: logging them in renews their pages too
    client.force_login(conversation.customer)
    assert client.get(reverse("chat:list")).context is not None  # rendered, and now cached
    assert client.get(reverse("chat:list")).context is None

    async def scenario():
        async with _connected(customer, provider):
            await customer.send_json_to({"type": "message", "text": "On my way"})
            await customer.receive_json_from(timeout=3)

    async_to_sync(scenario)()

    inbox = client.get(reverse("chat:list"))
    assert inbox.context is not None and "On my way" in inbox.content.decode()


def test_outsider_anonymous_and_unknown_conversation_are_refused_alike(conversation):
    outsider = CustomerFactory()

    assert _connect_refused(chat_communicator(_path(conversation), outsider)) == (False, CLOSE_FORBIDDEN)
    assert _connect_refused(chat_communicator(_path(conversation))) == (False, CLOSE_FORBIDDEN)
    missing = f"/ws/chat/{conversation.pk + 1000}/"
    assert _connect_refused(chat_communicator(missing, conversation.customer)) == (False, CLOSE_FORBIDDEN)


def test_cross_origin_handshake_is_refused(conversation):
    communicator = chat_communicator(_path(conversation), conversation.customer, origin="http://evil.example")

    connected, _ = _connect_refused(communicator)

    assert connected is False


def test_resync_after_reconnect_returns_exactly_the_missed_messages(conversation):
    seen = MessageFactory(conversation=conversation, text="before")
    customer = chat_communicator(_path(conversation), conversation.customer)

    async def scenario():
        await customer.connect()
        for text in ("one", "two", "three"):
            await customer.send_json_to({"type": "message", "text": text})
            await customer.receive_json_from(timeout=3)  # ack, with the message
        await customer.disconnect()
        # The provider was offline for all three; it reconnects knowing only `seen`.
        provider = chat_communicator(_path(conversation), conversation.provider)
        await provider.connect()
        await provider.send_json_to({"type": "resync", "after": seen.pk})
        history = await provider.receive_json_from(timeout=3)
        await provider.disconnect()
        return history

    history = async_to_sync(scenario)()

    missed = list(Message.objects.filter(id__gt=seen.pk).order_by("id"))
    assert [m["id"] for m in history["messages"]] == [m.pk for m in missed]
    assert [m["text"] for m in history["messages"]] == ["one", "two", "three"]
    assert history["more"] is False


def test_rate_limit_answers_with_a_clear_error_and_stores_nothing_more(conversation, settings):
    settings.CHAT_RATE_LIMIT_COUNT = 2
    customer = chat_communicator(_path(conversation), conversation.customer)

    async def scenario():
        await customer.connect()
        frames = []
        for n in range(3):
            await customer.send_json_to({"type": "message", "text": f"spam {n}", "client_id": str(n)})
            frames.append(await customer.receive_json_from(timeout=3))
        await customer.disconnect()
        return frames

    frames = async_to_sync(scenario)()

    assert [f["type"] for f in frames] == ["ack", "ack", "error"]
    assert frames[2]["code"] == "rate_limited"
    assert frames[2]["client_id"] == "2"
    assert "too quickly" in frames[2]["message"]
    assert Message.objects.count() == 2


def test_length_cap_and_empty_text_are_refused(conversation, settings):
    settings.CHAT_MESSAGE_MAX_LENGTH = 50
    customer = chat_communicator(_path(conversation), conversation.customer)

    async def scenario():
        await customer.connect()
        await customer.send_json_to({"type": "message", "text": "x" * 51})
        too_long = await customer.receive_json_from(timeout=3)
        await customer.send_json_to({"type": "message", "text": "   "})
        empty = await customer.receive_json_from(timeout=3)
        await customer.send_json_to({"type": "message", "text": {"not": "text"}})
        wrong_type = await customer.receive_json_from(timeout=3)
        await customer.disconnect()
        return too_long, empty, wrong_type

    too_long, empty, wrong_type = async_to_sync(scenario)()

    assert too_long["code"] == "invalid" and "at most 50 characters" in too_long["message"]
    assert empty["code"] == wrong_type["code"] == "invalid"
    assert not Message.objects.exists()


def test_garbage_and_oversized_frames_get_an_error_and_the_socket_stays_open(conversation):
    customer = chat_communicator(_path(conversation), conversation.customer)

    async def scenario():
        async with _connected(customer):
            await customer.send_to(text_data="{not json")
            garbage = await customer.receive_json_from(timeout=3)
            await customer.send_to(text_data="x" * 30_000)
            oversized = await customer.receive_json_from(timeout=3)
            await customer.send_json_to({"type": "message", "text": "still works"})
            ack = await customer.receive_json_from(timeout=3)
        return garbage, oversized, ack

    garbage, oversized, ack = async_to_sync(scenario)()

    assert (garbage["code"], oversized["code"], ack["type"]) == ("bad_request", "too_large", "ack")


def test_html_and_script_payloads_come_back_escaped_and_intact(conversation):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)> & co'
    customer, provider = _pair(conversation)

    async def scenario():
        async with _connected(customer, provider):
            await customer.send_json_to({"type": "message", "text": payload})
            return await provider.receive_from(timeout=3)

    raw = async_to_sync(scenario)()

    assert "<" not in raw and ">" not in raw and "&" not in raw
    assert "\\u003cscript\\u003e" in raw
    assert json.loads(raw)["message"]["text"] == payload  # the browser gets the text, shown via textContent
    assert Message.objects.get().text == payload


def test_read_receipt_is_persisted_and_shown_to_the_other_side(conversation):
    message = MessageFactory(conversation=conversation, sender=conversation.customer)
    customer, provider = _pair(conversation)

    async def scenario():
        layer = get_channel_layer()
        pages = await layer.new_channel()  # the provider's other pages (notifications' socket)
        await layer.group_add(user_group(conversation.provider.pk), pages)
        async with _connected(customer, provider):
            await provider.send_json_to({"type": "read", "up_to": message.pk + 999})  # clamped to the newest
            receipt = await customer.receive_json_from(timeout=3)
            total = await asyncio.wait_for(layer.receive(pages), timeout=3)
            return receipt, total, not await provider.receive_nothing(timeout=0.3)

    receipt, total, echoed = async_to_sync(scenario)()

    assert receipt == {"type": "read", "user_id": conversation.provider.pk, "up_to": message.pk}
    assert total == {"type": "notify", "payload": {"kind": "chat_unread", "total": 0}}
    assert echoed is False
    conversation.refresh_from_db()
    assert conversation.provider_read_up_to == message.pk
    assert conversation.customer_read_up_to == 0


def test_typing_reaches_the_other_side_only_and_is_not_stored(conversation):
    customer, provider = _pair(conversation)

    async def scenario():
        async with _connected(customer, provider):
            await customer.send_json_to({"type": "typing", "user_id": conversation.provider.pk})  # ids ignored
            typing = await provider.receive_json_from(timeout=3)
            echoed = not await customer.receive_nothing(timeout=0.3)
        return typing, echoed

    typing, echoed = async_to_sync(scenario)()

    assert typing == {"type": "typing", "user_id": conversation.customer.pk}
    assert echoed is False
    assert not Message.objects.exists()


def test_a_typing_frame_when_the_layer_fails_costs_the_socket_nothing(conversation, monkeypatch):
    """The typing push goes through servizo.realtime like every other push: best effort, never raised."""
    layer = get_channel_layer()

    async def layer_down(group, message):
        raise ConnectionError("Redis went away")

    customer, provider = _pair(conversation)

    async def scenario():
        async with _connected(customer, provider):
            monkeypatch.setattr(layer, "group_send", layer_down)
            await customer.send_json_to({"type": "typing"})
            await customer.send_json_to({"type": "nonsense"})  # the socket still answers
            return await customer.receive_json_from(timeout=3)

    try:
        answer = async_to_sync(scenario)()
    finally:
        realtime._down_until.pop(layer, None)  # later tests get a working layer at once

    assert answer["type"] == "error" and answer["code"] == "bad_request"


def test_an_open_socket_keeps_its_presence_from_going_stale(conversation, monkeypatch):
    """A tab open longer than the presence TTL still counts (chat.presence), so a newer tab's messages still
    reach it and the recipient's open tab still suppresses notifications."""
    monkeypatch.setattr(presence, "REFRESH_SECONDS", 0.2)
    customer, _provider = _pair(conversation)
    member = ConversationMember.objects.filter(conversation=conversation, user=conversation.customer)
    an_hour_ago = timezone.now() - presence.PRESENCE_TTL

    async def scenario():
        async with _connected(customer):
            await database_sync_to_async(member.update)(viewers_at=an_hour_ago)
            await asyncio.sleep(0.6)
            return await database_sync_to_async(member.values_list("viewers", "viewers_at").get)()

    viewers, viewers_at = async_to_sync(scenario)()

    assert viewers == 1 and viewers_at > an_hour_ago + timedelta(minutes=59)
    assert member.get().viewers == 0  # closed


def test_a_socket_the_server_gives_up_on_stops_renewing_its_presence(conversation):
    """Past its close timeout daphne cancels a socket's application: disconnect never runs, and a renewal
    left running would keep a viewer that is gone counted for ever (no notifications for them)."""
    customer, _provider = _pair(conversation)

    def renewing() -> int:
        return sum("_stay_present" in repr(task.get_coro()) for task in asyncio.all_tasks())

    async def scenario():
        assert (await customer.connect())[0]
        while_open = renewing()
        customer.future.cancel()
        await asyncio.sleep(0.1)
        return while_open, renewing()

    assert async_to_sync(scenario)() == (1, 0)


def test_closed_booking_keeps_history_readable_but_refuses_new_messages():
    conversation = ConversationFactory(booking__status=Booking.Status.COMPLETED)
    old = MessageFactory(conversation=conversation)
    customer = chat_communicator(_path(conversation), conversation.customer)

    async def scenario():
        await customer.connect()
        await customer.send_json_to({"type": "message", "text": "one more thing"})
        refused = await customer.receive_json_from(timeout=3)
        await customer.send_json_to({"type": "resync", "after": 0})
        history = await customer.receive_json_from(timeout=3)
        await customer.disconnect()
        return refused, history

    refused, history = async_to_sync(scenario)()

    assert refused["type"] == "error" and "closed" in refused["message"]
    assert [m["id"] for m in history["messages"]] == [old.pk]
    assert Message.objects.count() == 1


def test_recipient_away_gets_a_notification_and_a_live_unread_count(conversation):
    customer = chat_communicator(_path(conversation), conversation.customer)
    provider_pages = chat_communicator("/ws/notifications/", conversation.provider)

    async def scenario():
        await customer.connect()
        await provider_pages.connect()
        for text in ("hello", "are you there?"):
            await customer.send_json_to({"type": "message", "text": text})
        events = [await provider_pages.receive_json_from(timeout=3) for _ in range(3)]
        await customer.disconnect()
        await provider_pages.disconnect()
        return events

    events = async_to_sync(scenario)()

    kinds = [e["kind"] for e in events]
    assert kinds == ["notification", "chat_unread", "chat_unread"]  # one notification per unread thread
    assert events[0]["link"] == f"/messages/{conversation.pk}/"
    assert [e["total"] for e in events[1:]] == [1, 2]
    assert conversation.provider.notifications.filter(kind="chat_message").count() == 1


def test_recipient_viewing_the_conversation_gets_no_notification(conversation):
    customer, provider = _pair(conversation)

    async def scenario():
        async with _connected(customer, provider):
            await customer.send_json_to({"type": "message", "text": "hi"})
            await provider.receive_json_from(timeout=3)

    async_to_sync(scenario)()

    assert not conversation.provider.notifications.exists()


def test_socket_survives_an_idle_spell_longer_than_the_layer_poll(conversation):
    """redis-py 8 times reads out after 5 s by default, the same as channels-redis's BZPOPMIN wait."""
    customer = chat_communicator(_path(conversation), conversation.customer)

    async def scenario():
        await customer.connect()
        await asyncio.sleep(6)
        await customer.send_json_to({"type": "message", "text": "still here?"})
        frame = await customer.receive_json_from(timeout=3)
        await customer.disconnect()
        return frame

    assert async_to_sync(scenario)()["type"] == "ack"


@pytest.mark.usefixtures("urdu_catalog")
def test_errors_come_in_the_language_of_the_socket_that_caused_them(conversation, settings):
    """The sender's browser asks for Urdu: its error frames are in Urdu (the service's too, raised in a
    worker thread); the other side, in English, gets nothing of it."""
    settings.CHAT_MESSAGE_MAX_LENGTH = 50
    customer = chat_communicator(_path(conversation), conversation.customer, language="ur")
    provider = chat_communicator(_path(conversation), conversation.provider, language="en")

    async def scenario():
        async with _connected(customer, provider):
            await customer.send_json_to({"type": "message", "text": "x" * 51})
            too_long = await customer.receive_json_from(timeout=3)
            await customer.send_json_to({"type": "dance"})
            unknown = await customer.receive_json_from(timeout=3)
            await provider.send_json_to({"type": "dance"})
            english = await provider.receive_json_from(timeout=3)
            return too_long, unknown, english, await customer.receive_nothing(timeout=0.3)

    too_long, unknown, english, customer_quiet = async_to_sync(scenario)()

    assert (too_long["code"], too_long["message"]) == ("invalid", "پیغام زیادہ سے زیادہ 50 حروف کا ہو سکتا ہے۔")
    assert (unknown["code"], unknown["message"]) == ("bad_request", "نامعلوم درخواست۔")
    assert english["message"] == "Unknown request." and customer_quiet
