"""One way to tell a user something: a stored notification, a live push, and maybe an email.

The convention every app follows. Pushes and emails always go out on commit: this module queues
the push with `servizo.commit.after_commit` (robust), and the email goes through the durable outbox
(notifications.outbox: stored with the caller's transaction, sent on commit, retried when the mail
server refuses). The notification row itself is written in the transaction of the change it reports,
so it commits or rolls back with it (booking, offer and payment moves). A notice that must never undo
a committed change, or that depends on the state after commit, is instead created in an
`after_commit` callback (a failure is logged, the change stands): the provider's status notice (the
`on_commit` list its transition passes to `servizo.transitions.transition`), the review prompt after
completion, and a chat message's notice (only if the recipient is not viewing the thread at delivery
time). Outside a transaction everything goes at once.

Other apps read and mark notifications only through `notifications.selectors` and this module.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from notifications.models import Notification
from notifications.outbox import email_send
from servizo.commit import after_commit
from servizo.context_processors import NOTIFICATION_BADGE
from servizo.realtime import broadcast
from servizo.usercache import user_cache_drop


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
    user_cache_drop(recipient.pk, NOTIFICATION_BADGE)
    payload = {"kind": "notification", "id": notification.pk, "text": text, "link": link}
    after_commit(push_to_user, user_id=recipient.pk, payload=payload)
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
        user_cache_drop(recipient.pk, NOTIFICATION_BADGE)
    return notification


def notification_mark_all_read(*, recipient, kind: str | None = None, link: str | None = None) -> int:
    """Mark the recipient's unread notifications read (only of `kind` and `link`, when given); returns how many."""
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if kind is not None:
        unread = unread.filter(kind=kind)
    if link is not None:
        unread = unread.filter(link=link)
    marked = unread.update(read_at=timezone.now())
    if marked:
        user_cache_drop(recipient.pk, NOTIFICATION_BADGE)
    return marked
