import json
import random
import time

import pytest
from django.conf import settings
from django.test import TestCase
from django.urls import reverse

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from payments.models import LedgerEntry, Payment, StripeEvent
from payments.services import checkout
from payments.services.checkout import payment_start
from payments.stripe_gateway import metadata_of, stripe_client
from payments.tests.conftest import DECLINED_WHEN_CHARGED, LIST_ALL, WEBHOOK_URL, post_webhook, sign_webhook
from servizo.models import FailedTask

pytestmark = pytest.mark.django_db
S = Booking.Status
URL = WEBHOOK_URL


def post_event(client, event: dict, **sign_kwargs):
    return post_webhook(client, json.dumps(event).encode(), **sign_kwargs)


def events_for(intent_id: str) -> list[dict]:
    """The events localstripe generated for a PaymentIntent (as Stripe would send them)."""
    events = [e.to_dict() for e in stripe_client().v1.events.list({"limit": LIST_ALL}).data]
    return [e for e in events if e["data"]["object"].get("id") == intent_id]


def charge_unrecorded(booking: Booking, save_card, monkeypatch):
    """Stripe charges the card but our response is lost: only the webhook (or a read-back) can tell us.
    Returns Stripe's PaymentIntent."""
    method = save_card(booking.customer)
    monkeypatch.setattr(checkout, "payment_record_intent", lambda **kwargs: None)
    payment_start(booking_id=booking.pk, customer=booking.customer, payment_method_id=method)
    monkeypatch.undo()
    payment = booking.payments.get()
    return next(
        i
        for i in stripe_client().v1.payment_intents.list({"limit": LIST_ALL}).data
        if metadata_of(i).get("payment_id") == str(payment.pk)
    )


@pytest.fixture
def paid_unrecorded(save_card, monkeypatch):
    booking = BookingFactory()
    return booking, charge_unrecorded(booking, save_card, monkeypatch)


def test_url_is_the_contract():
    assert reverse("payments:webhook") == URL


def test_payment_succeeded_event_schedules_the_booking(client, paid_unrecorded):
    booking, intent = paid_unrecorded
    [event] = [e for e in events_for(intent.id) if e["type"] == "payment_intent.succeeded"]

    response = post_event(client, event)

    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.status == S.SCHEDULED
    assert StripeEvent.objects.get(event_id=event["id"]).status == StripeEvent.Status.PROCESSED


def test_replayed_ten_times_the_event_counts_once(client, paid_unrecorded):
    booking, intent = paid_unrecorded
    [event] = [e for e in events_for(intent.id) if e["type"] == "payment_intent.succeeded"]

    for _ in range(10):
        assert post_event(client, event).status_code == 200

    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    assert LedgerEntry.objects.filter(booking=booking).count() == 1
    assert booking.events.filter(to_status=S.SCHEDULED).count() == 1


