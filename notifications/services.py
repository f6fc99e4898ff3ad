"""One way to tell a user something: a stored notification, a live push, and maybe an email.

The convention every app follows: a service calls `notification_create` inside the transaction that
makes the change it reports, so the notification row and its email's outbox row commit (or roll
back) with that change; the live push and the email delivery are queued on commit here, and an email
the mail server refuses is kept and retried (notifications.outbox), never an error for the caller.
Outside a transaction everything goes at once. Two callers create on commit on purpose: chat, which
notifies only if the recipient is not viewing the thread at delivery time, and the review prompt
after completion, which must never roll the completed booking back.

Other apps read and mark notifications only through `notifications.selectors` and this module.
"""

from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification
from notifications.outbox import email_send
from servizo.realtime import broadcast


def user_group(user_id: int) -> str:
    """The channel-layer group every open page of this user listens on."""
    return f"user.{user_id}"


def push_to_user(*, user_id: int, payload: dict) -> None:
    """Send an event to the user's notification sockets, best effort (the page shows stored ones on load)."""
    broadcast(user_group(user_id), event={"type": "notify", "payload": payload})


def absolute_url(path: str) -> str:
    """A site path as a full link for emails (`SITE_URL` + path); full URLs pass through."""
    if not path.startswith("/"):
        return path
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def notification_create(*, recipient, kind: str, text: str, link: str = "", email: bool = False) -> Notification:
    """Store a notification; on commit push it live, and with `email` queue an email (notifications.outbox)."""
    notification = Notification.objects.create(recipient=recipient, kind=kind, text=text, link=link)
    payload = {"kind": "notification", "id": notification.pk, "text": text, "link": link}
    transaction.on_commit(partial(push_to_user, user_id=recipient.pk, payload=payload), robust=True)
    if email and recipient.email:
        message = EmailMessage(
            # One line: user text (a booking note, a title) may hold line breaks, which a header cannot.
            subject=f"[Servizo] {' '.join(text.split())[:70]}",
            body=f"{text}\n\n{absolute_url(link)}" if link else text,
            to=[recipient.email],
        )
        email_send(message=message)
    return notification


def notification_mark_read(*, recipient, notification_id: int) -> Notification:
    """Mark one of the recipient's notifications read (idempotent); another user's id is DoesNotExist."""
    notification = Notification.objects.get(pk=notification_id, recipient=recipient)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, recipient, kind: str | None = None, link: str | None = None) -> int:
    """Mark the recipient's unread notifications read (only of `kind` and `link`, when given); returns how many."""
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if kind is not None:
        unread = unread.filter(kind=kind)
    if link is not None:
        unread = unread.filter(link=link)
    return unread.update(read_at=timezone.now())
