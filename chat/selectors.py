"""Reads for chat. Every conversation read for a user goes through a participant filter."""

from datetime import datetime
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Model, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse

from accounts.models import User
from bookings.models import Booking
from chat.models import ChatInbox, ChatPhoto, Conversation, ConversationMember, Message
from offers.models import Offer
from offers.selectors import provider_offer_access
from servizo import loopdb
from servizo.usercache import user_cached

HISTORY_PAGE_SIZE = 30
RESYNC_LIMIT = 200
# The navbar's unread-messages badge in servizo.usercache (`request_unread`).
CHAT_BADGE = "chat_unread"


def _participant_filter(user: User) -> Q:
    return Q(customer=user) | Q(provider=user)


def conversation_for_participant(*, user: User, pk: int) -> Conversation | None:
    """The conversation if `user` takes part in it, else None (callers answer 404 / close 4403)."""
    if not user.is_authenticated:
        return None
    try:  # get, not first(): no ORDER BY to compile or run for a primary key (each chat socket opens with this)
        return Conversation.objects.select_related("offer", "booking", "customer", "provider").get(
            _participant_filter(user), pk=pk
        )
    except Conversation.DoesNotExist:
        return None


class _Columns:
    """One model's concrete columns in a plain SELECT, and its instance made from their values as the ORM makes it
    (each value through the backend's and the field's converters, then `Model.from_db`)."""

    def __init__(self, model: type[Model], alias: str, connection: BaseDatabaseWrapper) -> None:
        fields = model._meta.concrete_fields
        self.model = model
        self.sql = ", ".join(f"{alias}.{connection.ops.quote_name(field.column)}" for field in fields)
        self.width = len(fields)
        self.attnames = [field.attname for field in fields]
        self.converters = []  # (index, column, converters) for the values that have any
        for index, field in enumerate(fields):
            column = field.get_col(alias)
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if converters:
                self.converters.append((index, column, converters))

    def instance(self, row: tuple, start: int, connection: BaseDatabaseWrapper) -> Model:
        values = list(row[start : start + self.width])
        for index, column, converters in self.converters:
            value = values[index]
            for convert in converters:
                value = convert(value, column, connection)
            values[index] = value
        return self.model.from_db(connection.alias, self.attnames, values)


@cache  # built once, for the default database (the loop's connections are to it)
def _participant_sql() -> tuple[str, tuple[_Columns, ...]]:
    """`conversation_for_participant`'s query as plain SQL, and the columns of each of its five rows."""
    connection = connections[DEFAULT_DB_ALIAS]
    tables = (
        (Conversation, "c", ""),
        (Offer, "o", "JOIN {} o ON o.id = c.offer_id"),
        (Booking, "b", "LEFT JOIN {} b ON b.id = c.booking_id"),
        (User, "cu", "JOIN {} cu ON cu.id = c.customer_id"),
        (User, "pu", "JOIN {} pu ON pu.id = c.provider_id"),
    )
    columns = tuple(_Columns(model, alias, connection) for model, alias, _ in tables)
    joins = " ".join(join.format(model._meta.db_table) for model, _, join in tables[1:])
    sql = (
        f"SELECT {', '.join(c.sql for c in columns)} FROM {Conversation._meta.db_table} c {joins}"
        " WHERE c.id = %s AND (c.customer_id = %s OR c.provider_id = %s)"
    )
    return sql, columns


def participant_conversation_statement(*, user: User, pk: int) -> tuple[str, list]:
    """`conversation_for_participant` as one plain statement, for a caller that runs it on a connection of its own
    (a chat socket's open, `chat.services.aconversation_open_from_socket`); `participant_conversation` makes its
    row the same objects. Compiling the ORM's query cost ~0.8 ms of CPU, five times running it."""
    return _participant_sql()[0], [pk, user.pk, user.pk]


