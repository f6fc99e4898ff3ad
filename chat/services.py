"""Writes for chat: conversations, messages, read pointers, staff access log.

Messages are persisted first and broadcast on commit; the Redis layer may drop a broadcast,
so clients resync from the database (`selectors.messages_after`) after every reconnect.
The booking side registers `booking_attach_conversation` as an `awaiting_payment` hook
(see `ChatConfig.ready`): when a provider's acceptance creates a booking, their question
thread on that offer becomes the booking conversation.

Counters (`ConversationMember.unread`, `ChatInbox`, `Conversation.last_message`) change in the same
transaction as the message or read pointer they count. Lock order: the conversation row, then its
member rows, then inbox rows (by user id).
"""

import logging
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import ProviderProfile, User
from accounts.policies import INACTIVE, NotInGoodStanding, Standing, provider_standing_rule
from bookings.models import Booking, BookingEvent
from chat.models import ChatInbox, ChatPhoto, Conversation, ConversationAccess, ConversationMember, Message
from chat.presence import viewer_enter_statement, viewing, viewing_elsewhere
from chat.selectors import (
    CHAT_BADGE,
    message_fields_payload,
    message_payload,
    participant_conversation,
    participant_conversation_statement,
    provider_may_ask,
    unread_total,
)
from notifications.selectors import notification_unread_exists
from notifications.services import mark_all_read_statement, notification_create, push_to_user
from offers.models import Offer
from servizo import loopdb
from servizo.commit import after_commit
from servizo.context_processors import NOTIFICATION_BADGE
from servizo.exceptions import DomainError
from servizo.images import PreparedImage
from servizo.languages import in_language_of
from servizo.pagecache import pages_changed
from servizo.realtime import broadcast
from servizo.socketdb import socket_database_sync_to_async
from servizo.usercache import auser_cache_drop, user_cache_drop

logger = logging.getLogger(__name__)

NEW_MESSAGE_KIND = "chat_message"
PROVIDER_UNAVAILABLE = gettext_lazy(
    "This provider cannot take part in conversations at the moment; the history stays readable."
)


class RateLimited(DomainError):
    """The sender is over the per-user message rate."""


def party_group(conversation_id: int, user_id: int) -> str:
    """The channel-layer group of one participant's sockets on a conversation.

    One group per participant, not one per conversation: an event goes only to the processes holding a
    socket that shows it. A read receipt or a typing frame goes to the other party alone, and a message sent
    from a socket to the recipient, and to the sender's own group only while the sender has another socket
    open there (`SocketSend`): the sending process does not receive its own publish back (~7 % of a chat
    message's server CPU, bench/chat_latency.py).
    """
    return f"chat.{conversation_id}.{user_id}"


def _broadcast(conversation_id: int, *user_ids: int, event: dict) -> None:
    """Best effort: the message is persisted already; clients pick it up on their next resync."""
    broadcast(*(party_group(conversation_id, user_id) for user_id in user_ids), event=event)


def unread_total_payload(total: int) -> dict:
    """What the user's pages get when their unread total changes (notifications' socket)."""
    return {"kind": "chat_unread", "total": total}


def _push_unread_total(user_id: int, total: int | None = None) -> None:
    """Push the user's unread total: `total` as the caller's transaction left it, else read now."""
    if total is None:
        total = unread_total(user=User(pk=user_id))
    push_to_user(user_id=user_id, payload=unread_total_payload(total))


def _inbox_add(*, user_id: int, unread: int = 0, conversations: int = 0) -> None:
    """Add to a user's inbox counters, creating the row on first use (a racing creator is retried as an update)."""
    changes = {"unread": F("unread") + unread, "conversations": F("conversations") + conversations}
    user_cache_drop(user_id, CHAT_BADGE)
    if ChatInbox.objects.filter(user_id=user_id).update(**changes):
        return
    try:
        with transaction.atomic():
            ChatInbox.objects.create(user_id=user_id, unread=unread, conversations=conversations)
    except IntegrityError:
        ChatInbox.objects.filter(user_id=user_id).update(**changes)


def conversation_get_or_create(
    *, offer_id: int, provider_id: int, customer_id: int, **defaults
) -> tuple[Conversation, bool]:
    """The (offer, provider) conversation; a new one gets both member rows and counts in both inboxes."""
    with transaction.atomic():
        conversation, created = Conversation.objects.get_or_create(
            offer_id=offer_id, provider_id=provider_id, defaults={"customer_id": customer_id, **defaults}
        )
        if created:
            ConversationMember.objects.bulk_create(
                [ConversationMember(conversation=conversation, user_id=pk) for pk in (customer_id, provider_id)]
            )
            for user_id in sorted({customer_id, provider_id}):
                _inbox_add(user_id=user_id, conversations=1)
    return conversation, created


