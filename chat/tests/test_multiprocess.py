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