def participant_conversation(rows: tuple[tuple, ...], connection: BaseDatabaseWrapper) -> Conversation | None:
    """The conversation of `participant_conversation_statement`'s rows, with its offer, booking and parties loaded
    as `select_related` loads them; None without a row."""
    if not rows:
        return None
    (row,) = rows
    columns = _participant_sql()[1]
    objects, start = [], 0
    for column in columns:
        objects.append(column.instance(row, start, connection) if row[start] is not None else None)
        start += column.width
    conversation, offer, booking, customer, provider = objects
    for field, value in (("offer", offer), ("booking", booking), ("customer", customer), ("provider", provider)):
        Conversation._meta.get_field(field).set_cached_value(conversation, value)
    return conversation


def conversation_list(*, user: User, offer: Offer | None = None) -> QuerySet[Conversation]:
    """The user's conversations, latest message first, annotated with the user's `unread` count.

    For a narrowed set (one offer's, one booking's threads); the chat list pages with `ConversationPages`.
    """
    conversations = Conversation.objects.filter(members__user=user)
    if offer is not None:
        conversations = conversations.filter(offer=offer)
    return (
        conversations.select_related(*_LIST_RELATED)
        .annotate(unread=F("members__unread"))
        .order_by("-members__last_message_id", "-members__id")
    )


_LIST_RELATED = ("offer", "booking", "customer", "provider", "last_message")
# The columns the chat list shows (templates/chat/list.html): building five whole related rows per
# conversation was most of the page's cost per row.
_LIST_COLUMNS = (
    *_LIST_RELATED,
    "offer__title",
    "booking__title",
    *(f"{party}__{field}" for party in ("customer", "provider") for field in ("full_name", "email")),
    *(f"last_message__{field}" for field in ("created_at", "sender", "text", "photo")),
)


class ConversationPages:
    """All of a user's conversations, latest activity first, for `servizo.pagination.page_of`: no COUNT, no sort.

    A slice reads the user's `ConversationMember` rows alone, in the order of their (user, last_message_id)
    index (member ids follow conversation ids, so ties go newest conversation first), then those
    conversations by primary key: two queries whose plans cannot turn into a join that scans and sorts.
    """

    def __init__(self, *, user: User):
        self.user = user

    def __getitem__(self, window: slice) -> list[Conversation]:
        members = list(
            ConversationMember.objects.filter(user=self.user)
            .order_by("-last_message_id", "-id")
            .values_list("conversation_id", "unread")[window]
        )
        conversations = (
            Conversation.objects.select_related(*_LIST_RELATED).only(*_LIST_COLUMNS).in_bulk([pk for pk, _ in members])
        )
        page = []
        for pk, unread in members:
            conversation = conversations[pk]
            conversation.unread = unread
            page.append(conversation)
        return page


def inbox(*, user: User) -> ChatInbox:
    """The user's maintained chat counters (unread messages, conversations): one primary-key read."""
    return ChatInbox.objects.filter(user_id=user.pk).first() or ChatInbox(user_id=user.pk)


def unread_total(*, user: User) -> int:
    """Messages from others the user has not read yet, over all their conversations."""
    return inbox(user=user).unread


def request_unread(request) -> int:
    """The signed-in user's unread total for the navbar and the dashboard panel.

    The request's inbox when the page read it already; otherwise servizo.usercache (`CHAT_BADGE`, dropped
    by chat.services on every change of the user's inbox), so most pages read no chat row at all.
    """
    if hasattr(request, "_chat_inbox"):
        return request._chat_inbox.unread
    return user_cached(request.user.pk, CHAT_BADGE, lambda: request_inbox(request).unread)


def request_inbox(request) -> ChatInbox:
    """`inbox` for the signed-in user, read once per request (the navbar and a dashboard panel share it)."""
    if not hasattr(request, "_chat_inbox"):
        request._chat_inbox = inbox(user=request.user)
    return request._chat_inbox


