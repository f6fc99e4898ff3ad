"""Reads of notifications, for this app's pages and for other apps (which never query the table themselves)."""

from django.db.models import QuerySet

from notifications.models import Notification


def notifications_for(*, recipient) -> QuerySet[Notification]:
    """The recipient's notifications, newest first."""
    return Notification.objects.filter(recipient=recipient)


def notification_unread_exists(*, recipient, kind: str, link: str) -> bool:
    """Whether the recipient has an unread notification of this kind pointing at this link."""
    return Notification.objects.filter(recipient=recipient, kind=kind, link=link, read_at__isnull=True).exists()