def conversation_for_booking(*, booking: Booking) -> Conversation:
    """The booking's conversation, created if needed; the provider's question thread on the offer carries on."""
    conversation, created = conversation_get_or_create(
        offer_id=booking.offer_id, provider_id=booking.provider_id, customer_id=booking.customer_id, booking=booking
    )
    if not created and (conversation.booking_id is None or conversation.booking_id < booking.pk):
        conversation.booking = booking
        conversation.save(update_fields=["booking"])
    return conversation


def booking_attach_conversation(booking: Booking, event: BookingEvent) -> None:
    """`awaiting_payment` transition hook: runs inside the booking's transaction."""
    conversation_for_booking(booking=booking)


def conversation_start_for_offer(*, offer_id: int, provider: User) -> Conversation:
    """An approved provider's question thread on an open offer that matches their trades and area (idempotent)."""
    offer = Offer.objects.filter(pk=offer_id).first()
    if offer is None or not offer.is_open:
        raise DomainError(_("This offer is no longer open for questions."))
    existing = Conversation.objects.filter(offer=offer, provider=provider).first()
    if existing is not None:
        return existing
    if not provider_may_ask(offer=offer, provider=provider):
        raise DomainError(_("Only approved providers working in this trade and area can ask about this offer."))
    conversation, _created = conversation_get_or_create(
        offer_id=offer.pk, provider_id=provider.pk, customer_id=offer.customer_id
    )
    return conversation


def _rate_limited(recent: int) -> None:
    """Raise when the sender's messages in the sliding window already reach the limit.

    Two sends racing at the limit may both pass; a rate limit can afford that, a lock per send cannot.
    """
    if recent >= settings.CHAT_RATE_LIMIT_COUNT:
        raise RateLimited(
            _(
                "You are sending messages too quickly (at most %(count)s every %(seconds)s seconds). "
                "Wait a moment and send it again."
            )
            % {"count": settings.CHAT_RATE_LIMIT_COUNT, "seconds": settings.CHAT_RATE_LIMIT_SECONDS}
        )


def message_event(message: Message) -> dict:
    """The channel-layer event that shows a new message on every socket open on its conversation."""
    return _message_event(message_payload(message))


def _message_event(payload: dict) -> dict:
    return {"type": "chat.message", "message": payload}


def _deliver_message(
    message: Message, conversation: Conversation, *, from_socket: bool, recipient_viewing: bool
) -> None:
    """On commit: broadcast and renew the sender's pages (unless a socket does both), then tell the recipient
    (notification if they are not looking, unread count).

    `recipient_viewing` is chat.presence as the send's checks read it, a moment before the INSERT.
    """
    if not from_socket:
        # The sender's page that posted it shows it from the broadcast too.
        _broadcast(conversation.pk, conversation.customer_id, conversation.provider_id, event=message_event(message))
        pages_changed(message.sender_id)  # their inbox shows it as the last message (the recipient's: below)
    if recipient_viewing:
        return  # their page marks it read at once, and that pushes their new unread total
    recipient = conversation.other_party(message.sender)
    # The navbar badge counts this message now (a viewing recipient's read drops it instead).
    user_cache_drop(recipient.pk, CHAT_BADGE)
    link = conversation.get_absolute_url()
    # One unread "new message" notification per conversation is enough; no email per chat message.
    if not notification_unread_exists(recipient=recipient, kind=NEW_MESSAGE_KIND, link=link):
        with in_language_of(recipient):
            text = _("New message from %(sender)s about “%(subject)s”")
        notification_create(
            recipient=recipient,
            kind=NEW_MESSAGE_KIND,
            text=text % {"sender": message.sender.get_short_name(), "subject": conversation.subject},
            link=link,
        )
    _push_unread_total(recipient.pk)


_adeliver_message = socket_database_sync_to_async(_deliver_message, thread_sensitive=False)


def message_send(*, conversation: Conversation, sender: User, text: str) -> Message:
    """Validate and store a message, then broadcast it on commit. Raises DomainError with a user-facing reason.

    `conversation` comes from `selectors.conversation_for_participant` (relations loaded); its booking
    and offer status are refreshed here, so a socket open for hours still sees the booking close.
    """
    return _send(conversation, sender, text, from_socket=False)[0]


