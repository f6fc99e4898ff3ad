"""Chargebacks (Stripe disputes): what happens to a booking's money when the cardholder disputes the charge.

The rule (also in the README, "Chargebacks"):
- Opened (a dispute, not an inquiry): Stripe withdraws the disputed amount from the platform's balance
  at once: a CHARGEBACK_WITHDRAWN row. While the bank decides, nothing the provider has not been paid
  yet moves: the booking's automatic escrow release and its payout wait. The provider keeps what was
  already transferred to them, for now.
- Won: Stripe reinstates the funds (CHARGEBACK_REINSTATED) and the booking carries on as before.
- Lost: the amount went back to the cardholder, like a refund made by the bank: a CHARGEBACK_LOST row,
  then the settlement rule on what is left (kept = paid - refunded - lost, split at the booking's
  commission rate, so the platform gives up its commission on the lost part too): released shares are
  adjusted down, and what the provider was already paid above their new share is reversed from their
  transfer.
- Inquiries (`warning_*` statuses) withdraw nothing and only notify Finance.
Finance is told of every change; the provider when their share waits or is taken back.

Stripe's dispute object is re-read for every event (the event body is only a hint), and each ledger row
is keyed by the dispute id, so replayed or shuffled events converge on Stripe's current state. The
transfer reversal is a Stripe call made after the ledger is recorded (its key is the dispute's id): if
Stripe is down, the event fails, Stripe retries it, and the retry finishes the reversal only.
"""

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from bookings.locks import lock_booking
from bookings.models import Booking
from bookings.services import booking_note_add, stored_text_language
from notifications.services import notification_create
from payments.models import Chargeback, LedgerEntry, Payment, Transfer
from payments.selectors import booking_balance
from payments.services.ledger import ledger_record
from payments.stripe_gateway import stripe_client, stripe_errors
from servizo.exceptions import DomainError
from servizo.languages import in_language_of
from servizo.money import format_money, split_amount
from servizo.roles import FINANCE, staff_in_role

K = LedgerEntry.Kind
O = Chargeback.Outcome  # noqa: E741

INQUIRY_STATUSES = frozenset({"warning_needs_response", "warning_under_review", "warning_closed"})


class PayoutInProgress(DomainError):
    """A payout for the booking is being made; the chargeback is recorded once it is (the event is retried)."""


def chargeback_outcome(stripe_status: str) -> str:
    """Our outcome for a Stripe dispute status."""
    if stripe_status in INQUIRY_STATUSES:
        return O.INQUIRY
    return {"won": O.WON, "lost": O.LOST}.get(stripe_status, O.OPEN)


def chargeback_sync(*, dispute, payment: Payment) -> Chargeback:
    """Bring the booking's money and our Chargeback row up to Stripe's current `dispute` (idempotent)."""
    outcome = chargeback_outcome(dispute.status)
    with transaction.atomic():
        booking = lock_booking(payment.booking_id)
        chargeback, created = Chargeback.objects.select_for_update().get_or_create(
            stripe_dispute_id=dispute.id,
            defaults={
                "booking": booking,
                "payment": payment,
                "amount_cents": dispute.amount,
                "currency": booking.currency,
                "reason": (dispute.reason or "")[:64],
                "stripe_status": dispute.status,
                "outcome": O.INQUIRY,
            },
        )
        before = chargeback.outcome
        if before in (O.WON, O.LOST):  # closed: Stripe does not reopen a decided dispute
            outcome = before
        key = f"chargeback-{chargeback.stripe_dispute_id}"
        if outcome != O.INQUIRY:
            _ledger(booking, chargeback, K.CHARGEBACK_WITHDRAWN, key)
        if outcome == O.WON:
            _ledger(booking, chargeback, K.CHARGEBACK_REINSTATED, key)
        if outcome == O.LOST:
            _lose(booking, chargeback, key)
        Chargeback.objects.filter(pk=chargeback.pk).update(stripe_status=dispute.status, outcome=outcome)
        chargeback.stripe_status, chargeback.outcome = dispute.status, outcome
        if created or outcome != before:
            _tell(booking, chargeback)
    if chargeback.reversal_cents and not chargeback.stripe_reversal_id:
        _reverse(chargeback)
    return chargeback


def _ledger(booking: Booking, chargeback: Chargeback, kind: str, key: str, amount: int | None = None) -> None:
    ledger_record(
        booking=booking,
        kind=kind,
        amount_cents=chargeback.amount_cents if amount is None else amount,
        idempotency_key=f"{key}-{kind}",
        stripe_object_id=chargeback.stripe_dispute_id,
        note=f"Chargeback ({chargeback.reason or 'no reason given'})",
    )


