"""The one way Servizo sends email: `email_send` stores the message, then delivers it after commit.

A mail server that is down or refuses never fails the action that sent the email: the attempt's
error is stored on the `OutgoingEmail` row with the next attempt time (exponential backoff), and
`manage.py send_pending_emails` (cron, every minute) retries what is due. After MAX_ATTEMPTS the row
is FAILED and shows in the admin, where staff can retry it. Delivery is at least once: a claim
(compare-and-set on `next_attempt_at`) keeps two workers from sending the same row at once.
Delivery runs in the Celery worker (`notifications.tasks.deliver_email`, queued on commit); the
row is the durable record, and the beat schedule's `send_pending_emails` (every minute) sends what
is due, including a row whose task was never queued (broker down).
"""

import logging
from datetime import timedelta

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.utils import timezone

from notifications.models import OutgoingEmail
from servizo.tasks import enqueue

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY_AFTER = timedelta(minutes=1)  # then 2, 4, ... minutes: the last try is ~4 h after the first
CLAIM_FOR = timedelta(minutes=5)  # longer than any one SMTP attempt (EMAIL_TIMEOUT)


def email_send(*, message: EmailMessage) -> OutgoingEmail:
    """Store `message` and deliver it once the current transaction commits (at once outside one)."""
    if message.attachments or message.cc or message.bcc or message.reply_to:
        raise ValueError("The outbox stores plain and HTML bodies for `to` recipients only.")
    html_body = next(
        (content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), ""
    )
    if message.content_subtype == "html" and not html_body:
        html_body, body = message.body, ""
    else:
        body = message.body
    email = OutgoingEmail.objects.create(
        to=list(message.to),
        subject=message.subject[:300],
        body=body,
        html_body=html_body,
        from_email=message.from_email or "",
        headers=dict(message.extra_headers),
    )
    _schedule(email.pk)
    return email


def _schedule(email_id: int) -> None:
    from notifications.tasks import deliver_email  # the tasks module imports this one

    enqueue(deliver_email, email_id=email_id)


def _message(email: OutgoingEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        email.subject, email.body, email.from_email or None, email.to, headers=email.headers
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    return message


def email_deliver(*, email_id: int) -> bool:
    """One delivery attempt of a due, unclaimed email; the outcome is stored. True when sent.

    Never raises for a mail failure: the row keeps the error and the time of the next attempt.
    """
    now = timezone.now()
    claimed = OutgoingEmail.objects.filter(
        pk=email_id, status=OutgoingEmail.Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + CLAIM_FOR)
    if not claimed:
        return False  # sent already, not due, or another worker has it
    email = OutgoingEmail.objects.get(pk=email_id)
    attempts = email.attempts + 1
    try:
        _message(email).send()
    except Exception as error:  # refused, unreachable, timed out, bad credentials: all kept for a retry
        gave_up = attempts >= MAX_ATTEMPTS
        OutgoingEmail.objects.filter(pk=email_id).update(
            attempts=attempts,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            status=OutgoingEmail.Status.FAILED if gave_up else OutgoingEmail.Status.PENDING,
            next_attempt_at=timezone.now() + FIRST_RETRY_AFTER * 2 ** (attempts - 1),
        )
        logger.warning(
            "Email %s to %s failed (attempt %s%s): %s",
            email_id, ", ".join(email.to), attempts, ", giving up" if gave_up else "", error,
        )  # fmt: skip
        return False
    OutgoingEmail.objects.filter(pk=email_id).update(
        attempts=attempts, status=OutgoingEmail.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def emails_send_pending(*, limit: int = 500) -> tuple[int, int]:
    """Retry every due email (oldest first, at most `limit`); returns (sent, still failing). Safe to re-run."""
    due = list(
        OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = sum(email_deliver(email_id=pk) for pk in due)
    return sent, len(due) - sent


def email_retry_now(*, email_id: int) -> bool:
    """Staff: make a failed or waiting email due now and try it (a sent one is left alone)."""
    OutgoingEmail.objects.filter(pk=email_id).exclude(status=OutgoingEmail.Status.SENT).update(
        status=OutgoingEmail.Status.PENDING, next_attempt_at=timezone.now()
    )
    return email_deliver(email_id=email_id)
