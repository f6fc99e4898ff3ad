"""Ledger audit: every booking's money adds up, nothing is negative, Stripe agrees (charges, refunds, transfers,
disputes), chargebacks are in the ledger, no payout is half-recorded,
the ledger rollups equal the ledger and the maintained provider balances equal the ledger's sums.

`manage.py audit_ledger` prints the problems; the nightly task (payments.tasks.audit_ledger) emails them to Finance."""

import logging
from collections.abc import Iterator
from datetime import datetime

import stripe
from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone

from bookings.models import Booking
from notifications.outbox import email_send
from payments.models import Chargeback, LedgerEntry, Payment, ProviderBalance, Transfer, transfer_group_for
from payments.selectors import (
    BookingBalance,
    ProviderMoney,
    bookings_with_money,
    finance_alert_emails,
    provider_balances_from_ledger,
)
from payments.services.chargebacks import chargeback_outcome
from payments.services.rollup import ROLLUP_KEYS, rollup_from_ledger
from payments.stripe_gateway import object_id, stripe_client, stripe_errors
from servizo.money import split_amount

logger = logging.getLogger(__name__)
ALERT_MAX_LINES = 200  # an alert lists this many; the command shows them all


def _ledger_problems(booking: Booking, balance: BookingBalance) -> Iterator[str]:
    for name in ("held", "released_provider", "released_commission", "refunded", "paid_out"):
        if getattr(balance, name) < 0:
            yield f"{name} is negative ({getattr(balance, name)})"
    if balance.paid_out > balance.released_provider:
        yield f"paid out {balance.paid_out} is more than released to the provider {balance.released_provider}"
    if balance.held and not booking.holds_money:
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


def _transfer_problems(booking: Booking, balance: BookingBalance, row: Transfer | None) -> Iterator[str]:
    """Every Stripe transfer of the booking's group must be our PAID row, and agree with the ledger.

    A transfer Stripe made that we did not record is what a payouts run leaves when it dies between
    Stripe's answer and the database write (`manage.py payouts` adopts and records it). It is reported
    at once; while a payouts run is in progress, its latest transfers may show here for a moment.
    """
    with stripe_errors():
        remote = stripe_client().v1.transfers.list({"transfer_group": transfer_group_for(booking.pk), "limit": 100})
    paid = row if row is not None and row.status == Transfer.Status.PAID else None
    for transfer in remote.data:
        if paid is None or transfer.id != paid.stripe_transfer_id:
            yield (
                f"Stripe transfer {transfer.id} of {transfer.amount} is not in the ledger "
                f"(our transfer row is {row.status if row else 'missing'}); run `manage.py payouts` to record it"
            )
        elif transfer.amount != balance.payouts or transfer.amount_reversed != balance.reversals:
            yield (
                f"Transfer {transfer.id} is {transfer.amount} (reversed {transfer.amount_reversed}), "
                f"ledger {balance.payouts} (reversed {balance.reversals})"
            )
    if paid is None and balance.payouts:
        yield f"ledger has payouts of {balance.payouts} but no paid transfer"
    elif paid is not None and paid.stripe_transfer_id not in {t.id for t in remote.data}:
        yield f"paid transfer {paid.stripe_transfer_id} is not among Stripe's transfers for this booking"


CHARGEBACK_KINDS = (LedgerEntry.Kind.CHARGEBACK_WITHDRAWN, LedgerEntry.Kind.CHARGEBACK_REINSTATED)


def _chargeback_problems(balance: BookingBalance, chargebacks: list[Chargeback], cash: dict[str, int]) -> Iterator[str]:
    """The ledger's chargeback rows must match our Chargeback rows (payments.services.chargebacks' rule)."""
    O = Chargeback.Outcome  # noqa: E741
    want = {
        LedgerEntry.Kind.CHARGEBACK_WITHDRAWN: sum(c.amount_cents for c in chargebacks if c.outcome != O.INQUIRY),
        LedgerEntry.Kind.CHARGEBACK_REINSTATED: sum(c.amount_cents for c in chargebacks if c.outcome == O.WON),
    }
    for kind, amount in want.items():
        if cash.get(kind, 0) != amount:
            yield f"ledger {kind} is {cash.get(kind, 0)}, its chargebacks make it {amount}"
    lost = sum(c.amount_cents for c in chargebacks if c.outcome == O.LOST)
    if balance.charged_back != lost:
        yield f"ledger lost {balance.charged_back} to chargebacks, its lost chargebacks are {lost}"


def _stripe_dispute_problems(payment: Payment | None, chargebacks: list[Chargeback]) -> Iterator[str]:
    """Every Stripe dispute on the booking's charge must be ours, with the same outcome."""
    if payment is None:
        return
    with stripe_errors():
        disputes = stripe_client().v1.disputes.list({"payment_intent": payment.payment_intent_id, "limit": 100})
    ours = {c.stripe_dispute_id: c for c in chargebacks}
    for dispute in disputes.data:
        row = ours.get(dispute.id)
        if row is None or row.outcome != chargeback_outcome(dispute.status):
            have = row.outcome if row else "not recorded"
            yield f"Stripe dispute {dispute.id} is {dispute.status}, ours is {have} (a webhook was missed?)"


def _stale_transfer_problems(row: Transfer | None, *, now: datetime) -> Iterator[str]:
    """A row PENDING longer than any payouts run holds one (PAYOUT_PENDING_MAX_AGE) is unfinished business."""
    if (
        row is not None
        and row.status == Transfer.Status.PENDING
        and row.updated_at < now - settings.PAYOUT_PENDING_MAX_AGE
    ):
        yield (
            f"transfer row {row.pk} is still pending since {row.updated_at:%Y-%m-%d %H:%M} UTC "
            f"(a payouts run died or could not reach Stripe); run `manage.py payouts` to finish it"
        )


