"""Mail server down or refusing: the action still succeeds, the email is kept, and a retry sends it.

The mail server is real (servizo.testing.smtp: a socket server speaking SMTP that answers 554 to
MAIL FROM until told otherwise), reached through Django's SMTP backend.
"""

import logging
from datetime import timedelta
from io import StringIO
from itertools import pairwise

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import CustomerFactory
from bookings.models import Booking
from bookings.services import booking_transition
from bookings.tests.factories import BookingFactory
from notifications.models import OutgoingEmail
from notifications.outbox import MAX_ATTEMPTS, email_deliver, email_send

pytestmark = pytest.mark.django_db
Status = OutgoingEmail.Status
PASSWORD = "Tidy-plumbing-2026"


def make_due() -> None:
    """Jump past the backoff: every waiting email is due now."""
    OutgoingEmail.objects.filter(status=Status.PENDING).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def retry_command() -> str:
    out = StringIO()
    call_command("send_pending_emails", stdout=out)
    return out.getvalue()


def test_signup_succeeds_while_the_mail_server_refuses_and_the_retry_delivers_the_link(
    client, mail_server, django_capture_on_commit_callbacks, caplog
):
    data = {"email": "carla@example.com", "password1": PASSWORD, "password2": PASSWORD, "full_name": "Carla"}
    data["accept_terms"] = "on"

    with django_capture_on_commit_callbacks(execute=True), caplog.at_level(logging.WARNING):
        response = client.post(reverse("signup_customer"), data)

    assert response.status_code == 302 and response["Location"] == reverse("account_email_verification_sent")
    email = OutgoingEmail.objects.get()
    assert (email.status, email.attempts, email.to) == (Status.PENDING, 1, ["carla@example.com"])
    assert "554" in email.last_error and email.next_attempt_at > timezone.now()
    assert any("carla@example.com" in r.getMessage() for r in caplog.records if r.name == "notifications.outbox")
    assert mail_server.messages == []

    assert "Sent 0" in retry_command()  # not due yet: the backoff holds
    mail_server.refuse = False
    make_due()
    assert "Sent 1" in retry_command()

    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (Status.SENT, 2, "")
    [(_sender, recipients, data)] = mail_server.messages
    assert recipients == ["<carla@example.com>"] and "/accounts/confirm-email/" in data
    assert "Sent 0" in retry_command()  # idempotent: nothing is sent twice


def test_password_reset_succeeds_while_the_mail_server_is_unreachable(
    client, mail_server_down, settings, django_capture_on_commit_callbacks
):
    user = CustomerFactory(email="anna@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": user.email})

    assert response.status_code == 302 and response["Location"] == reverse("account_reset_password_done")
    email = OutgoingEmail.objects.get()
    assert email.status == Status.PENDING and "Connection refused" in email.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    make_due()
    retry_command()

    assert OutgoingEmail.objects.get().status == Status.SENT
    assert mail.outbox[-1].to == ["anna@example.com"] and "/accounts/password/reset/key/" in mail.outbox[-1].body


def test_a_booking_move_whose_email_is_refused_still_happens_and_the_email_is_kept(
    mail_server, django_capture_on_commit_callbacks
):
    booking = BookingFactory(status=Booking.Status.SCHEDULED)

    with django_capture_on_commit_callbacks(execute=True):
        booking_transition(
            booking_id=booking.pk, to_status=Booking.Status.CANCELLED, actor=booking.provider, note="Van broke."
        )

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    email = OutgoingEmail.objects.get()
    assert email.to == [booking.customer.email] and "Van broke." in email.body
    assert email.status == Status.PENDING and "554" in email.last_error


def test_backoff_doubles_and_after_the_last_attempt_the_email_is_failed(mail_server):
    email = email_send(message=mail.EmailMessage("Hello", "Body", to=["x@example.com"]))
    waits = []
    for _ in range(MAX_ATTEMPTS):
        make_due()
        email_deliver(email_id=email.pk)
        email.refresh_from_db()
        waits.append(email.next_attempt_at - timezone.now())

    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.FAILED, MAX_ATTEMPTS)
    assert all(later > 1.9 * earlier for earlier, later in pairwise(waits))
    make_due()
    assert not email_deliver(email_id=email.pk)  # failed rows wait for staff


def test_one_email_is_delivered_once_even_if_two_workers_try(mail_server):
    email = email_send(message=mail.EmailMessage("Hello", "Body", to=["x@example.com"]))
    mail_server.refuse = False
    make_due()

    assert [email_deliver(email_id=email.pk), email_deliver(email_id=email.pk)] == [True, False]
    assert len(mail_server.messages) == 1


def test_nothing_is_stored_or_sent_when_the_transaction_rolls_back(mail_server):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        email_send(message=mail.EmailMessage("Hello", "Body", to=["x@example.com"]))
        raise RuntimeError

    assert not OutgoingEmail.objects.exists() and mail_server.messages == []


def test_staff_see_failed_emails_and_retry_them_from_the_admin(client, staff_user, mail_server):
    email = email_send(message=mail.EmailMessage("Your booking", "Body", to=["x@example.com"]))
    OutgoingEmail.objects.filter(pk=email.pk).update(status=Status.FAILED, attempts=MAX_ATTEMPTS)
    client.force_login(staff_user)
    url = reverse("admin:notifications_outgoingemail_changelist")

    listing = client.get(url, {"status__exact": "failed"})
    assert listing.status_code == 200 and "Your booking" in listing.content.decode()

    mail_server.refuse = False
    done = client.post(url, {"action": "retry_now", "_selected_action": [email.pk]}, follow=True)

    assert "1 sent, 0 failed again." in done.content.decode()
    email.refresh_from_db()
    assert email.status == Status.SENT and len(mail_server.messages) == 1
