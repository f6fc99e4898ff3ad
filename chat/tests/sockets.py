"""Helpers for socket tests: a logged-in WebsocketCommunicator on the real ASGI stack."""

from channels.testing import WebsocketCommunicator
from django.test import Client

from servizo.asgi import application


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def chat_communicator(
    path: str, user=None, origin: str | None = "http://testserver", language: str | None = None
) -> WebsocketCommunicator:
    """`language`: the browser's Accept-Language."""
    headers = [(b"origin", origin.encode())] if origin else []
    if user is not None:
        headers.append((b"cookie", session_cookie(user).encode()))
    if language is not None:
        headers.append((b"accept-language", language.encode()))
    return WebsocketCommunicator(application, path, headers=headers)
