"""The chat socket: /ws/chat/<conversation_id>/.

Client → server frames (JSON, `type`):
  message {text, client_id?}   store and broadcast; errors come back as {type: error, code, message, client_id}
  resync  {after}              everything after message id `after`, from the database
  read    {up_to}              persist the read pointer; the other side gets {type: read}
  typing  {}                   ephemeral; the other side gets {type: typing}
Server → client: message {message}, history {messages, more}, read {user_id, up_to},
typing {user_id}, error {code, message, client_id}, ack {client_id, id, message}: the sending socket
gets its own message in the ack only (every other socket on the conversation gets a message frame).
The user comes from the session only; ids sent by the browser are only ever message ids inside
this conversation.

Error frames go only to the socket that caused them, so their `message` is in that socket's language
(chosen at the handshake like LocaleMiddleware chooses a page's); `code` is for the client's logic.
Message frames carry only what people typed and data (ids, names, ISO times, URLs): each client
shows them with its own page's words, so the recipient never sees the sender's language.
"""

import asyncio
import json
import logging

from django.db import DatabaseError
from django.utils.translation import gettext as _

from chat import presence
from chat.models import Conversation
from chat.selectors import amessage_payloads_after, conversation_for_participant, message_payload, messages_after
from chat.services import (
    RateLimited,
    aconversation_mark_read_from_socket,
    aconversation_open_from_socket,
    amessage_send_from_socket,
    conversation_mark_read_from_socket,
    message_send_from_socket,
    party_group,
    unread_total_payload,
)
from notifications.services import apush_to_user
from servizo import loopdb
from servizo.consumers import SafeJsonWebsocketConsumer
from servizo.exceptions import DomainError
from servizo.pagecache import apages_changed
from servizo.realtime import abroadcast
from servizo.socketdb import socket_database_sync_to_async

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403


def _on_pool(func):
    """Not thread-sensitive: the call runs on the pool (each thread its own connection) instead of queueing
    behind every other socket's database work in the process's one sync thread (sockets opening at once
    after a restart). Wrapped once, not per call: building the wrapper
    (functools.update_wrapper and its checks) showed in the profile."""
    return socket_database_sync_to_async(func, thread_sensitive=False)


# A send awaits its statements on the socket's own event loop on MariaDB (`amessage_send_from_socket`,
# servizo.loopdb), with no worker thread in between; elsewhere (SQLite) it runs on the pool.
_message_send_on_pool = _on_pool(message_send_from_socket)


async def _message_send(*, conversation: Conversation, sender, text: str):
    if loopdb.available():
        return await amessage_send_from_socket(conversation=conversation, sender=sender, text=text)
    return await _message_send_on_pool(conversation=conversation, sender=sender, text=text)


@_on_pool
def _open_on_pool(*, user, conversation_id: int) -> Conversation | None:
    conversation = conversation_for_participant(user=user, pk=conversation_id)
    if conversation is not None:
        presence.viewer_enter(conversation_id=conversation.pk, user_id=user.pk)
    return conversation


async def _open(*, user, conversation_id: int) -> Conversation | None:
    """The conversation if `user` takes part in it, counted as viewing it: like a send, on the socket's event loop
    on MariaDB, elsewhere one hop to the pool."""
    if loopdb.available():
        return await aconversation_open_from_socket(user=user, pk=conversation_id)
    return await _open_on_pool(user=user, conversation_id=conversation_id)


@_on_pool
def _history_on_pool(conversation: Conversation, after: int) -> tuple[list[dict], bool]:
    messages, more = messages_after(conversation=conversation, after_id=after)
    return [message_payload(m) for m in messages], more


async def _history(conversation: Conversation, after: int) -> tuple[list[dict], bool]:
    """Like a send: on the socket's event loop on MariaDB, elsewhere (or for a sender from outside) on the pool."""
    if loopdb.available():
        page = await amessage_payloads_after(conversation=conversation, after_id=after)
        if page is not None:
            return page
    return await _history_on_pool(conversation, after)


_viewer_still_here = _on_pool(presence.viewer_still_here)
_viewer_leave = _on_pool(presence.viewer_leave)
_mark_read_on_pool = _on_pool(conversation_mark_read_from_socket)


async def _mark_read(*, conversation: Conversation, user, up_to_id: int):
    """Like a send: on the socket's event loop on MariaDB, elsewhere on the pool."""
    if loopdb.available():
        return await aconversation_mark_read_from_socket(conversation=conversation, user=user, up_to_id=up_to_id)
    return await _mark_read_on_pool(conversation=conversation, user=user, up_to_id=up_to_id)


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