def _lose(booking: Booking, chargeback: Chargeback, key: str) -> None:
    """The settlement rule on what the booking keeps after the bank returned the disputed amount."""
    if LedgerEntry.objects.filter(idempotency_key=f"{key}-{K.CHARGEBACK_LOST}").exists():
        return
    if Transfer.objects.filter(booking=booking, status=Transfer.Status.PENDING).exists():
        raise PayoutInProgress(f"A payout for booking #{booking.pk} is in progress; the chargeback waits for it.")
    lost = min(chargeback.amount_cents, booking_balance(booking_id=booking.pk).refundable)
    _ledger(booking, chargeback, K.CHARGEBACK_LOST, key, amount=lost)
    if booking.holds_money:  # nothing released yet: the rest stays in escrow and is released as usual
        return
    balance = booking_balance(booking_id=booking.pk)
    provider, commission = split_amount(balance.refundable, booking.commission_rate_bp)
    for kind, amount in (
        (K.RELEASE_PROVIDER, provider - balance.released_provider),  # negative: taken back
        (K.RELEASE_COMMISSION, commission - balance.released_commission),
    ):
        if amount:
            _ledger(booking, chargeback, kind, key, amount=amount)
    reversal = max(0, balance.paid_out - provider)
    if reversal:
        Chargeback.objects.filter(pk=chargeback.pk).update(reversal_cents=reversal)
        chargeback.reversal_cents = reversal


def _reverse(chargeback: Chargeback) -> None:
    """Reverse the lost part from the provider's transfer (Stripe, keyed by the dispute), then record it."""
    transfer = Transfer.objects.get(booking_id=chargeback.booking_id, status=Transfer.Status.PAID)
    with stripe_errors():
        reversal = stripe_client().v1.transfers.reversals.create(
            transfer.stripe_transfer_id,
            {"amount": chargeback.reversal_cents, "metadata": {"chargeback": chargeback.stripe_dispute_id}},
            {"idempotency_key": f"servizo-chargeback-{chargeback.stripe_dispute_id}-reversal"},
        )
    with transaction.atomic():
        booking = lock_booking(chargeback.booking_id)
        _ledger(
            booking, chargeback, K.REVERSAL, f"chargeback-{chargeback.stripe_dispute_id}", chargeback.reversal_cents
        )
        Chargeback.objects.filter(pk=chargeback.pk).update(stripe_reversal_id=reversal.id)
    chargeback.stripe_reversal_id = reversal.id


def _tell(booking: Booking, chargeback: Chargeback) -> None:
    """Finance always; the provider and the timeline when money is withdrawn, reinstated or lost. Each notice
    is in its reader's language; the timeline note in the site's."""
    link = reverse("admin:payments_chargeback_change", args=[chargeback.pk])
    for staff in staff_in_role(FINANCE):
        with in_language_of(staff):
            text = _chargeback_text(booking, chargeback)
        notification_create(recipient=staff, kind="chargeback", text=text, link=link, email=True)
    if chargeback.outcome == O.INQUIRY:
        return
    with stored_text_language():
        booking_note_add(booking_id=booking.pk, actor=None, note=_chargeback_what(chargeback))
    with in_language_of(booking.provider):
        text = _chargeback_text(booking, chargeback)
    notification_create(
        recipient=booking.provider, kind="payment", text=text, link=reverse("payments:earnings"), email=True
    )


def _chargeback_text(booking: Booking, chargeback: Chargeback) -> str:
    return _("Booking #%(booking)s “%(title)s”: %(what)s") % {
        "booking": booking.pk,
        "title": booking.title,
        "what": _chargeback_what(chargeback),
    }


def _chargeback_what(chargeback: Chargeback) -> str:
    """What the bank did, in the active language."""
    amount = format_money(chargeback.amount_cents, chargeback.currency)
    what = {
        O.INQUIRY: _("The cardholder's bank asked about the %(amount)s charge (an inquiry: no funds withdrawn yet)."),
        O.OPEN: _(
            "The cardholder's bank disputed %(amount)s: Stripe withdrew it until the bank decides. "
            "The provider's share of this booking is held meanwhile."
        ),
        O.WON: _(
            "The chargeback of %(amount)s was decided in our favour: the funds are back and the booking "
            "carries on as before."
        ),
        O.LOST: _("The chargeback of %(amount)s was lost: the bank returned it to the cardholder."),
    }[chargeback.outcome] % {"amount": amount}
    if chargeback.outcome == O.LOST and chargeback.reversal_cents:
        reversed_ = format_money(chargeback.reversal_cents, chargeback.currency)
        what += " " + _("%(amount)s is reversed from the provider's payout.") % {"amount": reversed_}
    return what
