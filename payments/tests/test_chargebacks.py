"""Chargebacks: Stripe disputes on our charges, through the webhook, against localstripe.

Stripe opens disputes itself when a cardholder complains, and localstripe cannot: our test-support
extension (devtools/localstripe_connect.py) opens them with `POST /_config/disputes` and closes them
with Stripe's test-mode evidence strings, and records the `charge.dispute.*` events. The events are
then posted to our webhook signed like Stripe's (as the refund tests do); the handler re-reads the
dispute from localstripe, as it would from Stripe.
"""

import random
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from bookings.models import Booking
from notifications.models import Notification
from payments.audit import ledger_audit
from payments.models import Chargeback, LedgerEntry, StripeEvent, Transfer
from payments.selectors import booking_balance, provider_balance
from payments.services.chargebacks import chargeback_sync
from payments.services.payouts import payouts_run
from payments.services.release import escrow_auto_release
from payments.stripe_gateway import PaymentServiceUnavailable, stripe_client
from payments.tests.conftest import LIST_ALL, walk
from payments.tests.test_webhooks import post_event
from servizo.testing.stripe import _free_port

pytestmark = pytest.mark.django_db
S = Booking.Status
K = LedgerEntry.Kind
O = Chargeback.Outcome  # noqa: E741


def open_dispute(localstripe, booking: Booking, **fields) -> str:
    charge = booking.payments.get(status="succeeded").charge_id
    response = requests.post(f"{localstripe.base_url}/_config/disputes", data={"charge": charge, **fields}, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()["id"]


def decide(dispute_id: str, evidence: str) -> None:
    """Stripe's test mode: evidence "winning_evidence" / "losing_evidence" closes the dispute won / lost."""
    stripe_client().v1.disputes.update(dispute_id, {"evidence": {"uncategorized_text": evidence}})


def dispute_events(dispute_id: str) -> list[dict]:
    events = [e.to_dict() for e in stripe_client().v1.events.list({"limit": LIST_ALL}).data]
    return [e for e in events if e["data"]["object"].get("id") == dispute_id]


def deliver(client, dispute_id: str) -> None:
    for event in dispute_events(dispute_id):
        assert post_event(client, event).status_code == 200


def ledger(booking: Booking) -> dict[str, int]:
    totals: dict[str, int] = {}
    for entry in LedgerEntry.objects.filter(booking=booking):
        totals[entry.kind] = totals.get(entry.kind, 0) + entry.amount_cents
    return totals


def paid_out(booking: Booking) -> Booking:
    summary = payouts_run()
    assert summary.transfers == 1
    return booking


def test_open_holds_the_release_and_a_win_lets_it_go_on(client, localstripe, paid_booking, finance_user):
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED)
    dispute = open_dispute(localstripe, booking)

    deliver(client, dispute)

    chargeback = Chargeback.objects.get(stripe_dispute_id=dispute)
    assert (chargeback.outcome, chargeback.amount_cents) == (O.OPEN, 12000)
    assert ledger(booking)[K.CHARGEBACK_WITHDRAWN] == 12000
    assert booking_balance(booking_id=booking.pk).held == 12000  # escrow untouched while the bank decides
    later = timezone.now() + timedelta(days=30)
    assert escrow_auto_release(cutoff=later) == (0, 0)  # the open chargeback keeps it out of the release
    assert Notification.objects.filter(recipient=finance_user, kind="chargeback").count() == 1
    assert Notification.objects.filter(recipient=booking.provider, text__contains="disputed").count() == 1

    decide(dispute, "winning_evidence")
    deliver(client, dispute)

    chargeback.refresh_from_db()
    assert chargeback.outcome == O.WON
    assert ledger(booking)[K.CHARGEBACK_REINSTATED] == 12000
    assert escrow_auto_release(cutoff=later) == (1, 0)
    booking.refresh_from_db()
    assert booking.status == S.COMPLETED
    assert ledger(booking)[K.RELEASE_PROVIDER] == 9600
    assert Notification.objects.filter(recipient=finance_user, kind="chargeback").count() == 2
    assert list(ledger_audit()) == []


def test_lost_while_in_escrow_leaves_nothing_held(client, localstripe, paid_booking, finance_user):
    dispute = open_dispute(localstripe, paid_booking)
    decide(dispute, "losing_evidence")

    deliver(client, dispute)

    assert Chargeback.objects.get().outcome == O.LOST
    totals = ledger(paid_booking)
    assert (totals[K.CHARGEBACK_WITHDRAWN], totals[K.CHARGEBACK_LOST]) == (12000, 12000)
    assert K.CHARGEBACK_REINSTATED not in totals
    assert booking_balance(booking_id=paid_booking.pk).held == 0
    assert provider_balance(provider=paid_booking.provider).held == 0
    assert list(ledger_audit()) == []


