"""The one way a socket reads client frames: decode and validate, answer bad frames, never close on them.

Channels' JSON consumer closes the socket with 1011 when a frame is binary, is not JSON, nests
deeper than Python's recursion limit or carries text the database cannot store. Here every such
frame gets an error frame instead and the socket stays open; `receive_json` only ever sees a dict
of JSON values (no lone surrogates or control characters in strings, bounded nesting and size,
no NaN/Infinity, integers within 64 bits). Each frame is handled in the user's language (their saved one,
else the language cookie), so error frames and anything a subclass writes are translated like pages.
"""

import asyncio
import contextlib
import contextvars
import functools
import json
import logging
import re
from collections.abc import Awaitable, Callable

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.http import HttpRequest
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from servizo.converters import MAX_ID
from servizo.languages import language_of

logger = logging.getLogger(__name__)

# Frames larger than this are refused before parsing (content limits are checked by the services).
MAX_FRAME_CHARS = 20_000
MAX_DEPTH = 8
# C0 controls except tab, newline and carriage return; DEL; lone UTF-16 surrogates (not UTF-8 storable).
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class BadFrame(ValueError):
    def __init__(self, code: str, message: str, client_id: str = ""):
        super().__init__(message)
        self.code, self.client_id = code, client_id


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def decode_frame(text_data: str | None) -> dict:
    """A client frame as a dict of plain JSON values, or BadFrame with an error code and a message."""
    if text_data is None:
        raise BadFrame("bad_request", _("Send text frames with JSON."))
    if len(text_data) > MAX_FRAME_CHARS:
        raise BadFrame("too_large", _("That message is too long."))
    try:
        content = json.loads(text_data, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:  # JSONDecodeError, 4,300+ digit numbers, deep nesting
        raise BadFrame("bad_request", _("Unknown request.")) from error
    if not isinstance(content, dict):
        raise BadFrame("bad_request", _("Unknown request."))
    try:
        _check(content, depth=1)
    except BadFrame as error:
        client_id = content.get("client_id")
        if isinstance(client_id, str) and not _UNSTORABLE.search(client_id):
            error.client_id = client_id[:64]  # lets the sender match the error to its pending message
        raise
    return content


def _check(value, *, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise BadFrame("bad_request", _("Unknown request."))
    if isinstance(value, str):
        if _UNSTORABLE.search(value):
            raise BadFrame("invalid", _("The message contains characters that cannot be sent."))
    elif isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > MAX_ID:
            raise BadFrame("bad_request", _("Unknown request."))
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, depth=depth + 1)
            _check(item, depth=depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth=depth + 1)


async def dispatch_serially(sources: list[Callable[[], Awaitable[dict]]], dispatch) -> None:
    """Hand every message from `sources` to `dispatch`, one at a time, until a handler raises (StopConsumer
    at the end of a socket).

    Channels' `await_many_dispatch` does the same with an `asyncio.wait` and a new task per message (a fifth
    of a chat message's event-loop work, bench/chat_latency.py); here each source has one task for the
    socket's life and a lock keeps handlers from overlapping. Both tasks run in one context, so what a
    handler sets there (the socket's language, `websocket_connect`) holds for every later handler.
    """
    lock = asyncio.Lock()

    async def pump(source: Callable[[], Awaitable[dict]]) -> None:
        while True:
            message = await source()
            async with lock:
                await dispatch(message)

    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    tasks = [loop.create_task(pump(source), context=context) for source in sources]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()  # a pump ends only by raising
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class SafeJsonWebsocketConsumer(AsyncJsonWebsocketConsumer):
    """Base of every socket. Subclasses handle `receive_json(content)`; a socket that only pushes
    answers every client frame with an error frame (the default `receive_json`)."""

    async def __call__(self, scope, receive, send):
        """Channels' `AsyncConsumer.__call__` with `dispatch_serially` for its dispatch loop."""
        self.scope = scope
        self.base_send = send
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        sources = [receive]
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
            sources.append(self.channel_receive)
        with contextlib.suppress(StopConsumer):
            await dispatch_serially(sources, self.dispatch)

    async def dispatch(self, message):
        """Channels' dispatch without its hop to a worker thread per event to close old database connections.

        That hop ran for every frame and every broadcast (a third of a chat server's CPU under load); the
        sockets reach the database only through `servizo.socketdb`, which looks after the connections itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    @cached_property
    def language(self) -> str:
        """The language of this socket's error frames: the user's saved one, else the one LocaleMiddleware
        would choose for the handshake's request (the switcher's cookie, else Accept-Language)."""
        request = HttpRequest()
        request.COOKIES = self.scope.get("cookies", {})
        headers = dict(self.scope.get("headers", []))
        request.META["HTTP_ACCEPT_LANGUAGE"] = headers.get(b"accept-language", b"").decode("latin-1")
        return language_of(self.scope.get("user"), default=translation.get_language_from_request(request))

    async def websocket_connect(self, message):
        # Once for the socket's life, not per frame (switching cost every chat message ~2 % of its event-loop
        # work): Django's active language is a context variable and the socket's frames and events are all
        # handled in this one task (and the threads it hands work to, which copy its context).
        translation.activate(self.language)
        await super().websocket_connect(message)

    async def receive(self, text_data=None, bytes_data=None):
        try:
            content = decode_frame(text_data)
        except BadFrame as error:
            await self._error(error.code, str(error), client_id=error.client_id)
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        await self._error("bad_request", _("This socket does not take messages."))

    async def _error(self, code: str, message: str, client_id: str = "") -> None:
        await self.send_json({"type": "error", "code": code, "message": message, "client_id": client_id})
