"""Who has a conversation open right now, shared by all daphne processes through the database.

Each participant's `ConversationMember` row counts their open chat sockets (`viewers`): a socket adds
one on connect and removes one on disconnect, and an opening socket stamps `viewers_at`, which every open
socket renews every REFRESH_SECONDS. A count not stamped for the TTL is stale (a crashed process never
removed its sockets) and reads as away; the next opening starts it again from one. While any socket of the
participant's is open the count is never stale, so it never undercounts the sockets that are open.

It lives beside the counters rather than in the cache so that a send reads it in the query that
already checks the thread (`chat.services`): a Redis read per message was a tenth of a message's
server CPU (bench/chat_latency.py). It also stays right while Redis is down.
"""

from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from chat.models import ConversationMember

PRESENCE_TTL = timedelta(hours=1)
REFRESH_SECONDS = PRESENCE_TTL.total_seconds() / 3


def _member(conversation_id: int, user_id: int):
    return ConversationMember.objects.filter(conversation_id=conversation_id, user_id=user_id)


def _update_statement(assignments: str, *params, conversation_id: int, user_id: int, where: str = "") -> tuple:
    """One UPDATE of the member row, in plain SQL: compiling the ORM's Case/F update cost more CPU than
    running it, on every socket's open and close (bench/chat_latency.py)."""
    table = ConversationMember._meta.db_table
    sql = f"UPDATE {table} SET {assignments} WHERE conversation_id = %s AND user_id = %s{where}"
    return sql, [*params, conversation_id, user_id]


def _execute(statement: tuple[str, list]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(*statement)


def _stamp_statement(viewers: str, *, conversation_id: int, user_id: int, connection=connection) -> tuple:
    """Set `viewers` to the SQL expression `viewers`, whose one parameter is the TTL's start (so it can tell a
    stale count), and stamp `viewers_at` now. `viewers` is assigned first, so its test reads the old
    `viewers_at` (MariaDB and SQLite alike)."""
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    return _update_statement(
        f"viewers = {viewers}, viewers_at = %s",
        adapt(now - PRESENCE_TTL),
        adapt(now),
        conversation_id=conversation_id,
        user_id=user_id,
    )


def viewer_enter_statement(*, conversation_id: int, user_id: int, connection=connection) -> tuple[str, list]:
    """`viewer_enter`'s statement, for a caller that runs it on a connection of its own (`chat.services`)."""
    viewers = "CASE WHEN viewers_at >= %s THEN viewers + 1 ELSE 1 END"
    return _stamp_statement(viewers, conversation_id=conversation_id, user_id=user_id, connection=connection)


def viewer_enter(*, conversation_id: int, user_id: int) -> None:
    _execute(viewer_enter_statement(conversation_id=conversation_id, user_id=user_id))


def viewer_still_here(*, conversation_id: int, user_id: int) -> None:
    """An open socket renews its participant's stamp, and counts itself if the count had gone stale. A live
    count is kept as it is, so a renewal that lands just after its socket's own `viewer_leave` adds nothing."""
    viewers = "CASE WHEN viewers_at >= %s THEN viewers ELSE 1 END"
    _execute(_stamp_statement(viewers, conversation_id=conversation_id, user_id=user_id))


def viewer_leave(*, conversation_id: int, user_id: int) -> None:
    where = " AND viewers > 0"
    _execute(_update_statement("viewers = viewers - 1", conversation_id=conversation_id, user_id=user_id, where=where))


def viewing(viewers: int | None, viewers_at: datetime | None) -> bool:
    """The rule, on a member row's two columns (None for a missing row: away)."""
    return bool(viewers) and viewers_at is not None and viewers_at >= timezone.now() - PRESENCE_TTL


def viewing_elsewhere(viewers: int | None, viewers_at: datetime | None) -> bool:
    """For a participant sending from one of their sockets: whether another socket of theirs may be open on
    the conversation. Only a live count of exactly one (the sending socket) says no."""
    return not (viewers == 1 and viewing(viewers, viewers_at))


def is_viewing(*, conversation_id: int, user_id: int) -> bool:
    row = _member(conversation_id, user_id).values_list("viewers", "viewers_at").first()
    return viewing(*row) if row else False