def test_payout_waits_for_an_open_chargeback(client, localstripe, completed_booking):
    dispute = open_dispute(localstripe, completed_booking)
    deliver(client, dispute)

    assert payouts_run().transfers == 0
    assert not Transfer.objects.exists()

    decide(dispute, "winning_evidence")
    deliver(client, dispute)

    assert payouts_run().transfers == 1
    assert list(ledger_audit()) == []


def test_lost_after_payout_takes_the_providers_share_back_from_the_transfer(client, localstripe, completed_booking):
    booking = paid_out(completed_booking)
    dispute = open_dispute(localstripe, booking, amount=6000)
    decide(dispute, "losing_evidence")

    deliver(client, dispute)

    # Kept: 12000 - 6000 = 6000, split 4800 / 1200; the provider had 9600, so 4800 is reversed.
    totals = ledger(booking)
    assert totals[K.CHARGEBACK_LOST] == 6000
    assert (totals[K.RELEASE_PROVIDER], totals[K.RELEASE_COMMISSION]) == (4800, 1200)
    assert totals[K.REVERSAL] == 4800
    chargeback = Chargeback.objects.get()
    assert chargeback.reversal_cents == 4800 and chargeback.stripe_reversal_id
    [transfer] = stripe_client().v1.transfers.list({"transfer_group": f"booking-{booking.pk}"}).data
    assert transfer.amount_reversed == 4800
    money = provider_balance(provider=booking.provider)
    assert (money.available, money.paid_out) == (0, 4800)
    assert list(ledger_audit()) == []


def test_events_replayed_and_shuffled_converge(client, localstripe, completed_booking):
    booking = paid_out(completed_booking)
    dispute = open_dispute(localstripe, booking)
    stripe_client().v1.disputes.update(dispute, {"evidence": {"product_description": "Plumbing, done"}})
    decide(dispute, "losing_evidence")
    events = dispute_events(dispute)
    assert {e["type"] for e in events} == {
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
    }

    batch = events * 3
    random.Random(7).shuffle(batch)
    for event in batch:
        assert post_event(client, event).status_code == 200

    assert StripeEvent.objects.filter(status=StripeEvent.Status.PROCESSED).count() == len(events)
    entries = LedgerEntry.objects.filter(booking=booking, kind__startswith="chargeback")
    assert sorted(entries.values_list("kind", "amount_cents")) == [
        (K.CHARGEBACK_LOST, 12000),
        (K.CHARGEBACK_WITHDRAWN, 12000),
    ]
    assert ledger(booking)[K.REVERSAL] == 9600
    assert (
        len(
            stripe_client()
            .v1.transfers.reversals.list(
                stripe_client().v1.transfers.list({"transfer_group": f"booking-{booking.pk}"}).data[0].id
            )
            .data
        )
        == 1
    )
    assert list(ledger_audit()) == []


def test_stripe_down_during_the_reversal_is_finished_by_the_retry(client, localstripe, completed_booking, settings):
    booking = paid_out(completed_booking)
    dispute_id = open_dispute(localstripe, booking)
    decide(dispute_id, "losing_evidence")
    dispute = stripe_client().v1.disputes.retrieve(dispute_id)
    payment = booking.payments.get(status="succeeded")
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{_free_port()}"  # Stripe unreachable

    with pytest.raises(PaymentServiceUnavailable):
        chargeback_sync(dispute=dispute, payment=payment)

    chargeback = Chargeback.objects.get()
    assert (chargeback.outcome, chargeback.reversal_cents, chargeback.stripe_reversal_id) == (O.LOST, 9600, "")
    assert K.REVERSAL not in ledger(booking)  # recorded only once Stripe has made it

    settings.STRIPE_API_BASE = localstripe.base_url
    deliver(client, dispute_id)  # Stripe's retry of the event

    chargeback.refresh_from_db()
    assert chargeback.stripe_reversal_id
    assert ledger(booking)[K.REVERSAL] == 9600
    assert list(ledger_audit()) == []


def test_an_inquiry_moves_no_money_and_tells_finance_only(client, localstripe, paid_booking, finance_user):
    dispute = open_dispute(localstripe, paid_booking, status="warning_needs_response")

    deliver(client, dispute)

    assert Chargeback.objects.get().outcome == O.INQUIRY
    assert not LedgerEntry.objects.filter(booking=paid_booking, kind__startswith="chargeback").exists()
    assert Notification.objects.filter(recipient=finance_user, kind="chargeback").count() == 1
    assert not Notification.objects.filter(recipient=paid_booking.provider, text__contains="bank").exists()


def test_audit_reports_a_dispute_whose_webhook_was_missed(localstripe, paid_booking):
    dispute = open_dispute(localstripe, paid_booking)

    assert list(ledger_audit()) == [
        (paid_booking.pk, f"Stripe dispute {dispute} is needs_response, ours is not recorded (a webhook was missed?)")
    ]
