"""Staff decisions on paid bookings: refund all, release all, or split (partial refund).

Rule (the only one): of what the customer paid and has not had back, `refund_cents` goes back
to the card; the rest ("kept") is split with the booking's snapshot rate, `split_amount(kept)`,
so commission is charged only on what the provider keeps. Amounts already released are
adjusted to the new split (negative RELEASE_* rows); if the provider was already paid out more
than their new share, the difference is reversed from their transfer (REVERSAL).

A settlement is recorded first (PENDING), Stripe is called with idempotency keys from its id
(reversal, then refund; each Stripe id is saved as soon as it exists, so a retry never sends it
again), and the outcome is recorded in one locked transaction with the booking transition
(cancelled/disputed → refunded or resolved) and emails to both parties.

Who decides (servizo/roles.py): Support (`payments.add_settlement`) decides cancelled and disputed
bookings; any other state, and any decision that reverses a paid-out transfer, is Finance's
(`payments.change_settlement`) or a superuser's. Checked here, under the booking's lock.

Stripe down or refusing: the decision stays PENDING and `SettlementPending` says exactly what
happened (nothing moved, or which part did) and how it completes: `settlement_retry` with the same
keys. A staff refund of an active booking cancels it first, in the same transaction that records
the decision, so the booking cannot move on while the money is pending; that cancellation tells
both parties the decision is being processed, and the decision's own message follows once done.

The cancellation policy settles a party's cancellation of a paid booking the same way, with no staff
step: payments.services.cancellations opens an automatic settlement (no actor) with `settlement_open`
and finishes it with `settlement_resume`; the system then moves the booking to refunded or resolved.

Staff decide on the figures the settle page showed: the page sends back `settlement_basis`
(status and money at render time) and `settlement_create` refuses, under the booking lock, a
decision whose basis is no longer current (another settlement, a release or a payout since).
"""

import stripe
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.locks import lock_booking, lock_booking_then
from bookings.models import Booking
from bookings.services import booking_note_add, booking_transition, stored_text_language
from notifications.services import notification_create
from payments.models import LedgerEntry, Payment, Settlement, Transfer
from payments.selectors import BookingBalance, booking_balance
from payments.services.ledger import ledger_record
from payments.services.transitions import settlement_transition
from payments.stripe_gateway import PaymentServiceUnavailable, stripe_client, stripe_errors
from servizo.exceptions import DomainError
from servizo.languages import in_language_of
from servizo.money import format_money, split_amount

S = Booking.Status
D = Settlement.Decision
K = LedgerEntry.Kind
DECIDE_PERMISSION = "payments.add_settlement"  # Support and Finance
DECIDE_ANY_PERMISSION = "payments.change_settlement"  # Finance


class SettlementNotAllowed(DomainError):
    """This staff member may not decide this booking's money (role and booking state)."""


class SettlementPending(DomainError):
    """Stripe did not finish a decision: it is saved as pending and completes on retry."""


def settlement_permission(*, booking_status: str, reversal: bool = False) -> str:
    """The permission a decision on a booking in `booking_status` needs (besides DECIDE_PERMISSION)."""
    # Support decides bookings needing a decision (short of reversing a payout); every other one is Finance's.
    if booking_status in Booking.NEEDS_DECISION and not reversal:
        return DECIDE_PERMISSION
    return DECIDE_ANY_PERMISSION


def settlement_may_decide(*, user: User, booking_status: str, reversal: bool = False) -> bool:
    """May this user decide (or finish a pending decision on) a booking in this state?"""
    needed = settlement_permission(booking_status=booking_status, reversal=reversal)
    return user.is_active and user.is_staff and user.has_perm(DECIDE_PERMISSION) and user.has_perm(needed)


def _check_may_decide(*, actor: User, booking: Booking, reversal: bool) -> None:
    if settlement_may_decide(user=actor, booking_status=booking.status, reversal=reversal):
        return
    if reversal and settlement_may_decide(user=actor, booking_status=booking.status):
        raise SettlementNotAllowed(_("Reversing a provider's paid-out transfer is for Finance."))
    raise SettlementNotAllowed(
        _("Support decides cancelled or disputed bookings; a %(status)s booking is for Finance.")
        % {"status": booking.get_status_display().lower()}
    )


def settlement_basis(*, booking: Booking, balance: BookingBalance) -> str:
    """The booking's status and money as the settle page shows them, as one comparable token."""
    return ":".join(
        str(part)
        for part in (
            booking.status,
            balance.paid_in,
            balance.refunded,
            balance.released_provider,
            balance.released_commission,
            balance.paid_out,
        )
    )


