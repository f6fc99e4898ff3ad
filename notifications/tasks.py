"""Notification work done by the worker: the live push and email delivery (the rows are stored in the request)."""

from celery import shared_task

from notifications.outbox import email_deliver, emails_send_pending
from notifications.services import push_to_user
from servizo.tasks import ServizoTask


@shared_task(base=ServizoTask)
def deliver_email(*, email_id: int) -> bool:
    """One delivery attempt of an outbox email; a refusal is kept on the row for the outbox's own retries."""
    return email_deliver(email_id=email_id)


@shared_task(base=ServizoTask)
def send_pending_emails() -> tuple[int, int]:
    """Safety net (beat, every minute): send every due email, also those whose task was never queued."""
    return emails_send_pending()


@shared_task(base=ServizoTask)
def push_notification(*, user_id: int, payload: dict) -> None:
    """Push a stored notification to the user's open pages (best effort: the page lists stored ones)."""
    push_to_user(user_id=user_id, payload=payload)