def messages_before(
    *, conversation: Conversation, before_id: int | None = None, limit: int = HISTORY_PAGE_SIZE
) -> tuple[list[Message], bool]:
    """Up to `limit` messages older than `before_id` (newest page if None), oldest first, and whether more exist."""
    messages = conversation.messages.select_related("sender").order_by("-id")
    if before_id is not None:
        messages = messages.filter(id__lt=before_id)
    page = list(messages[: limit + 1])
    return page[:limit][::-1], len(page) > limit


def messages_after(
    *, conversation: Conversation, after_id: int, limit: int = RESYNC_LIMIT
) -> tuple[list[Message], bool]:
    """Messages newer than `after_id`, oldest first (the resync after a reconnect), and whether more exist.

    Each message's sender is the conversation's own customer or provider object (only its members write in
    it): no join and no copy of their user row per message (a socket's resync is up to RESYNC_LIMIT of them).
    """
    page = list(conversation.messages.filter(id__gt=after_id).order_by("id")[: limit + 1])
    members = {conversation.customer_id: conversation.customer, conversation.provider_id: conversation.provider}
    for message in page:
        if message.sender_id in members:
            message.sender = members[message.sender_id]
    return page[:limit], len(page) > limit


_MESSAGES_AFTER_SQL = (
    f"SELECT id, sender_id, text, created_at, photo_id FROM {Message._meta.db_table}"
    " WHERE conversation_id = %s AND id > %s ORDER BY id LIMIT %s"
)


async def amessage_payloads_after(
    *, conversation: Conversation, after_id: int, limit: int = RESYNC_LIMIT
) -> tuple[list[dict], bool] | None:
    """`messages_after` as payloads, read on the event loop (`servizo.loopdb`, MariaDB): one statement, no worker
    thread and no ORM (a socket's resync cost ~4 % of the chat bench's server CPU that way). None if a sender is
    not one of the conversation's parties (then `messages_after` has the names)."""
    parties = {conversation.customer_id: conversation.customer, conversation.provider_id: conversation.provider}
    async with loopdb.transaction() as db:
        rows = await db.fetch(_MESSAGES_AFTER_SQL, [conversation.pk, after_id, limit + 1])
    aware = db.wrapper.ops.convert_datetimefield_value
    payloads = []
    for pk, sender_id, text, created_at, photo_id in rows[:limit]:
        if sender_id not in parties:
            return None
        created_at = aware(created_at, None, db.wrapper)
        payloads.append(message_fields_payload(pk, parties[sender_id], text, created_at, photo_id))
    return payloads, len(rows) > limit


def provider_may_ask(*, offer: Offer, provider: User) -> bool:
    """A provider may ask about an offer exactly when it is in their feed (the offers matching rule)."""
    return provider_offer_access(provider=provider, offer_id=offer.pk).allowed


def message_payload(message: Message) -> dict:
    """The JSON shape of a message, for the socket, the history endpoint and the page."""
    return message_fields_payload(message.pk, message.sender, message.text, message.created_at, message.photo_id)


def message_fields_payload(pk: int, sender: User, text: str, created_at: datetime, photo_id: int | None) -> dict:
    """`message_payload` of a message's fields, for a socket's send, which makes no `Message` (building one, its
    related objects set through their descriptors, was ~4 % of a chat message's server CPU)."""
    return {
        "id": pk,
        "sender_id": sender.pk,
        "sender_name": sender.get_short_name(),
        "text": text,
        "created_at": created_at.isoformat(),
        "photo": _photo_urls(photo_id) if photo_id else None,
    }


def _photo_urls(photo_id: int) -> dict:
    return {
        "url": reverse("chat:photo", args=[photo_id]),
        "thumbnail": reverse("chat:photo_thumbnail", args=[photo_id]),
    }


def chat_photo_for_viewer(*, user: User, photo_id: int) -> ChatPhoto:
    """A chat photo for the conversation's two parties and staff who may read conversations; else 404."""
    photos = ChatPhoto.objects.filter(pk=photo_id)
    if not (user.is_staff and user.has_perm("chat.view_conversation")):
        photos = photos.filter(Q(conversation__customer=user) | Q(conversation__provider=user))
    return get_object_or_404(photos)
