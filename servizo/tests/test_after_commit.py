"""Side effects queued with on_commit run after the data is committed: a failing one is logged and
never turns the committed action into an error (a 500 whose change nevertheless happened)."""

import logging

import pytest
from django.db import OperationalError, transaction

from accounts.models import ProviderProfile
from accounts.services import provider_transition
from accounts.tests.factories import ProviderProfileFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from notifications import services as notification_services
from reviews import services as review_services

pytestmark = pytest.mark.django_db


def database_hiccup(**kwargs):
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
