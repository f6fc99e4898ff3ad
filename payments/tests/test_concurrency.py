"""Money writes racing each other, on whichever database the suite runs on (`make test` runs both).

On SQLite these used to fail with "database is locked" (a 500): a transaction that had read began
writing after another writer committed. IMMEDIATE transactions with a busy timeout make them queue.
"""

import json
from functools import partial

import pytest
from django.db import connection, transaction
from django.test import Client

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from payments.models import LedgerEntry, Payment, Settlement, StripeEvent
from payments.selectors import provider_balance
from payments.services.balances import balance_row_open
from payments.services.checkout import payment_sync
from payments.services.ledger import ledger_record
from payments.services.settlements import settlement_create
from payments.tests.conftest import walk
from payments.tests.test_webhooks import URL, charge_unrecorded, events_for, sign_webhook
from servizo.exceptions import DomainError
from servizo.testing.concurrency import race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded_categories")]
S = Booking.Status
ROUNDS = 3


def _post_webhook(body: bytes) -> int:
    response = Client().post(URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign_webhook(body))
    return response.status_code


def test_webhook_and_the_pay_read_back_at_once_hold_escrow_once(save_card, monkeypatch):
    for _ in range(ROUNDS):
        # Given Stripe charged the card and our answer was lost (only the read-back or the webhook can tell us)
        booking = BookingFactory()
        intent = charge_unrecorded(booking, save_card, monkeypatch)
        payment = booking.payments.get()
        payment.payment_intent_id = intent.id
        payment.status = Payment.Status.PROCESSING
        payment.save()
        [event] = [e for e in events_for(intent.id) if e["type"] == "payment_intent.succeeded"]
        body = json.dumps(event).encode()

        # When the webhook (twice) and the customer's return page read it back at the same moment
        results = race(
            [
                partial(_post_webhook, body),
                partial(payment_sync, booking_id=booking.pk),
                partial(_post_webhook, body),
                partial(payment_sync, booking_id=booking.pk),
            ]
        )

        # Then nobody failed and the money is held exactly once
        assert [r for r in results if isinstance(r, Exception)] == []
        assert results[0] == results[2] == 200
        booking.refresh_from_db()
        assert booking.status == S.SCHEDULED
        assert LedgerEntry.objects.filter(booking=booking, kind=LedgerEntry.Kind.CHARGE_ESCROW).count() == 1
        assert booking.events.filter(to_status=S.SCHEDULED).count() == 1
        assert StripeEvent.objects.get(event_id=event["id"]).status == StripeEvent.Status.PROCESSED


def test_two_settle_posts_at_once_make_one_decision(pay, staff_user):
    for _ in range(ROUNDS):
        booking = BookingFactory()
        pay(booking)
        walk(booking, S.CANCELLED)
        settle = partial(
            settlement_create, booking_id=booking.pk, decision="refund_all", reason="Cancelled", actor=staff_user
        )

        results = race([settle, settle])

        assert sum(isinstance(r, Settlement) for r in results) == 1, results
        assert sum(isinstance(r, DomainError) for r in results) == 1, results
        assert Settlement.objects.get(booking=booking).status == Settlement.Status.SUCCEEDED
        booking.refresh_from_db()
        assert booking.status == S.REFUNDED
        assert LedgerEntry.objects.filter(booking=booking, kind=LedgerEntry.Kind.REFUND).count() == 1


@pytest.mark.skipif(connection.vendor != "mysql", reason="row locks: MariaDB")
def test_concurrent_ledger_writes_for_one_provider_add_up_in_the_maintained_balance(provider):
    """Bookings of one provider paid at once add up exactly in the row opened when the bookings were made."""
    bookings = [BookingFactory(provider=provider, status=S.SCHEDULED, price_cents=10000) for _ in range(6)]
    balance_row_open(provider_id=provider.pk, currency="usd")  # as booking_accept_offer's hook does

    def charge(booking):
        def write():
            with transaction.atomic():
                ledger_record(
                    booking=booking, kind="charge_escrow", amount_cents=10000, idempotency_key=f"race-{booking.pk}"
                )

        return write

    for round_ in (bookings[:3], bookings[3:]):
        assert race([charge(booking) for booking in round_]) == [None, None, None]

    assert provider_balance(provider=provider).held == 6 * 8000