@dataclass(frozen=True)
class SocketSend:
    """A message stored from a chat socket: its id, the event that shows it (`message_event`), and whether its
    sender has another socket open on the conversation (`chat.presence`, read with the send's checks): then their
    own group gets the broadcast too."""

    message_id: int
    event: dict
    sender_elsewhere: bool


def message_send_from_socket(*, conversation: Conversation, sender: User, text: str) -> SocketSend:
    """`message_send` for a chat socket, which shows the message itself once this returns, from its event loop:
    it sends `message_event(message)` to the groups that show it (`party_group`) and renews the sender's pages
    (`servizo.pagecache.apages_changed`), instead of this thread waiting on a hop back into that loop and on a
    Redis round trip."""
    message, state = _send(conversation, sender, text, from_socket=True)
    return SocketSend(message.pk, message_event(message), sender_elsewhere=state.sender_elsewhere)


async def amessage_send_from_socket(*, conversation: Conversation, sender: User, text: str) -> SocketSend:
    """`message_send_from_socket` awaited on the socket's event loop, on MariaDB (`servizo.loopdb`): the same
    checks and statements, without a worker thread in between (the send's round trips are the socket's own
    awaits). Telling a recipient who is not looking (a notification: ORM work) happens on a worker thread, after
    the commit; like every after-commit effect, its failure is logged and the send stands. No `Message` is made
    unless for that, and the socket's conversation keeps its `last_message` (nothing on a socket reads it)."""
    text = _text_to_send(text)
    _check_text_and_member(conversation, sender, text)
    created_at = timezone.now()
    async with loopdb.transaction() as db:
        using = db.wrapper
        params = _store_params(conversation, sender.pk, text, created_at, photo_id=None, connection=using)
        (row,) = await db.fetch(*_status_query(conversation, sender_id=sender.pk, lock=True, connection=using))
        if row[0] != conversation.booking_id:  # the thread moved on to a (new) booking: read it (ORM)
            await _aload_booking(conversation, row[0])
        state = _read_status(conversation, row, using)
        _check_state(conversation, sender, state)
        insert, counters = _store_sql(using)
        quoted = db.quote(params)
        await db.execute(insert, quoted)
        message_id = db.last_insert_id()
        for sql in counters:
            await db.execute(sql, quoted)
    if not state.recipient_viewing:
        message = Message(conversation=conversation, sender=sender, text=text, created_at=created_at)
        _stored(message, message_id, conversation, using)
        try:
            await _adeliver_message(message, conversation, from_socket=True, recipient_viewing=False)
        except Exception:
            logger.exception("Telling the recipient of chat message %s failed", message_id)
    payload = message_fields_payload(message_id, sender, text, created_at, photo_id=None)
    return SocketSend(message_id, _message_event(payload), sender_elsewhere=state.sender_elsewhere)


async def aconversation_open_from_socket(*, user: User, pk: int) -> Conversation | None:
    """A chat socket's open on MariaDB, awaited on its event loop (`servizo.loopdb`): the conversation if `user` takes
    part in it (`selectors.conversation_for_participant`, the same objects from plain SQL), counted as viewing it
    (`presence.viewer_enter`), in one transaction; no worker thread and no ORM query to compile."""
    async with loopdb.transaction() as db:
        rows = await db.fetch(*participant_conversation_statement(user=user, pk=pk))
        conversation = participant_conversation(rows, db.wrapper)
        if conversation is not None:
            await db.execute(*viewer_enter_statement(conversation_id=pk, user_id=user.pk, connection=db.wrapper))
    return conversation


def _text_to_send(text: str) -> str:
    text = text.strip()
    if not text:
        raise DomainError(_("Type a message first."))
    return text


def _send(conversation: Conversation, sender: User, text: str, *, from_socket: bool) -> tuple[Message, "_SendState"]:
    text = _text_to_send(text)
    message, state = _store(conversation, sender, text, photo_id=None, checked=True)
    # robust: once stored, a failing push must not look like a failed send (the user would send it twice).
    after_commit(
        _deliver_message, message, conversation, from_socket=from_socket, recipient_viewing=state.recipient_viewing
    )
    return message, state


def _check_text_and_member(conversation: Conversation, sender: User, text: str) -> None:
    """The checks that need no query: the text's length and membership."""
    if len(text) > settings.CHAT_MESSAGE_MAX_LENGTH:
        raise DomainError(
            _("Messages can be at most %(count)s characters.") % {"count": settings.CHAT_MESSAGE_MAX_LENGTH}
        )
    if not conversation.is_participant(sender):
        raise DomainError(_("You are not part of this conversation."))


