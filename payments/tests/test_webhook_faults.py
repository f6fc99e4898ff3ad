"""Signed webhooks that cannot apply here are stored as ignored (with the reason) and answered 200.

Only failing to store the event answers 500 (Stripe retries it for days). A fault in handling that a
retry can cure (database, Stripe down) is stored FAILED and retried by the worker, then kept as a
failed task for staff. Everything else (an object Stripe or we do not know, an unhandled type, a
payload missing its object) is permanent: record why.
"""

import json
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.test import TestCase
from django.utils import timezone

from bookings.tests.factories import BookingFactory
from payments.models import StripeEvent
from payments.services import webhooks
from payments.stripe_gateway import stripe_client
from payments.tasks import resume_stripe_events
from payments.tests.conftest import WEBHOOK_URL, post_webhook
from servizo.models import FailedTask

pytestmark = pytest.mark.django_db
URL = WEBHOOK_URL
Status = StripeEvent.Status


def post_body(client, body: bytes):
    return post_webhook(client, body)


def post_event(client, event: dict):
    return post_body(client, json.dumps(event).encode())


def stored(event_id: str) -> StripeEvent:
    return StripeEvent.objects.get(event_id=event_id)


@pytest.mark.parametrize(
    ("event_type", "object_id"),
    [
        ("payment_intent.succeeded", "pi_unknown123"),
        ("refund.created", "re_unknown123"),
        ("transfer.created", "tr_unknown123"),
    ],
)
def test_an_object_stripe_does_not_know_is_ignored_with_the_reason(client, localstripe, event_type, object_id):
    event = {"id": f"evt_{object_id}", "type": event_type, "data": {"object": {"id": object_id}}}

    response = post_event(client, event)

    assert response.status_code == 200
    row = stored(event["id"])
    assert row.status == Status.IGNORED and object_id in row.error and row.processed_at is not None


def test_a_payment_intent_that_is_not_ours_is_ignored_not_reported_processed(client, localstripe):
    intent = stripe_client().v1.payment_intents.create({"amount": 500, "currency": "usd"})
    event = {"id": "evt_foreign", "type": "payment_intent.succeeded", "data": {"object": {"id": intent.id}}}

    assert post_event(client, event).status_code == 200

    row = stored("evt_foreign")
    assert row.status == Status.IGNORED and "not one of ours" in row.error


def test_an_account_we_do_not_know_is_ignored(client):
    event = {"id": "evt_acct", "type": "account.updated", "data": {"object": {"id": "acct_nobody"}}}

    assert post_event(client, event).status_code == 200

    assert stored("evt_acct").status == Status.IGNORED and "acct_nobody" in stored("evt_acct").error


def test_a_row_that_vanished_under_the_handler_is_ignored(client, monkeypatch):
    def vanished(object_id):
        BookingFactory().payments.get()  # DoesNotExist, like a row deleted between lookup and lock

    monkeypatch.setitem(webhooks.HANDLERS, "payment_intent.succeeded", vanished)
    event = {"id": "evt_gone", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1"}}}

    assert post_event(client, event).status_code == 200

    assert stored("evt_gone").status == Status.IGNORED and "DoesNotExist" in stored("evt_gone").error


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(None, id="no-data"),
        pytest.param({"object": "pi_1"}, id="object-not-a-dict"),
        pytest.param({"object": {}}, id="object-without-id"),
        pytest.param({"object": {"id": ["pi_1"]}}, id="id-not-a-string"),
    ],
)
def test_a_malformed_payload_for_a_known_type_is_ignored(client, data):
    event = {"id": "evt_malformed", "type": "payment_intent.succeeded"}
    if data is not None:
        event["data"] = data

    assert post_event(client, event).status_code == 200

    row = stored("evt_malformed")
    assert row.status == Status.IGNORED and "malformed" in row.error


def test_an_unknown_type_is_ignored_with_the_reason(client):
    event = {"id": "evt_other", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}

    assert post_event(client, event).status_code == 200

    assert "not handled" in stored("evt_other").error


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{}", id="no-id"),
        pytest.param(b'{"id": "evt_x"}', id="no-type"),
        pytest.param(json.dumps({"id": "evt_" + "x" * 80, "type": "a.b"}).encode(), id="id-too-long"),
        pytest.param(b"[1, 2]", id="not-an-object"),
    ],
)
def test_a_signed_body_that_is_no_event_is_a_400_and_stores_nothing(client, body):
    assert post_body(client, body).status_code == 400
    assert not StripeEvent.objects.exists()


def test_a_database_fault_while_storing_answers_500_so_stripe_retries(client, monkeypatch):
    def database_down(**fields):
        raise OperationalError("Lost connection to server during query")

    monkeypatch.setattr(StripeEvent.objects, "create", database_down)
    event = {"id": "evt_retry", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1"}}}

    assert post_event(client, event).status_code == 500


def test_a_database_fault_in_the_handler_is_stored_failed_and_kept_for_a_retry(client, monkeypatch):
    def database_down(object_id):
        raise OperationalError("Lost connection to server during query")

    monkeypatch.setitem(webhooks.HANDLERS, "payment_intent.succeeded", database_down)
    event = {"id": "evt_retry", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1"}}}

    assert post_event(client, event).status_code == 200

    row = stored("evt_retry")
    assert row.status == Status.FAILED and "OperationalError" in row.error
    failed = FailedTask.objects.get(task_name="payments.tasks.handle_stripe_event")
    assert failed.kwargs == {"event_id": "evt_retry"} and "OperationalError" in failed.error


def test_an_event_whose_task_was_lost_is_queued_again_by_the_safety_net(monkeypatch):
    """Broker down when the view queued the task: the event stays received, and the beat task resumes it."""
    old = timezone.now() - webhooks.RESUME_AFTER - timedelta(seconds=1)
    for event_id, status in [("evt_lost", Status.RECEIVED), ("evt_done", Status.PROCESSED)]:
        StripeEvent.objects.create(event_id=event_id, type="transfer.created", payload={}, status=status)
    StripeEvent.objects.create(event_id="evt_new", type="transfer.created", payload={})
    StripeEvent.objects.filter(event_id__in=["evt_lost", "evt_done"]).update(received_at=old)

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert resume_stripe_events.delay().get() == 1

    assert stored("evt_lost").status == Status.IGNORED and stored("evt_lost").attempts == 1
    assert stored("evt_new").status == Status.RECEIVED  # its own task may still be on the way


def test_an_ignored_event_redelivered_is_not_handled_again(client, monkeypatch):
    event = {"id": "evt_twice", "type": "transfer.created", "data": {"object": {}}}
    assert post_event(client, event).status_code == 200
    monkeypatch.setitem(webhooks.HANDLERS, "transfer.created", lambda object_id: pytest.fail("handled twice"))

    assert post_event(client, event).status_code == 200
    assert stored("evt_twice").attempts == 1