def ledger_audit(*, check_stripe: bool = True, chunk_size: int = 500) -> Iterator[tuple[int, str]]:
    """Yield (booking id, problem) for every discrepancy, streaming bookings by primary key."""
    after = 0
    while True:
        chunk = list(
            bookings_with_money(
                Booking.objects.filter(Exists(LedgerEntry.objects.filter(booking=OuterRef("pk"))), pk__gt=after)
            ).order_by("pk")[:chunk_size]
        )
        if not chunk:
            return
        after = chunk[-1].pk
        payments = {p.booking_id: p for p in Payment.objects.filter(booking__in=chunk, status=Payment.Status.SUCCEEDED)}
        transfers = {t.booking_id: t for t in Transfer.objects.filter(booking__in=chunk)}
        chargebacks: dict[int, list[Chargeback]] = {}
        for chargeback in Chargeback.objects.filter(booking__in=chunk):
            chargebacks.setdefault(chargeback.booking_id, []).append(chargeback)
        cash: dict[int, dict[str, int]] = {}
        for row in (
            LedgerEntry.objects.filter(booking__in=chunk, kind__in=CHARGEBACK_KINDS)
            .values("booking_id", "kind")
            .annotate(total=Sum("amount_cents"))
            .order_by()
        ):
            cash.setdefault(row["booking_id"], {})[row["kind"]] = row["total"]
        now = timezone.now()
        for booking in chunk:
            balance = BookingBalance.of(booking)
            row = transfers.get(booking.pk)
            problems = list(_ledger_problems(booking, balance)) + list(_stale_transfer_problems(row, now=now))
            booking_chargebacks = chargebacks.get(booking.pk, [])
            problems += _chargeback_problems(balance, booking_chargebacks, cash.get(booking.pk, {}))
            if check_stripe:
                try:
                    problems += list(_stripe_problems(booking, balance, payments.get(booking.pk)))
                    problems += list(_transfer_problems(booking, balance, row))
                    problems += list(_stripe_dispute_problems(payments.get(booking.pk), booking_chargebacks))
                except stripe.StripeError as error:
                    problems.append(f"Stripe: {error.user_message or error}")
            for problem in problems:
                yield booking.pk, problem


def rollup_audit() -> Iterator[str]:
    """Yield each rollup row (LedgerDaily, ProviderLedgerMonthly) that differs from the ledger, or is missing.

    Recomputes both rollups from the ledger with one grouped query each and compares every key
    (amount and row count); a key with no ledger rows must have no rollup row either.
    """
    for model, expected in rollup_from_ledger(LedgerEntry).items():
        names = ROLLUP_KEYS[model]
        actual = {
            tuple(row[name] for name in names): (row["amount_cents"], row["entries"])
            for row in model.objects.values(*names, "amount_cents", "entries")
        }
        for key in sorted(expected.keys() | actual.keys(), key=str):
            want, have = expected.get(key, (0, 0)), actual.get(key)
            if have != want and not (have is None and want == (0, 0)):
                where = ", ".join(f"{name}={value}" for name, value in zip(names, key, strict=True))
                yield (f"{model.__name__} {where}: rollup has {have or 'no row'} (amount, rows), ledger has {want}")


def balance_audit() -> Iterator[tuple[int, str]]:
    """Yield (provider id, problem) for every ProviderBalance row that is not what the ledger sums to."""
    expected = provider_balances_from_ledger(LedgerEntry.objects.all())
    stored = {
        (row.provider_id, row.currency): ProviderMoney(row.held_cents, row.available_cents, row.paid_out_cents)
        for row in ProviderBalance.objects.all()
    }
    zero = ProviderMoney(0, 0, 0)
    for provider_id, currency in sorted(expected.keys() | stored.keys()):
        have, want = stored.get((provider_id, currency), zero), expected.get((provider_id, currency), zero)
        if have != want:
            yield (
                provider_id,
                f"maintained balance in {currency} is held {have.held} / available {have.available} / "
                f"paid out {have.paid_out}, the ledger sums to {want.held} / {want.available} / {want.paid_out}",
            )


def audit_problems(*, check_stripe: bool = True) -> list[str]:
    """Every discrepancy of the three audits, one line each (`manage.py audit_ledger` and the nightly task)."""
    return [
        *(f"booking {booking_id}: {problem}" for booking_id, problem in ledger_audit(check_stripe=check_stripe)),
        *(f"rollup: {problem}" for problem in rollup_audit()),
        *(f"provider {provider_id}: {problem}" for provider_id, problem in balance_audit()),
    ]


def audit_alert_finance(*, problems: list[str]) -> None:
    """Email the discrepancies to Finance: FINANCE_EMAILS and every active staff member in the Finance group."""
    recipients = finance_alert_emails()
    if not recipients:
        logger.error("The ledger audit found %s discrepancies and nobody in Finance to tell", len(problems))
        return
    shown = problems[:ALERT_MAX_LINES]
    more = (
        f"\n... and {len(problems) - len(shown)} more: run `manage.py audit_ledger`." if problems[len(shown) :] else ""
    )
    email_send(
        message=EmailMessage(
            subject=f"[Servizo] Ledger audit: {len(problems)} discrepancies",
            body="The nightly ledger audit found:\n\n" + "\n".join(shown) + more,
            to=recipients,
        )
    )
