"""One way to tell a user something: a stored notification, a live push, and maybe an email.

Call inside or outside a transaction: the push and the email go out on commit.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    """The channel-layer group every open page of this user listens on."""
    return f"user.{user_id}"


def push_to_user(*, user_id: int, payload: dict) -> None:
    """Send an event to the user's notification sockets; a layer failure is logged, never raised."""
    try:
        async_to_sync(get_channel_layer().group_send)(user_group(user_id), {"type": "notify", "payload": payload})
    except Exception:  # the stored notification stays; the page shows it on next load
        logger.warning("Live push to user %s failed", user_id, exc_info=True)


def absolute_url(path: str) -> str:
    """A site path as a full link for emails (`SITE_URL` + path); full URLs pass through."""
    if not path.startswith("/"):
        return path
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def notification_create(*, recipient, kind: str, text: str, link: str = "", email: bool = False) -> Notification:
    notification = Notification.objects.create(recipient=recipient, kind=kind, text=text, link=link)
    payload = {"kind": "notification", "id": notification.pk, "text": text, "link": link}

    def deliver() -> None:
        push_to_user(user_id=recipient.pk, payload=payload)
        if email and recipient.email:
            send_mail(
                # One line: user text (a booking note, a title) may hold line breaks, which a header cannot.
                subject=f"[Servizo] {' '.join(text.split())[:70]}",
                message=f"{text}\n\n{absolute_url(link)}" if link else text,
                from_email=None,
                recipient_list=[recipient.email],
                fail_silently=True,
            )

    transaction.on_commit(deliver)
    return notification


def notification_mark_read(*, recipient, notification_id: int) -> Notification:
    """Mark one of the recipient's notifications read (idempotent); another user's id is DoesNotExist."""
    notification = Notification.objects.get(pk=notification_id, recipient=recipient)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, recipient) -> int:
    """Mark every unread notification of the recipient read; returns how many changed."""
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).update(read_at=timezone.now())