def _check_state(conversation: Conversation, sender: User, state: "_SendState") -> None:
    """The checks on the state read with the send (`_refresh_status`): standing, the rate limit, an open thread."""
    _check_may_send(state, sender_is_provider=sender.pk == conversation.provider_id)
    _rate_limited(state.sent_recently)
    if conversation.is_read_only:
        raise DomainError(_("This conversation is closed; its history stays readable."))


def _check_sender(conversation: Conversation, sender: User, *, text: str) -> "_SendState":
    """What every send checks: the text's length, membership, standing, the rate limit, an open thread."""
    _check_text_and_member(conversation, sender, text)
    state = _refresh_status(conversation, sender_id=sender.pk)
    _check_state(conversation, sender, state)
    return state


def message_send_photo(*, conversation: Conversation, sender: User, photo: PreparedImage, text: str = "") -> Message:
    """A photo (checked and re-encoded by servizo.images) with an optional caption, as a message.

    The checks of `message_send` (before the photo's files are written), plus at most CHAT_PHOTOS_PER_HOUR
    photos per sender; the photo and its message are stored in one transaction and broadcast on commit.
    """
    text = text.strip()
    state = _check_sender(conversation, sender, text=text)
    since = timezone.now() - timedelta(hours=1)
    if ChatPhoto.objects.filter(uploader=sender, created_at__gte=since).count() >= settings.CHAT_PHOTOS_PER_HOUR:
        raise RateLimited(
            _("You can send at most %(count)s photos an hour. Try again later.")
            % {"count": settings.CHAT_PHOTOS_PER_HOUR}
        )
    with transaction.atomic():
        stored = ChatPhoto.objects.create(
            conversation=conversation,
            uploader=sender,
            image=photo.image,
            thumbnail=photo.thumbnail,
            content_type=photo.content_type,
        )
        message = message_store(conversation=conversation, sender=sender, text=text, photo_id=stored.pk)
    after_commit(_deliver_message, message, conversation, from_socket=False, recipient_viewing=state.recipient_viewing)
    return message


def _store_sql(connection: BaseDatabaseWrapper = connection) -> tuple[str, tuple[str, ...]]:
    """(insert, counter changes) for `message_store`, in this database's SQL, with `params` names."""
    return _store_sql_for(connection.vendor)


@cache  # this and the other statements below are built once per database vendor: building them showed in profiles
def _store_sql_for(vendor: str) -> tuple[str, tuple[str, ...]]:
    """`_store_sql` for `vendor`.

    The counters take the message's id from the insert before them (LAST_INSERT_ID, SQLite's last_insert_rowid:
    the inbox upsert comes last). MariaDB moves the conversation's and its members' counters in one multi-table
    UPDATE; SQLite, which has none, in two. The recipient's inbox row is an upsert (rows from before the
    counters existed may be missing).
    """
    models = (Conversation, ConversationMember, ChatInbox, Message)
    conversation, member, inbox, message = (m._meta.db_table for m in models)
    unread = "unread + CASE WHEN {}user_id = %(recipient)s THEN 1 ELSE 0 END"
    inbox_add = f"INSERT INTO {inbox} (user_id, unread, conversations) VALUES (%(recipient)s, 1, 0)"
    if vendor == "mysql":
        counters = (
            f"UPDATE {conversation} c JOIN {member} m ON m.conversation_id = c.id"
            " SET c.last_message_id = LAST_INSERT_ID(), m.last_message_id = LAST_INSERT_ID(),"
            f" m.unread = m.{unread.format('m.')} WHERE c.id = %(conversation)s",
            f"{inbox_add} ON DUPLICATE KEY UPDATE unread = unread + 1",
        )
    else:
        counters = (
            f"UPDATE {conversation} SET last_message_id = last_insert_rowid() WHERE id = %(conversation)s",
            f"UPDATE {member} SET last_message_id = last_insert_rowid(), unread = {unread.format('')}"
            " WHERE conversation_id = %(conversation)s",
            f"{inbox_add} ON CONFLICT (user_id) DO UPDATE SET unread = unread + 1",
        )
    insert = (
        f"INSERT INTO {message} (conversation_id, sender_id, text, created_at, photo_id)"
        " VALUES (%(conversation)s, %(sender)s, %(text)s, %(created_at)s, %(photo)s)"
    )
    return insert, counters


