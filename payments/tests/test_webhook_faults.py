"""Signed webhooks that cannot apply here are stored as ignored (with the reason) and answered 200.

Stripe retries any non-2xx for days; only a fault that a retry can cure (database, Stripe down)
may answer 500. Everything else (an object Stripe or we do not know, an unhandled type, a payload
missing its object) is permanent: record why and say 200.
"""

import json

import pytest
from django.db import OperationalError

from bookings.tests.factories import BookingFactory
from payments.models import StripeEvent
from payments.services import webhooks
from payments.stripe_gateway import stripe_client
from payments.tests.conftest import sign_webhook

pytestmark = pytest.mark.django_db
URL = "/payments/stripe/webhook/"
Status = StripeEvent.Status


def post_body(client, body: bytes):
    return client.post(URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign_webhook(body))


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


def test_a_database_fault_still_answers_500_so_stripe_retries(client, monkeypatch):
    def database_down(object_id):
        raise OperationalError("Lost connection to server during query")

    monkeypatch.setitem(webhooks.HANDLERS, "payment_intent.succeeded", database_down)
    event = {"id": "evt_retry", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1"}}}

    assert post_event(client, event).status_code == 500

    row = stored("evt_retry")
    assert row.status == Status.FAILED and "OperationalError" in row.error


def test_an_ignored_event_redelivered_is_not_handled_again(client, monkeypatch):
    event = {"id": "evt_twice", "type": "transfer.created", "data": {"object": {}}}
    assert post_event(client, event).status_code == 200
    monkeypatch.setitem(webhooks.HANDLERS, "transfer.created", lambda object_id: pytest.fail("handled twice"))

    assert post_event(client, event).status_code == 200
    assert stored("evt_twice").attempts == 1
