"""Who has a conversation open right now, shared by all daphne processes through the database.

Each participant's `ConversationMember` row counts their open chat sockets (`viewers`): a socket adds
one on connect and removes one on disconnect, and an opening socket stamps `viewers_at`. A count whose
last opening is older than the TTL is stale (a crashed process never removed its sockets) and reads
as away; the next opening starts it again from one.

It lives beside the counters rather than in the cache so that a send reads it in the query that
already checks the thread (`chat.services`): a Redis read per message was a tenth of a message's
server CPU (bench/chat_latency.py). It also stays right while Redis is down.
"""

from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from chat.models import ConversationMember

PRESENCE_TTL = timedelta(hours=1)


def _member(conversation_id: int, user_id: int):
    return ConversationMember.objects.filter(conversation_id=conversation_id, user_id=user_id)


def _update(assignments: str, *params, conversation_id: int, user_id: int, where: str = "") -> None:
    """One UPDATE of the member row, in plain SQL: compiling the ORM's Case/F update cost more CPU than
    running it, on every socket's open and close (bench/chat_latency.py)."""
    table = ConversationMember._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} WHERE conversation_id = %s AND user_id = %s{where}",
            [*params, conversation_id, user_id],
        )


def viewer_enter(*, conversation_id: int, user_id: int) -> None:
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    # `viewers` is assigned first, so its test reads the old `viewers_at` (MariaDB and SQLite alike).
    _update(
        "viewers = CASE WHEN viewers_at >= %s THEN viewers + 1 ELSE 1 END, viewers_at = %s",
        adapt(now - PRESENCE_TTL),
        adapt(now),
        conversation_id=conversation_id,
        user_id=user_id,
    )


def viewer_leave(*, conversation_id: int, user_id: int) -> None:
    _update("viewers = viewers - 1", conversation_id=conversation_id, user_id=user_id, where=" AND viewers > 0")


def viewing(viewers: int | None, viewers_at: datetime | None) -> bool:
    """The rule, on a member row's two columns (None for a missing row: away)."""
    return bool(viewers) and viewers_at is not None and viewers_at >= timezone.now() - PRESENCE_TTL


def is_viewing(*, conversation_id: int, user_id: int) -> bool:
    row = _member(conversation_id, user_id).values_list("viewers", "viewers_at").first()
    return viewing(*row) if row else False
