"""One way to tell a user something: a stored notification, a live push, and maybe an email.

The convention every app follows. Pushes and emails always go out on commit, from the Celery worker:
this module queues the push task with `servizo.tasks.enqueue` (on commit), and the email goes through
the durable outbox (notifications.outbox: stored with the caller's transaction, delivered by a task
queued on commit, retried when the mail server refuses). The notification row itself is written in
the transaction of the change it reports, so it commits or rolls back with it (booking, offer and
payment moves). A notice that must never undo
a committed change, or that depends on the state after commit, is instead created in an
`after_commit` callback (a failure is logged, the change stands): the provider's status notice (the
`on_commit` list its transition passes to `servizo.transitions.transition`), the review prompt after
completion, and a chat message's notice (only if the recipient is not viewing the thread at delivery
time). Outside a transaction everything goes at once.

Texts are stored and sent in the recipient's language (servizo.languages): a caller writes the text inside
`with in_language_of(recipient):` (so `_()` translates for the reader, not for whoever caused the change), and
`notification_create` writes the email's own words in that language too. A stored text keeps the language it
was written in if the reader later switches.

Other apps read and mark notifications only through `notifications.selectors` and this module.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Notification
from notifications.outbox import email_send
from servizo.context_processors import NOTIFICATION_BADGE
from servizo.languages import in_language_of
from servizo.realtime import abroadcast, broadcast
from servizo.tasks import enqueue
from servizo.usercache import user_cache_drop


def user_group(user_id: int) -> str:
    """The channel-layer group every open page of this user listens on."""
    return f"user.{user_id}"


def push_to_user(*, user_id: int, payload: dict) -> None:
    """Send an event to the user's notification sockets, best effort (the page shows stored ones on load)."""
    broadcast(user_group(user_id), event={"type": "notify", "payload": payload})


async def apush_to_user(*, user_id: int, payload: dict) -> None:
    """`push_to_user` from an event loop (a chat socket), without a hop through `async_to_sync`."""
    await abroadcast(user_group(user_id), event={"type": "notify", "payload": payload})


def absolute_url(path: str) -> str:
    """A site path as a full link for emails (`SITE_URL` + path); full URLs pass through."""
    if not path.startswith("/"):
        return path
    return f"{settings.SITE_URL.rstrip('/')}{path}"


SUBJECT_MAX_CHARS = 78  # what mail clients show in a list without cutting


def email_subject(text: str) -> str:
    """A short, complete subject from a notice: its first sentence, or whole words up to the limit and "…".

    One line: user text (a booking note, a title) may hold line breaks, which a header cannot.
    """
    text = " ".join(text.split())
    room = SUBJECT_MAX_CHARS - len("[Servizo] ")
    sentence = text.split(". ", 1)[0].rstrip(".")
    if len(sentence) <= room:
        return f"[Servizo] {sentence}"
    words = sentence[: room - 1].rsplit(" ", 1)[0] if " " in sentence[: room - 1] else sentence[: room - 1]
    return f"[Servizo] {words.rstrip(',;:—-– ')}…"


def notification_create(*, recipient, kind: str, text: str, link: str = "", email: bool = False) -> Notification:
    """Store a notification; on commit push it live, and with `email` queue an email (notifications.outbox)."""
    notification = Notification.objects.create(recipient=recipient, kind=kind, text=text, link=link)
    user_cache_drop(recipient.pk, NOTIFICATION_BADGE)
    payload = {"kind": "notification", "id": notification.pk, "text": text, "link": link}
    from notifications.tasks import push_notification  # the tasks module imports this one

    enqueue(push_notification, user_id=recipient.pk, payload=payload)
    if email and recipient.email:
        email_send(message=notification_email(recipient=recipient, text=text, link=link))
    return notification


def notification_email(*, recipient, text: str, link: str = "") -> EmailMessage:
    """The email of a notice: its first sentence as the subject, the text and the link, in the recipient's
    language (`text` is already written in it)."""
    with in_language_of(recipient):
        body = text
        if link:
            body += "\n\n" + _("Open it on Servizo: %(link)s") % {"link": absolute_url(link)}
        body += "\n\n-- \n" + _("Your language and time zone for these emails are in your Servizo settings.")
        return EmailMessage(subject=email_subject(text), body=body, to=[recipient.email])


def notification_mark_read(*, recipient, notification_id: int) -> Notification:
    """Mark one of the recipient's notifications read (idempotent); another user's id is DoesNotExist."""
    notification = Notification.objects.get(pk=notification_id, recipient=recipient)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        user_cache_drop(recipient.pk, NOTIFICATION_BADGE)
    return notification


def notification_mark_all_read(*, recipient, kind: str | None = None, link: str | None = None) -> int:
    """Mark the recipient's unread notifications read (only of `kind` and `link`, when given); returns how many.

    Plain SQL (`mark_all_read_statement`): every chat read receipt runs this (`chat.services`), and compiling
    the ORM's filtered UPDATE cost more CPU than running it (bench/chat_latency.py --reads).
    """
    with connection.cursor() as cursor:
        cursor.execute(*mark_all_read_statement(recipient_id=recipient.pk, kind=kind, link=link))
        marked = cursor.rowcount
    if marked:
        user_cache_drop(recipient.pk, NOTIFICATION_BADGE)
    return marked


def mark_all_read_statement(
    *, recipient_id: int, kind: str | None = None, link: str | None = None, connection=connection
) -> tuple[str, list]:
    """`notification_mark_all_read`'s UPDATE and its parameters, for `connection` (a caller that runs it on a
    connection of its own drops NOTIFICATION_BADGE itself when it marks any)."""
    fields = {"recipient": recipient_id, "kind": kind, "link": link}
    conditions = {Notification._meta.get_field(name).column: value for name, value in fields.items()}
    where = " AND ".join(f"{column} = %s" for column, value in conditions.items() if value is not None)
    read_at = connection.ops.adapt_datetimefield_value(timezone.now())
    return (
        f"UPDATE {Notification._meta.db_table} SET read_at = %s WHERE {where} AND read_at IS NULL",
        [read_at, *(value for value in conditions.values() if value is not None)],
    )