class SettlementBasisChanged(DomainError):
    """The booking's status or money changed since the staff member opened the settle page."""

    def __init__(self, *, booking: Booking, balance: BookingBalance):
        figures = {
            name: format_money(amount, booking.currency)
            for name, amount in (
                ("paid", balance.paid_in),
                ("held", balance.held),
                ("refunded", balance.refunded),
                ("released", balance.released_provider),
                ("paid_out", balance.paid_out),
            )
        }
        super().__init__(
            _(
                "This booking changed since you opened this page: it is now %(status)s; paid %(paid)s, "
                "held %(held)s, refunded %(refunded)s, released to the provider %(released)s, paid out "
                "%(paid_out)s. Review the new figures and decide again."
            )
            % {"status": booking.get_status_display().lower(), **figures}
        )


def settlement_create(
    *,
    booking_id: int,
    decision: str,
    reason: str,
    actor: User,
    refund_cents: int | None = None,
    basis: str | None = None,
) -> Settlement:
    """Decide what happens to a paid booking's money; one call does Stripe, ledger, timeline and emails.

    `basis` is the `settlement_basis` the deciding page showed (the admin page always sends it);
    when it is no longer current, SettlementBasisChanged is raised and nothing is written.
    """
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Please give a reason."))
    if not settlement_may_decide(user=actor, booking_status=S.CANCELLED):
        raise SettlementNotAllowed(_("Only staff allowed to settle bookings can refund or release money."))
    with transaction.atomic():
        booking = lock_booking(booking_id)
        if booking.status not in Booking.SETTLEABLE:
            raise DomainError(
                _("A %(status)s booking cannot be settled yet; wait for the customer to confirm or dispute.")
                % {"status": booking.get_status_display().lower()}
            )
        if booking.settlements.filter(status=Settlement.Status.PENDING).exists():
            raise DomainError(_("A decision on this booking is still being processed; retry it instead."))
        if Transfer.objects.filter(booking=booking, status=Transfer.Status.PENDING).exists():
            raise DomainError(_("A payout for this booking is in progress; try again in a minute."))
        balance = booking_balance(booking_id=booking.pk)
        if basis is not None and basis != settlement_basis(booking=booking, balance=balance):
            raise SettlementBasisChanged(booking=booking, balance=balance)
        refund = _refund_amount(decision=decision, balance=balance, asked=refund_cents, currency=booking.currency)
        new_provider = split_amount(balance.refundable - refund, booking.commission_rate_bp)[0]
        reversal = max(0, balance.paid_out - new_provider)
        _check_may_decide(actor=actor, booking=booking, reversal=reversal > 0)
        settlement = settlement_open(
            booking=booking, decision=decision, refund_cents=refund, reversal_cents=reversal, reason=reason, actor=actor
        )
        cancelled_now = booking.status in Booking.UPCOMING  # a staff refund on an active booking cancels it first
        if cancelled_now:
            processing = _("It is being processed; you will be told when the money has moved.")
            note = f"{reason}\n{_decision_text(settlement)} {processing}"
            booking_transition(booking_id=booking.pk, to_status=S.CANCELLED, actor=actor, note=note)
    return _settlement_finish(settlement_id=settlement.pk, cancelled_now=cancelled_now)


def settlement_open(
    *,
    booking: Booking,
    decision: str,
    refund_cents: int,
    reason: str,
    actor: User | None,
    reversal_cents: int = 0,
    automatic: bool = False,
) -> Settlement:
    """Record a decision PENDING (the intent) on a locked booking; its idempotency keys come from its number."""
    number = booking.settlements.count() + 1
    return Settlement.objects.create(
        booking=booking,
        decision=decision,
        refund_cents=refund_cents,
        reversal_cents=reversal_cents,
        currency=booking.currency,
        reason=reason,
        actor=actor,
        automatic=automatic,
        idempotency_key=f"servizo-booking-{booking.pk}-settlement-{number}",
    )


def settlement_refund_status_record(*, settlement_id: int, refund_id: str, refund_status: str) -> None:
    """Keep the Refund's status as Stripe reports it (refund webhooks) for the booking page."""
    Settlement.objects.filter(pk=settlement_id, stripe_refund_id=refund_id).update(refund_status=refund_status[:32])