def _lock_sql(conversation: Conversation, sender_id: int, *, checked: bool) -> tuple[str | None, list]:
    """The store's first statement: the checks' read (`_status_query`) or a bare lock, both locking the
    conversation row; on SQLite no bare lock (its IMMEDIATE transactions take the write lock at BEGIN)."""
    if checked:
        return _status_query(conversation, sender_id=sender_id, lock=True)
    if not connection.features.has_select_for_update:
        return None, []
    return f"SELECT id FROM {Conversation._meta.db_table} WHERE id = %s FOR UPDATE", [conversation.pk]


def message_store(*, conversation: Conversation, sender: User, text: str, photo_id: int | None = None) -> Message:
    """Insert a message and move the counters with it, in one transaction (no checks: `message_send` does them).

    The conversation row is locked first, so within a conversation messages commit in id order and a
    concurrent read-pointer move (`conversation_mark_read`) counts exactly the messages it passes.
    Plain SQL (`_store_sql`): compiling the ORM's inserts and updates was most of a message's server CPU
    (bench/chat_latency.py).
    """
    return _store(conversation, sender, text, photo_id=photo_id, checked=False)[0]


def _store(
    conversation: Conversation, sender: User, text: str, *, photo_id: int | None, checked: bool
) -> tuple[Message, "_SendState | None"]:
    """`message_store`; with `checked`, the lock is the read of the send's checks (one round trip fewer per
    message), so the checks see the thread as it is when the message goes in."""
    check = None
    if checked:
        _check_text_and_member(conversation, sender, text)

        def check(row: tuple) -> _SendState:
            state = _read_status(conversation, row)
            _check_state(conversation, sender, state)
            return state

    message = Message(conversation=conversation, sender=sender, text=text, photo_id=photo_id, created_at=timezone.now())
    params = _store_params(conversation, sender.pk, text, message.created_at, photo_id=photo_id)
    lock = _lock_sql(conversation, sender.pk, checked=checked)
    in_two_round_trips = connection.vendor == "mysql" and not connection.in_atomic_block
    store = _store_in_two_round_trips if in_two_round_trips else _store_in_atomic
    message_id, state = store(lock, params, check)
    _stored(message, message_id, conversation)
    return message, state


def _store_params(
    conversation: Conversation,
    sender_id: int,
    text: str,
    created_at: datetime,
    *,
    photo_id: int | None,
    connection: BaseDatabaseWrapper = connection,
) -> dict:
    """The `params` of `_store_sql`'s statements.

    This and the other helpers of the store that take `connection` use the global one unless given the one
    the statements run on: `amessage_send_from_socket` gives its own, and saves a lookup of the global one
    (per async context) each time."""
    return {
        "conversation": conversation.pk,
        "sender": sender_id,
        "recipient": conversation.other_party_id(sender_id),
        "text": text,
        "created_at": connection.ops.adapt_datetimefield_value(created_at),
        "photo": photo_id,
    }


def _stored(
    message: Message, message_id: int, conversation: Conversation, connection: BaseDatabaseWrapper = connection
) -> None:
    message.pk = message_id
    message._state.adding, message._state.db = False, connection.alias
    conversation.last_message = message


def _store_in_atomic(lock: tuple[str | None, list], params: dict, check) -> tuple[int, "_SendState | None"]:
    """(message id, what `check` made of the lock's row): a statement per round trip, in `transaction.atomic`
    (SQLite, and a savepoint inside a caller's transaction)."""
    insert, counters = _store_sql()
    state = None
    with transaction.atomic(), connection.cursor() as cursor:
        if lock[0]:
            cursor.execute(*lock)
            row = cursor.fetchone()
            state = check(row) if check else None
        cursor.execute(insert, params)
        message_id = cursor.lastrowid
        for sql in counters:
            cursor.execute(sql, params)
    return message_id, state


def _store_in_two_round_trips(lock: tuple[str, list], params: dict, check) -> tuple[int, "_SendState | None"]:
    """`_store_in_atomic` on MariaDB outside a transaction, in two round trips instead of six: START TRANSACTION
    with the lock, then the insert, the counters and COMMIT as one multi-statement packet (mysqlclient allows
    them). Django's atomic adds a SET autocommit before and after, and each statement is a trip of its own;
    every trip is a send and a receive the sending process pays for (bench/chat_latency.py).

    A statement that fails stops the packet; the transaction is then rolled back, as it is when a check
    refuses the message.
    """
    insert, counters = _store_sql()
    with connection.cursor() as cursor:
        try:
            cursor.execute(f"START TRANSACTION; {lock[0]}", lock[1])
            with connection.wrap_database_errors:
                cursor.nextset()
                row = cursor.fetchone()
            state = check(row) if check else None
            cursor.execute("; ".join([insert, *counters, "COMMIT"]), params)
            message_id = cursor.lastrowid
            with connection.wrap_database_errors:
                while cursor.nextset():  # each statement's result: one that failed raises here
                    pass
        except BaseException:
            with suppress(DatabaseError):  # a dead connection has no transaction left to roll back
                cursor.execute("ROLLBACK")
            raise
    return message_id, state


