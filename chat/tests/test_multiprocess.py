"""Two real daphne processes sharing Redis: a message sent through one reaches a client of the other."""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from websockets.asyncio.client import connect

from chat.models import Message
from chat.tests.sockets import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def test_message_sent_through_one_daphne_reaches_a_client_of_another(asgi_server_factory, conversation):
    first, second = asgi_server_factory(2)
    path = f"/ws/chat/{conversation.pk}/"
    customer_cookie = session_cookie(conversation.customer)
    provider_cookie = session_cookie(conversation.provider)

    async def scenario():
        async with (
            connect(first.ws_url + path, origin=first.url, additional_headers={"Cookie": customer_cookie}) as customer,
            connect(
                second.ws_url + path, origin=second.url, additional_headers={"Cookie": provider_cookie}
            ) as provider,
        ):
            await customer.send(json.dumps({"type": "message", "text": "across processes", "client_id": "x"}))
            ack = json.loads(await asyncio.wait_for(customer.recv(), 5))
            received = json.loads(await asyncio.wait_for(provider.recv(), 5))
            return ack, received

    ack, received = async_to_sync(scenario)()

    message = Message.objects.get()
    assert first.port != second.port
    assert ack["id"] == received["message"]["id"] == message.pk
    assert received["message"]["text"] == "across processes"


def test_both_sides_sending_at_once_through_two_daphnes_lose_nothing_live(asgi_server_factory, conversation, settings):
    """A burst from both sockets at once: every socket sees every stored message live, once, and each
    sender's messages in the order sent (what a lost or reordered broadcast under load would break)."""
    settings.CHAT_RATE_LIMIT_COUNT = 1000  # the forked servers inherit it; this is not a spam test
    first, second = asgi_server_factory(2)
    path = f"/ws/chat/{conversation.pk}/"
    per_side = 40

    async def burst(ws, side: str) -> None:
        for n in range(per_side):
            await ws.send(json.dumps({"type": "message", "text": f"{side} {n}", "client_id": f"{side}-{n}"}))

    async def read(ws) -> tuple[list[dict], dict[str, int]]:
        messages, acks = [], {}
        while len(messages) < 2 * per_side or len(acks) < per_side:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if frame["type"] == "message":
                messages.append(frame["message"])
            elif frame["type"] == "ack":  # the sender's own message comes in its ack
                acks[frame["client_id"]] = frame["id"]
                messages.append(frame["message"])
            else:
                raise AssertionError(frame)
        return messages, acks

    async def scenario():
        customer_headers = {"Cookie": session_cookie(conversation.customer)}
        provider_headers = {"Cookie": session_cookie(conversation.provider)}
        async with (
            connect(first.ws_url + path, origin=first.url, additional_headers=customer_headers) as customer,
            connect(second.ws_url + path, origin=second.url, additional_headers=provider_headers) as provider,
        ):
            results = await asyncio.gather(
                read(customer), read(provider), burst(customer, "customer"), burst(provider, "provider")
            )
            return results[:2]

    (customer_seen, customer_acks), (provider_seen, provider_acks) = async_to_sync(scenario)()

    stored = dict(Message.objects.filter(conversation=conversation).values_list("id", "text"))
    assert len(stored) == 2 * per_side
    for seen in (customer_seen, provider_seen):
        assert sorted(m["id"] for m in seen) == sorted(stored)  # every message once, none missing
        assert {m["id"]: m["text"] for m in seen} == stored
        for side in ("customer", "provider"):
            texts = [m["text"] for m in seen if m["text"].startswith(side)]
            assert texts == [f"{side} {n}" for n in range(per_side)]  # each sender's order kept
    for side, acks in (("customer", customer_acks), ("provider", provider_acks)):
        assert [stored[acks[f"{side}-{n}"]] for n in range(per_side)] == [f"{side} {n}" for n in range(per_side)]