def _refund_amount(*, decision: str, balance: BookingBalance, asked: int | None, currency: str) -> int:
    refundable = balance.refundable
    if refundable <= 0:
        raise DomainError(_("Nothing was paid for this booking, or it was all refunded already."))
    if decision == D.REFUND_ALL:
        return refundable
    if decision == D.RELEASE_ALL:
        if balance.held <= 0:
            raise DomainError(_("Nothing is held in escrow for this booking."))
        return 0
    if decision == D.SPLIT:
        if asked is None or not 0 < asked < refundable:
            raise DomainError(
                _("The refund must be more than 0 and less than the %(paid)s paid.")
                % {"paid": format_money(refundable, currency)}
            )
        return asked
    raise DomainError(_("Unknown decision."))


def settlement_resume(*, settlement_id: int) -> Settlement:
    """Call Stripe for a pending settlement (idempotent keys) and record it. Safe to repeat.

    Raises SettlementPending (the decision stays pending) when Stripe is unreachable or refuses.
    """
    return _settlement_finish(settlement_id=settlement_id, cancelled_now=False)


def settlement_retry(*, settlement_id: int, actor: User) -> Settlement:
    """Staff finish a pending decision once Stripe is back (same keys: nothing is sent twice)."""
    settlement = Settlement.objects.select_related("booking").get(pk=settlement_id)
    _check_may_decide(actor=actor, booking=settlement.booking, reversal=settlement.reversal_cents > 0)
    return settlement_resume(settlement_id=settlement_id)


def _settlement_finish(*, settlement_id: int, cancelled_now: bool) -> Settlement:
    settlement = Settlement.objects.select_related("booking").get(pk=settlement_id)
    if settlement.status != Settlement.Status.PENDING:
        return settlement
    metadata = {"settlement_id": str(settlement.pk), "booking_id": str(settlement.booking_id)}
    try:
        with stripe_errors():
            if settlement.reversal_cents and not settlement.stripe_reversal_id:
                transfer = Transfer.objects.get(booking_id=settlement.booking_id, status=Transfer.Status.PAID)
                reversal = stripe_client().v1.transfers.reversals.create(
                    transfer.stripe_transfer_id,
                    {"amount": settlement.reversal_cents, "metadata": metadata},
                    {"idempotency_key": f"{settlement.idempotency_key}-reversal"},
                )
                _settlement_save_stripe_id(settlement, stripe_reversal_id=reversal.id)
            if settlement.refund_cents and not settlement.stripe_refund_id:
                payment = Payment.objects.get(booking_id=settlement.booking_id, status=Payment.Status.SUCCEEDED)
                refund = stripe_client().v1.refunds.create(
                    {
                        "payment_intent": payment.payment_intent_id,
                        "amount": settlement.refund_cents,
                        "metadata": metadata,
                    },
                    {"idempotency_key": f"{settlement.idempotency_key}-refund"},
                )
                _settlement_save_stripe_id(settlement, stripe_refund_id=refund.id, refund_status=refund.status or "")
    except (PaymentServiceUnavailable, stripe.StripeError) as error:
        if isinstance(error, PaymentServiceUnavailable):
            cause = "Stripe could not be reached"
        else:
            cause = _("Stripe refused: %(error)s") % {"error": error.user_message or error}
        Settlement.objects.filter(pk=settlement.pk).update(error=cause[:2000])
        raise SettlementPending(_pending_message(settlement, cause=cause, cancelled_now=cancelled_now)) from error
    return _settlement_record(
        settlement_id=settlement.pk, refund_id=settlement.stripe_refund_id, reversal_id=settlement.stripe_reversal_id
    )


def _settlement_save_stripe_id(settlement: Settlement, **stripe_id: str) -> None:
    """Keep a Stripe object id (and the refund's status) the moment it exists, so a retry continues after it."""
    Settlement.objects.filter(pk=settlement.pk, status=Settlement.Status.PENDING).update(**stripe_id)
    for field, value in stripe_id.items():
        setattr(settlement, field, value)


def _decision_text(settlement: Settlement) -> str:
    refund = format_money(settlement.refund_cents, settlement.currency)
    return _("Staff decision: %(decision)s (%(refund)s back to the customer).") % {
        "decision": settlement.get_decision_display().lower(),
        "refund": refund,
    }


