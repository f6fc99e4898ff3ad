"""Journeys through a real Celery worker process on Redis (servizo.testing.worker), not eager tasks."""

import json

import pytest

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from notifications.models import OutgoingEmail
from payments.models import StripeEvent
from payments.tests.conftest import WEBHOOK_URL, sign_webhook
from payments.tests.test_webhooks import charge_unrecorded, events_for
from servizo.testing.worker import wait_for


@pytest.mark.django_db(transaction=True)
def test_a_webhook_answered_at_once_is_handled_by_the_worker(
    seeded_categories, client, localstripe, save_card, monkeypatch, celery_worker
):
    """Given a charge whose answer we lost, when Stripe's event arrives, then the view answers 200 having
    only stored it, and the worker schedules the booking and delivers both parties' emails."""
    booking = BookingFactory()
    intent = charge_unrecorded(booking, save_card, monkeypatch)
    [event] = [e for e in events_for(intent.id) if e["type"] == "payment_intent.succeeded"]
    body = json.dumps(event).encode()

    response = client.post(WEBHOOK_URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign_webhook(body))

    assert response.status_code == 200
    assert wait_for(lambda: Booking.objects.get(pk=booking.pk).status == Booking.Status.SCHEDULED)
    stored = StripeEvent.objects.get(event_id=event["id"])
    assert (stored.status, stored.attempts) == (StripeEvent.Status.PROCESSED, 1)
    parties = ([booking.customer.email], [booking.provider.email])

    def sent() -> list[str]:
        return [e.subject for e in OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENT) if e.to in parties]

    assert wait_for(lambda: any("Payment of" in s for s in sent()) and any("is paid" in s for s in sent())), sent()