def test_shuffled_and_duplicated_events_reach_the_same_final_state(client, pay, paid_unrecorded):
    """A declined attempt's failure event and the later success, delivered out of order, many times."""
    booking, intent = paid_unrecorded
    declined = BookingFactory()
    with pytest.raises(checkout.PaymentDeclined):
        pay(declined, DECLINED_WHEN_CHARGED)
    failed_intent = next(
        i
        for i in stripe_client().v1.payment_intents.list({"limit": LIST_ALL}).data
        if metadata_of(i).get("booking_id") == str(declined.pk)
    )
    events = events_for(intent.id) + events_for(failed_intent.id)
    deliveries = events * 5
    random.Random(4).shuffle(deliveries)

    for event in deliveries:
        assert post_event(client, event).status_code == 200

    booking.refresh_from_db()
    declined.refresh_from_db()
    assert booking.status == S.SCHEDULED and declined.status == S.AWAITING_PAYMENT
    assert booking.payments.get().status == Payment.Status.SUCCEEDED
    assert declined.payments.get().status == Payment.Status.FAILED
    assert LedgerEntry.objects.filter(booking__in=[booking, declined]).count() == 1
    assert StripeEvent.objects.count() == len(events)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda body, header: (body.replace(b"succeeded", b"succeedee"), header), id="body-changed"),
        pytest.param(lambda body, header: (body, header.replace("v1=", "v1=0")), id="signature-changed"),
        pytest.param(lambda body, header: (body, sign_webhook(body, secret="whsec_attacker")), id="wrong-secret"),
        pytest.param(lambda body, header: (body, sign_webhook(body, timestamp=int(time.time()) - 3600)), id="stale"),
        pytest.param(lambda body, header: (body, ""), id="unsigned"),
    ],
)
def test_tampered_or_stale_events_are_rejected(client, paid_unrecorded, tamper):
    booking, intent = paid_unrecorded
    [event] = [e for e in events_for(intent.id) if e["type"] == "payment_intent.succeeded"]
    body = json.dumps(event).encode()
    body, header = tamper(body, sign_webhook(body))

    response = client.post(URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    booking.refresh_from_db()
    assert booking.status == S.AWAITING_PAYMENT


def test_forged_event_body_is_not_trusted(client, save_card):
    """Even a correctly signed event is only a hint: the handler re-reads the PaymentIntent."""
    booking = BookingFactory()
    card = save_card(booking.customer)
    intent = stripe_client().v1.payment_intents.create(
        {"amount": 100, "currency": "usd", "payment_method": card, "metadata": {"booking_id": str(booking.pk)}}
    )  # never confirmed
    payment = Payment.objects.create(
        booking=booking, attempt=1, amount_cents=12000, currency="usd", payment_method_id=card,
        payment_intent_id=intent.id, status=Payment.Status.REQUIRES_ACTION, idempotency_key="forged-test",
    )  # fmt: skip
    event = {
        "id": "evt_forged",
        "type": "payment_intent.succeeded",
        "data": {"object": {"id": intent.id, "status": "succeeded", "metadata": {"payment_id": str(payment.pk)}}},
    }

    assert post_event(client, event).status_code == 200

    booking.refresh_from_db()
    assert booking.status == S.AWAITING_PAYMENT


def test_unknown_event_types_are_stored_and_ignored(client):
    event = {"id": "evt_other", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}

    assert post_event(client, event).status_code == 200

    assert StripeEvent.objects.get(event_id="evt_other").status == StripeEvent.Status.IGNORED


def test_a_handler_that_keeps_failing_is_listed_for_staff_who_retry_it(
    client, localstripe, paid_unrecorded, finance_user
):
    """Given Stripe down while the worker handles an event, when staff retry it from the failed-task admin once
    Stripe is back, then the booking is scheduled; Stripe itself got a 200 at once and never had to retry."""
    booking, intent = paid_unrecorded
    [event] = [e for e in events_for(intent.id) if e["type"] == "payment_intent.succeeded"]
    localstripe.stop()

    assert post_event(client, event).status_code == 200

    stored = StripeEvent.objects.get(event_id=event["id"])
    assert stored.status == StripeEvent.Status.FAILED and "Unavailable" in stored.error
    failed = FailedTask.objects.get(task_name="payments.tasks.handle_stripe_event")
    assert failed.kwargs == {"event_id": event["id"]} and "Unavailable" in failed.error

    localstripe.start()
    client.force_login(finance_user)
    changelist = reverse("admin:servizo_failedtask_changelist")
    assert event["id"] in client.get(changelist).content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(changelist, {"action": "retry", "_selected_action": [failed.pk]}, follow=True)

    assert "1 task queued again" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == S.SCHEDULED
    assert StripeEvent.objects.get(event_id=event["id"]).status == StripeEvent.Status.PROCESSED
    failed.refresh_from_db()
    assert failed.status == FailedTask.Status.RETRIED and failed.retried_at is not None


@pytest.mark.django_db(transaction=True)
def test_localstripe_delivers_signed_events_to_the_live_endpoint(
    seeded_categories, live_server, localstripe, save_card, monkeypatch
):
    """The real path: localstripe signs and POSTs payment_intent.succeeded to our URL (~1 s later)."""
    localstripe.register_webhook("servizo", f"{live_server.url}{URL}", settings.STRIPE_WEBHOOK_SECRET)
    booking = BookingFactory()
    method = save_card(booking.customer)
    monkeypatch.setattr(checkout, "payment_record_intent", lambda **kwargs: None)  # only the webhook may tell us
    payment_start(booking_id=booking.pk, customer=booking.customer, payment_method_id=method)
    monkeypatch.undo()

    def wait_for(condition) -> bool:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not condition():
            time.sleep(0.2)
        return condition()

    assert wait_for(lambda: Booking.objects.get(pk=booking.pk).status == S.SCHEDULED)
    intent_id = booking.payments.get().payment_intent_id
    assert wait_for(
        StripeEvent.objects.filter(
            type="payment_intent.succeeded", status=StripeEvent.Status.PROCESSED, payload__data__object__id=intent_id
        ).exists
    )


def test_transfer_event_records_a_payout_a_crashed_run_left_pending(client, completed_booking, monkeypatch):
    from payments.models import Transfer
    from payments.services import payouts

    def die(**kwargs):
        raise KeyboardInterrupt("killed before recording")

    monkeypatch.setattr(payouts, "transfers_record", die)
    with pytest.raises(KeyboardInterrupt):
        payouts.payouts_run()
    monkeypatch.undo()
    [transfer] = stripe_client().v1.transfers.list({"transfer_group": f"booking-{completed_booking.pk}"}).data
    [event] = [e for e in events_for(transfer.id) if e["type"] == "transfer.created"]

    assert post_event(client, event).status_code == 200

    row = Transfer.objects.get(booking=completed_booking)
    assert row.status == Transfer.Status.PAID and row.stripe_transfer_id == transfer.id
    assert LedgerEntry.objects.filter(booking=completed_booking, kind="payout").count() == 1


def test_refund_event_finishes_a_decision_whose_answer_was_lost(client, paid_booking, staff_user, monkeypatch):
    """localstripe sends no refund events, so this one is built here (signed like Stripe's)."""
    from payments.models import Settlement
    from payments.services import settlements
    from payments.tests.conftest import walk

    booking = walk(paid_booking, S.CANCELLED)
    monkeypatch.setattr(settlements, "_settlement_record", lambda **kwargs: None)
    settlements.settlement_create(booking_id=booking.pk, decision="refund_all", reason="Lost", actor=staff_user)
    monkeypatch.undo()
    intent = booking.payments.get(status="succeeded").payment_intent_id
    [refund] = stripe_client().v1.refunds.list({"payment_intent": intent}).data
    event = {"id": "evt_refund_1", "type": "refund.created", "data": {"object": {"id": refund.id}}}

    assert post_event(client, event).status_code == 200

    assert Settlement.objects.get().status == Settlement.Status.SUCCEEDED
    booking.refresh_from_db()
    assert booking.status == S.REFUNDED
    assert [r.id for r in stripe_client().v1.refunds.list({"payment_intent": intent}).data] == [refund.id]