def _pending_message(settlement: Settlement, *, cause: str, cancelled_now: bool) -> str:
    """Exactly what happened to a decision Stripe did not finish, and how it completes."""
    currency = settlement.currency
    reversal = format_money(settlement.reversal_cents, currency)
    refund = format_money(settlement.refund_cents, currency)
    if settlement.stripe_reversal_id and settlement.stripe_refund_id:
        money = _(
            "Only the reversal of %(reversal)s from the provider's payout and the refund of %(refund)s went "
            "through so far."
        ) % {"reversal": reversal, "refund": refund}
    elif settlement.stripe_reversal_id:
        money = _("Only the reversal of %(reversal)s from the provider's payout went through so far.") % {
            "reversal": reversal
        }
    elif settlement.stripe_refund_id:
        money = _("Only the refund of %(refund)s went through so far.") % {"refund": refund}
    else:
        money = _("No money has moved yet.")
    booking = settlement.booking
    if cancelled_now:
        parties = _(
            "Booking #%(booking)s was cancelled and both parties were told the decision is being processed; "
            "they are told again when it is done."
        ) % {"booking": booking.pk}
    else:
        parties = _("Booking #%(booking)s is still %(status)s and nobody has been notified of the decision yet.") % {
            "booking": booking.pk,
            "status": booking.get_status_display().lower(),
        }
    return _(
        "%(cause)s. The decision (settlement #%(settlement)s: %(decision)s) is saved as pending. %(money)s "
        "%(parties)s Retry it from this booking's settle page or the Settlements list once Stripe is back; "
        "nothing is sent twice."
    ) % {
        "cause": cause,
        "settlement": settlement.pk,
        "decision": settlement.get_decision_display().lower(),
        "money": money,
        "parties": parties,
    }


def _settlement_record(*, settlement_id: int, refund_id: str, reversal_id: str) -> Settlement:
    with transaction.atomic():
        booking, settlement = lock_booking_then(Settlement, settlement_id)
        if settlement.status != Settlement.Status.PENDING:
            return settlement
        key = f"settlement-{settlement.pk}"
        balance = booking_balance(booking_id=booking.pk)
        kept = balance.refundable - settlement.refund_cents
        provider, commission = split_amount(kept, booking.commission_rate_bp)
        note = settlement.reason[:200]
        movements = (
            (K.REVERSAL, settlement.reversal_cents, reversal_id),
            (K.RELEASE_PROVIDER, provider - balance.released_provider, ""),  # negative: taken back
            (K.RELEASE_COMMISSION, commission - balance.released_commission, ""),
            (K.REFUND, settlement.refund_cents, refund_id),
        )
        for kind, amount, stripe_object_id in movements:
            if amount:
                ledger_record(
                    booking=booking,
                    kind=kind,
                    amount_cents=amount,
                    idempotency_key=f"{key}-{kind}",
                    stripe_object_id=stripe_object_id,
                    note=note,
                )
        settlement_transition(
            settlement=settlement,
            to_status=Settlement.Status.SUCCEEDED,
            fields={"stripe_refund_id": refund_id, "stripe_reversal_id": reversal_id, "error": ""},
        )
        _booking_timeline(booking=booking, settlement=settlement, kept=kept, provider_share=provider)
    return settlement


def _settlement_note(*, booking: Booking, settlement: Settlement, provider_share: int) -> str:
    """The decision and its amounts, in the active language."""
    summary = _("%(decision)s: %(refunded)s refunded to the customer, provider share %(released)s.") % {
        "decision": settlement.get_decision_display(),
        "refunded": format_money(settlement.refund_cents, booking.currency),
        "released": format_money(provider_share, booking.currency),
    }
    return _("%(summary)s Reason: %(reason)s") % {"summary": summary, "reason": settlement.reason}


def _booking_timeline(*, booking: Booking, settlement: Settlement, kept: int, provider_share: int) -> None:
    """The timeline note (in the site's language: both parties read it) and each party's notice (in theirs)."""
    with stored_text_language():
        note = _settlement_note(booking=booking, settlement=settlement, provider_share=provider_share)
    if booking.needs_decision:
        to_status = S.REFUNDED if kept == 0 else S.RESOLVED
        booking_transition(booking_id=booking.pk, to_status=to_status, actor=settlement.actor, note=note, notify=False)
    else:  # a refund after the booking was settled: record it on the timeline without a status change
        booking_note_add(booking_id=booking.pk, actor=settlement.actor, note=note)
    for recipient, link in ((booking.customer, "payments:history"), (booking.provider, "payments:earnings")):
        with in_language_of(recipient):
            if settlement.automatic:
                text = _("Cancellation settled on “%(title)s”: %(note)s")
            else:
                text = _("Decision on “%(title)s”: %(note)s")
            note = _settlement_note(booking=booking, settlement=settlement, provider_share=provider_share)
            text %= {"title": booking.title, "note": note}
        notification_create(
            recipient=recipient,
            kind="payment",
            text=text,
            link=reverse(link),
            email=True,
        )