@dataclass(frozen=True)
class _SendState:
    sent_recently: int
    sender_active: bool
    provider_standing: Standing
    recipient_viewing: bool
    sender_elsewhere: bool


def _check_may_send(state: _SendState, *, sender_is_provider: bool) -> None:
    """The accounts policy, on the state read with the message: a deactivated sender may not write, and
    nobody writes in a thread whose provider is suspended (the provider cannot answer; history stays readable)."""
    if not state.sender_active:
        raise NotInGoodStanding(INACTIVE)
    if not state.provider_standing:
        if sender_is_provider:
            state.provider_standing.require()
        raise NotInGoodStanding(PROVIDER_UNAVAILABLE)


@cache
def _status_and_rate_sql(*, for_update: bool) -> str:
    """Every column from a scalar subquery on the conversation row alone: with FOR UPDATE, MariaDB (and
    MySQL) lock the rows of the outer query only, so the send locks its conversation and nothing it reads
    (no booking or user row, which other services lock in their own order; test_counters checks this)."""
    conversation, booking, offer, message, user, profile, member = (
        m._meta.db_table for m in (Conversation, Booking, Offer, Message, User, ProviderProfile, ConversationMember)
    )
    offer_column = f"(SELECT o.{{}} FROM {offer} o WHERE o.id = c.offer_id)"
    provider_column = f"(SELECT pu.{{}} FROM {user} pu WHERE pu.id = c.provider_id)"
    member_column = f"(SELECT pm.{{}} FROM {member} pm WHERE pm.conversation_id = c.id AND pm.user_id = %s)"
    sql = (
        f"SELECT c.booking_id, (SELECT b.status FROM {booking} b WHERE b.id = c.booking_id),"
        f" {offer_column.format('status')}, {offer_column.format('expires_at')},"
        f" (SELECT COUNT(*) FROM {message} m WHERE m.sender_id = %s AND m.created_at >= %s),"
        f" (SELECT s.is_active FROM {user} s WHERE s.id = %s),"
        f" {provider_column.format('is_active')}, {provider_column.format('role')},"
        f" (SELECT pp.status FROM {profile} pp WHERE pp.user_id = c.provider_id),"
        f" {member_column.format('viewers')}, {member_column.format('viewers_at')},"
        f" {member_column.format('viewers')}, {member_column.format('viewers_at')}"
        f" FROM {conversation} c WHERE c.id = %s"
    )
    return sql + " FOR UPDATE" if for_update else sql


def _refresh_status(conversation: Conversation, *, sender_id: int, lock: bool = False) -> _SendState:
    """Bring the booking and offer status of a long-lived conversation object (a socket's) up to date, and read
    the rest of what a send checks (`_status_query`)."""
    with connection.cursor() as cursor:
        cursor.execute(*_status_query(conversation, sender_id=sender_id, lock=lock))
        return _read_status(conversation, cursor.fetchone())


def _status_query(
    conversation: Conversation, *, sender_id: int, lock: bool, connection: BaseDatabaseWrapper = connection
) -> tuple[str, list]:
    """The booking's and the offer's status, how many messages the sender stored in the rate-limit window (over
    all conversations, through the (sender, created_at) index), whether the sender's account is active, the
    provider's standing (`accounts.policies`), whether the recipient has the thread open and whether the sender
    has another socket open on it (`chat.presence`).
    One query for all, per message, instead of reloading the conversation with its relations and counting
    apart; plain SQL because compiling the equivalent ORM query cost more CPU than running it
    (bench/chat_latency.py).
    """
    since = connection.ops.adapt_datetimefield_value(
        timezone.now() - timedelta(seconds=settings.CHAT_RATE_LIMIT_SECONDS)
    )
    recipient_id = conversation.other_party_id(sender_id)
    params = [sender_id, since, sender_id, recipient_id, recipient_id, sender_id, sender_id, conversation.pk]
    return _status_and_rate_sql(for_update=lock and connection.features.has_select_for_update), params


