"""Side effects queued with on_commit run after the data is committed: a failing one is logged and
never turns the committed action into an error (a 500 whose change nevertheless happened)."""

import logging

import pytest
from django.core.mail import EmailMessage
from django.db import OperationalError, transaction

from accounts.models import ProviderProfile
from accounts.services import provider_transition
from accounts.tests.factories import ProviderProfileFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from chat import services as chat_services
from chat.tests.factories import MessageFactory
from notifications import outbox
from notifications import services as notification_services
from notifications import tasks as notification_tasks
from notifications.models import OutgoingEmail
from reviews import services as review_services
from servizo.models import FailedTask

pytestmark = pytest.mark.django_db


def database_hiccup(*args, **kwargs):
    raise OperationalError("Lost connection to server during query")


def test_approval_stands_when_its_notification_fails(
    staff_user, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    profile = ProviderProfileFactory(status=ProviderProfile.Status.PENDING)
    monkeypatch.setattr(notification_services, "notification_create", database_hiccup)

    with django_capture_on_commit_callbacks(execute=True), caplog.at_level(logging.ERROR):
        provider_transition(profile_id=profile.pk, to_status=ProviderProfile.Status.APPROVED, actor=staff_user)

    profile.refresh_from_db()
    assert profile.status == ProviderProfile.Status.APPROVED
    assert any("on_commit() (Lost connection" in r.getMessage() for r in caplog.records)


def test_completion_stands_when_the_review_prompt_fails(monkeypatch, django_capture_on_commit_callbacks):
    booking = BookingFactory(status=Booking.Status.COMPLETED)
    monkeypatch.setattr(review_services, "notification_create", database_hiccup)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        review_services.booking_completed(booking, None)  # the transition hook, as the move calls it


def test_a_notification_stands_when_its_live_push_fails(customer, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(notification_tasks, "push_to_user", database_hiccup)

    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_services.notification_create(recipient=customer, kind="test", text="Hello")

    assert notification.pk is not None
    failed = FailedTask.objects.get(task_name="notifications.tasks.push_notification")
    assert failed.kwargs["user_id"] == customer.pk and "Lost connection" in failed.error


def test_an_email_stays_queued_when_its_delivery_fails_after_commit(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(notification_tasks, "email_deliver", database_hiccup)

    with django_capture_on_commit_callbacks(execute=True):
        email = outbox.email_send(message=EmailMessage(subject="Hi", body="Body", to=["a@example.com"]))

    assert OutgoingEmail.objects.get(pk=email.pk).status == OutgoingEmail.Status.PENDING
    assert FailedTask.objects.get(task_name="notifications.tasks.deliver_email").kwargs == {"email_id": email.pk}


def test_an_email_that_could_not_be_queued_is_sent_by_the_safety_net(
    monkeypatch, django_capture_on_commit_callbacks, caplog, mailoutbox
):
    # Robust callbacks are logged by name; a callback without one (a functools.partial) turned the
    # logged failure into an AttributeError after commit: a 500 for a change that was made.
    monkeypatch.setattr(notification_tasks.deliver_email, "delay", database_hiccup)  # the broker is down

    with django_capture_on_commit_callbacks(execute=True), caplog.at_level(logging.ERROR):
        email = outbox.email_send(message=EmailMessage(subject="Hi", body="Body", to=["a@example.com"]))

    assert any("database_hiccup in on_commit() (Lost connection" in r.getMessage() for r in caplog.records)
    assert OutgoingEmail.objects.get(pk=email.pk).status == OutgoingEmail.Status.PENDING
    notification_tasks.send_pending_emails.delay()
    assert OutgoingEmail.objects.get(pk=email.pk).status == OutgoingEmail.Status.SENT and len(mailoutbox) == 1


def test_reading_a_conversation_stands_when_its_pushes_fail(monkeypatch, django_capture_on_commit_callbacks, caplog):
    message = MessageFactory()
    conversation, reader = message.conversation, message.conversation.other_party(message.sender)
    monkeypatch.setattr(chat_services, "_broadcast", database_hiccup)
    monkeypatch.setattr(chat_services, "_push_unread_total", database_hiccup)

    with django_capture_on_commit_callbacks(execute=True), caplog.at_level(logging.ERROR):
        pointer = chat_services.conversation_mark_read(conversation=conversation, user=reader, up_to_id=message.pk)

    assert pointer == message.pk
    assert sum("in on_commit() (Lost connection" in r.getMessage() for r in caplog.records) == 2