class ChatConsumer(SafeJsonWebsocketConsumer):
    """Frames arrive decoded and checked (servizo.consumers); a bad one gets an error frame."""

    conversation = None
    staying = None  # the task renewing this socket's presence stamp

    async def connect(self):
        user = self.scope.get("user")
        conversation_id = self.scope["url_route"]["kwargs"]["conversation_id"]
        if user is not None and user.is_authenticated:
            self.conversation = await _open(user=user, conversation_id=conversation_id)
        if self.conversation is None:  # anonymous, outsider or no such conversation: same answer
            await self.close(code=CLOSE_FORBIDDEN)
            return
        # The conversation's own User row, not the scope's lazy proxy: every frame reads the user.
        self.user = (
            self.conversation.customer if user.pk == self.conversation.customer_id else self.conversation.provider
        )
        self.group = party_group(self.conversation.pk, self.user.pk)
        self.other_group = party_group(self.conversation.pk, self.conversation.other_party_id(self.user.pk))
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.staying = asyncio.get_running_loop().create_task(self._stay_present())

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:  # however the socket ends: a server giving up on a stuck socket never calls disconnect
            if self.staying is not None:
                self.staying.cancel()

    async def disconnect(self, code):
        if self.conversation is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await _viewer_leave(conversation_id=self.conversation.pk, user_id=self.user.pk)

    async def _stay_present(self):
        """Renew the presence stamp while the socket is open (chat.presence), whatever the socket is doing."""
        while True:
            await asyncio.sleep(presence.REFRESH_SECONDS)
            try:
                await _viewer_still_here(conversation_id=self.conversation.pk, user_id=self.user.pk)
            except DatabaseError:  # the next renewal comes well within the TTL
                logger.warning("Presence of user %s not renewed", self.user.pk, exc_info=True)

    @classmethod
    async def encode_json(cls, content):
        # Like json_script: no raw <, > or & on the wire, so no frame can smuggle markup anywhere.
        return json.dumps(content).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        if kind == "message":
            await self._send_message(content)
        elif kind == "resync":
            await self._resync(content)
        elif kind == "read":
            up_to = _int(content.get("up_to"))
            if up_to is None:
                await self._error("bad_request", _("Give up_to, a message id."))
                return
            read = await _mark_read(conversation=self.conversation, user=self.user, up_to_id=up_to)
            if read is not None:  # committed: the other side shows "Seen", the reader's other pages the total
                await abroadcast(self.other_group, event=read.event)
                await apush_to_user(user_id=self.user.pk, payload=unread_total_payload(read.unread))
        elif kind == "typing":
            await abroadcast(self.other_group, event={"type": "chat.typing", "user_id": self.user.pk})
        else:
            await self._error("bad_request", _("Unknown request."))

    async def _send_message(self, content):
        client_id = str(content.get("client_id", ""))[:64]
        text = content.get("text")
        if not isinstance(text, str):
            await self._error("invalid", _("Type a message first."), client_id)
            return
        try:
            sent = await _message_send(conversation=self.conversation, sender=self.user, text=text)
        except DomainError as error:
            code = "rate_limited" if isinstance(error, RateLimited) else "invalid"
            await self._error(code, str(error), client_id)
            return
        except DatabaseError:  # nothing stored: safe to send again
            logger.exception("Chat message from user %s not stored", self.user.pk)
            await self._error("retry", _("Your message could not be sent. Please send it again."), client_id)
            return
        event = sent.event
        # Stored and committed: now show it. The sender's inbox shows it as the last message: that renewal is
        # queued first, so that it and the broadcast go to Redis together (one write, one wake-up for both
        # replies) and it is done by the ack. This socket shows the message from its ack (one frame, not an ack
        # and an echo); the sender's other sockets, if any, get the broadcast like the recipient's.
        pages_renewed = apages_changed(self.user.pk)
        if sent.sender_elsewhere:
            await abroadcast(self.other_group, self.group, event={**event, "sender_channel": self.channel_name})
        else:
            await abroadcast(self.other_group, event=event)
        await pages_renewed
        ack = {"type": "ack", "client_id": client_id, "id": sent.message_id, "message": event["message"]}
        await self.send_json(ack)

    async def _resync(self, content):
        after = _int(content.get("after", 0))
        if after is None:
            await self._error("bad_request", _("Give after, a message id (0 for everything)."))
            return
        messages, more = await _history(self.conversation, after)
        await self.send_json({"type": "history", "messages": messages, "more": more})

    # Layer events
    async def chat_message(self, event):
        if event.get("sender_channel") != self.channel_name:  # the sending socket had it in its ack
            await self.send_json({"type": "message", "message": event["message"]})

    async def chat_read(self, event):
        await self.send_json({"type": "read", "user_id": event["user_id"], "up_to": event["up_to"]})

    async def chat_typing(self, event):
        await self.send_json({"type": "typing", "user_id": event["user_id"]})