def _read_status(conversation: Conversation, row: tuple, connection: BaseDatabaseWrapper = connection) -> _SendState:
    """`_status_query`'s row: the conversation's booking and offer refreshed, the rest as a `_SendState`."""
    (
        booking_id,
        booking_status,
        offer_status,
        offer_expires_at,
        sent_recently,
        sender_active,
        provider_active,
        provider_role,
        provider_status,
        recipient_viewers,
        recipient_viewers_at,
        sender_viewers,
        sender_viewers_at,
    ) = row
    if booking_id != conversation.booking_id:  # the thread moved on to a (new) booking
        _load_booking(conversation, booking_id)
    elif booking_id is not None:
        conversation.booking.status = booking_status
    conversation.offer.status = offer_status
    to_datetime = connection.ops.convert_datetimefield_value
    conversation.offer.expires_at = to_datetime(offer_expires_at, None, connection)
    standing = provider_standing_rule(is_active=bool(provider_active), role=provider_role, status=provider_status)
    return _SendState(
        sent_recently=sent_recently,
        sender_active=bool(sender_active),
        provider_standing=standing,
        recipient_viewing=viewing(recipient_viewers, to_datetime(recipient_viewers_at, None, connection)),
        sender_elsewhere=viewing_elsewhere(sender_viewers, to_datetime(sender_viewers_at, None, connection)),
    )


def _load_booking(conversation: Conversation, booking_id: int | None) -> None:
    conversation.booking = Booking.objects.filter(pk=booking_id).first()


_aload_booking = socket_database_sync_to_async(_load_booking, thread_sensitive=False)


def conversation_mark_read(*, conversation: Conversation, user: User, up_to_id: int) -> int:
    """Move the user's read pointer forward to `up_to_id` (clamped to the newest message); returns the pointer.

    On a change, the other side gets a "seen" event and the user's other pages a new unread total (on commit).
    """
    read = _mark_read(conversation, user, up_to_id)
    if read is not None:
        after_commit(_broadcast, conversation.pk, conversation.other_party_id(user.pk), event=read.event)
        after_commit(_push_unread_total, user.pk, read.unread)
    return getattr(conversation, conversation.read_pointer_field(user))


@dataclass(frozen=True)
class SocketRead:
    """A read pointer moved from a chat socket: `event` for the other party's group ("Seen"), and the reader's
    unread total as the read left it, for their other pages (`unread_total_payload`)."""

    event: dict
    unread: int


def conversation_mark_read_from_socket(*, conversation: Conversation, user: User, up_to_id: int) -> SocketRead | None:
    """`conversation_mark_read` for a chat socket, which pushes what it returns from its event loop (None: the
    pointer did not move), instead of this thread hopping back into that loop once per push."""
    return _mark_read(conversation, user, up_to_id)


async def aconversation_mark_read_from_socket(
    *, conversation: Conversation, user: User, up_to_id: int
) -> SocketRead | None:
    """`conversation_mark_read_from_socket` awaited on the socket's event loop, on MariaDB (`servizo.loopdb`), as
    the send is: the same statements (`_read_steps`), no worker thread. The reader's badges are dropped from
    the cache once it committed."""
    async with loopdb.transaction() as db:
        steps = _Steps(_read_steps(conversation, user, up_to_id, db.wrapper))
        for sql, params in steps:
            steps.answer = (await db.fetch(sql, params), db.rowcount())
    read, drops, newest = steps.outcome
    if drops:
        await auser_cache_drop(user.pk, *drops)
    _pointer_seen(conversation, user, newest)
    return read


def _mark_read(conversation: Conversation, user: User, up_to_id: int) -> SocketRead | None:
    """`_read_steps` on this thread's connection, in `transaction.atomic`."""
    steps = _Steps(_read_steps(conversation, user, up_to_id))
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in steps:
            cursor.execute(sql, params)
            steps.answer = (cursor.fetchall() if cursor.description else (), cursor.rowcount)
        read, drops, newest = steps.outcome
        for name in drops:
            user_cache_drop(user.pk, name)
    _pointer_seen(conversation, user, newest)
    return read


class _Steps:
    """Runs a statement generator (`_read_steps`) from a plain loop: `for sql, params in steps:` run it and set
    `steps.answer` to its (rows, row count); once the loop ends, `steps.outcome` is what the generator returned.
    A `for` body can await, so a cursor and an event loop drive it alike."""

    def __init__(self, statements) -> None:
        self.statements = statements
        self.answer = None
        self.outcome = None

    def __iter__(self):
        try:
            while True:
                yield self.statements.send(self.answer)
        except StopIteration as done:
            self.outcome = done.value


