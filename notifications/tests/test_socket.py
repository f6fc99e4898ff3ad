import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings

from notifications.models import Notification
from notifications.services import notification_create
from servizo.asgi import application


def _communicator(client=None, origin=b"http://testserver"):
    headers = [(b"origin", origin)] if origin else []
    if client is not None:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return WebsocketCommunicator(application, "/ws/notifications/", headers=headers)


def test_the_suite_runs_on_the_redis_layer():
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] in {
        "channels_redis.core.RedisChannelLayer",
        "servizo.channel_layer.RedisPubSubChannelLayer",
    }


@pytest.mark.django_db(transaction=True)
def test_logged_in_user_receives_pushed_notification_through_redis(client, customer):
    client.force_login(customer)

    async def scenario():
        communicator = _communicator(client)
        connected, _ = await communicator.connect()
        assert connected
        from channels.db import database_sync_to_async

        await database_sync_to_async(notification_create)(recipient=customer, kind="test", text="Hello <b>", link="/x/")
        message = await communicator.receive_json_from(timeout=3)
        await communicator.disconnect()
        return message

    message = async_to_sync(scenario)()

    notification = Notification.objects.get(recipient=customer)
    assert message == {"kind": "notification", "id": notification.pk, "text": "Hello <b>", "link": "/x/"}


@pytest.mark.django_db(transaction=True)
def test_anonymous_socket_is_refused():
    async def scenario():
        communicator = _communicator()
        connected, code = await communicator.connect()
        return connected, code

    assert async_to_sync(scenario)() == (False, 4401)


@pytest.mark.django_db(transaction=True)
def test_cross_origin_handshake_is_refused(client, customer):
    client.force_login(customer)

    async def scenario():
        connected, _ = await _communicator(client, origin=b"http://evil.example").connect()
        return connected

    assert async_to_sync(scenario)() is False
