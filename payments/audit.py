"""Ledger audit: every booking's money adds up, nothing is negative, and Stripe agrees."""

from collections.abc import Iterator

import stripe

from bookings.models import Booking
from payments.models import Payment, Transfer
from payments.selectors import BookingBalance, bookings_with_money
from payments.split import split_amount
from payments.stripe_gateway import object_id, stripe_client, stripe_errors

S = Booking.Status
HOLDING_STATUSES = {S.SCHEDULED, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.CANCELLED, S.DISPUTED}
FIELDS = ("paid_in", "released_provider", "released_commission", "refunded", "payouts", "reversals")


def _ledger_problems(booking: Booking, balance: BookingBalance) -> Iterator[str]:
    for name in ("held", "released_provider", "released_commission", "refunded", "paid_out"):
        if getattr(balance, name) < 0:
            yield f"{name} is negative ({getattr(balance, name)})"
    if balance.paid_out > balance.released_provider:
        yield f"paid out {balance.paid_out} is more than released to the provider {balance.released_provider}"
    if balance.held and booking.status not in HOLDING_STATUSES:
        yield f"{balance.held} still held on a {booking.status} booking"
    released = balance.released_provider + balance.released_commission
    if (
        not balance.held
        and released
        and split_amount(released, booking.commission_rate_bp)[1] != (balance.released_commission)
    ):
        yield f"commission {balance.released_commission} is not the split of {released}"


def _stripe_problems(booking: Booking, balance: BookingBalance, payment: Payment | None) -> Iterator[str]:
    client = stripe_client()
    if payment is None:
        if balance.paid_in:
            yield f"ledger says {balance.paid_in} paid in but there is no succeeded payment"
        return
    with stripe_errors():
        intent = client.v1.payment_intents.retrieve(payment.payment_intent_id)
        refunds = client.v1.refunds.list({"payment_intent": payment.payment_intent_id, "limit": 100})
    if intent.status != "succeeded" or intent.amount != balance.paid_in:
        yield f"PaymentIntent {intent.id} is {intent.status} for {intent.amount}, ledger paid in {balance.paid_in}"
    if object_id(intent.latest_charge) != payment.charge_id:
        yield f"charge {payment.charge_id} is not the PaymentIntent's charge"
    stripe_refunded = sum(r.amount for r in refunds.data if r.status == "succeeded")
    if stripe_refunded != balance.refunded:
        yield f"Stripe refunded {stripe_refunded}, ledger {balance.refunded}"
    transfer = Transfer.objects.filter(booking=booking, status=Transfer.Status.PAID).first()
    if transfer is not None:
        with stripe_errors():
            remote = client.v1.transfers.retrieve(transfer.stripe_transfer_id)
        if remote.amount != balance.payouts or remote.amount_reversed != balance.reversals:
            yield (
                f"Transfer {remote.id} is {remote.amount} (reversed {remote.amount_reversed}), "
                f"ledger {balance.payouts} (reversed {balance.reversals})"
            )
    elif balance.payouts:
        yield f"ledger has payouts of {balance.payouts} but no paid transfer"


def ledger_audit(*, check_stripe: bool = True, chunk_size: int = 500) -> Iterator[tuple[int, str]]:
    """Yield (booking id, problem) for every discrepancy, streaming bookings by primary key."""
    after = 0
    while True:
        chunk = list(
            bookings_with_money(Booking.objects.filter(pk__gt=after, ledger_entries__isnull=False)).order_by("pk")[
                :chunk_size
            ]
        )
        if not chunk:
            return
        after = chunk[-1].pk
        payments = {p.booking_id: p for p in Payment.objects.filter(booking__in=chunk, status=Payment.Status.SUCCEEDED)}
        for booking in chunk:
            balance = BookingBalance(**{name: getattr(booking, name) for name in FIELDS})
            problems = list(_ledger_problems(booking, balance))
            if check_stripe:
                try:
                    problems += list(_stripe_problems(booking, balance, payments.get(booking.pk)))
                except stripe.StripeError as error:
                    problems.append(f"Stripe: {error.user_message or error}")
            for problem in problems:
                yield booking.pk, problem