def _pointer_seen(conversation: Conversation, user: User, newest: int) -> None:
    field = conversation.read_pointer_field(user)
    setattr(conversation, field, max(getattr(conversation, field), newest))


def _read_steps(conversation: Conversation, user: User, up_to_id: int, connection: BaseDatabaseWrapper = connection):
    """A read receipt statement by statement, for a driver that runs them in one transaction (`_mark_read` on a
    cursor, `aconversation_mark_read_from_socket` on the event loop): yields (sql, params) and is sent each
    statement's (rows, row count). Returns the read (None: the pointer did not move), the names of the reader's
    cached values to drop (`servizo.usercache`) and the newest message id the read saw.

    Plain SQL (`_mark_read_sql`), as the store: a viewing recipient's page sends a read per message it shows,
    and the ORM's five compiled statements were most of its server CPU (bench/chat_latency.py --reads)."""
    field = conversation.read_pointer_field(user)
    lock, move_pointer, member_unread, inbox_unread, total = _mark_read_sql(
        field, for_update=connection.features.has_select_for_update
    )
    params = {"conversation": conversation.pk, "user": user.pk, "up_to": up_to_id}
    (((pointer, newest, passed),), _) = yield lock, params
    if (newest or 0) <= pointer:
        return None, [], newest or 0
    params.update(newest=newest, passed=passed)
    drops = []
    yield move_pointer, params
    if passed:
        yield member_unread, params
        yield inbox_unread, params
        drops.append(CHAT_BADGE)
    (((unread,),), _) = yield total, params  # after the inbox row's update, if any: no send moves it before the commit
    # The "new message" notification for this thread is answered by reading it.
    link = conversation.get_absolute_url()
    _, marked = yield mark_all_read_statement(
        recipient_id=user.pk, kind=NEW_MESSAGE_KIND, link=link, connection=connection
    )
    if marked:
        drops.append(NOTIFICATION_BADGE)
    # Only the other side shows it ("Seen"); the reader's other pages get their unread total (MariaDB types the
    # COALESCE a DECIMAL).
    return (
        SocketRead(event={"type": "chat.read", "user_id": user.pk, "up_to": newest}, unread=int(unread)),
        drops,
        newest,
    )


@cache
def _mark_read_sql(field: str, *, for_update: bool) -> tuple[str, str, str, str, str]:
    """(lock, pointer move, member and inbox counts, the unread total) for `conversation_mark_read`, with its
    `params` names.

    The lock reads the pointer, the newest message up to `up_to` and how many messages from the other side it
    passes, in one statement: under the conversation's lock no message commits in between (the store takes
    it first too). The inbox row exists: the send that counted a passed message made it.
    """
    conversation, member, inbox, message = (
        m._meta.db_table for m in (Conversation, ConversationMember, ChatInbox, Message)
    )
    column = Conversation._meta.get_field(field).column
    up_to = "m.conversation_id = c.id AND m.id <= %(up_to)s"
    lock = (
        f"SELECT c.{column}, (SELECT MAX(m.id) FROM {message} m WHERE {up_to}),"
        f" (SELECT COUNT(*) FROM {message} m WHERE {up_to} AND m.id > c.{column} AND m.sender_id <> %(user)s)"
        f" FROM {conversation} c WHERE c.id = %(conversation)s"
    )
    if for_update:
        lock += " FOR UPDATE"
    return (
        lock,
        f"UPDATE {conversation} SET {column} = %(newest)s WHERE id = %(conversation)s",
        f"UPDATE {member} SET unread = unread - %(passed)s WHERE conversation_id = %(conversation)s"
        " AND user_id = %(user)s",
        f"UPDATE {inbox} SET unread = unread - %(passed)s WHERE user_id = %(user)s",
        f"SELECT COALESCE((SELECT unread FROM {inbox} WHERE user_id = %(user)s), 0)",
    )


def conversation_access_log(*, conversation: Conversation, staff: User) -> ConversationAccess:
    """Record that a staff member read a conversation (the admin calls this once the page is rendered)."""
    if not (staff.is_staff and staff.has_perm("chat.view_conversation")):
        raise DomainError(_("Only staff allowed to read conversations can read other people's conversations."))
    return ConversationAccess.objects.create(conversation=conversation, staff=staff)
