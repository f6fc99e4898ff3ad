"""A party's cancellation of a paid booking settles itself by the cancellation policy: no staff step.

One entry point, the `cancelled` booking hook registered in PaymentsConfig.ready:
1. In the cancellation's transaction (booking locked), the quote (payments.cancellation) is computed at
   the move's time and recorded as an automatic Settlement, PENDING: the intent.
2. On commit, `settlement_resume` calls Stripe (idempotency keys from the settlement) and records the
   outcome in one locked transaction: ledger rows, booking cancelled → refunded (or resolved when a fee
   is kept), both parties told.
3. Stripe down or refusing: the settlement stays pending with its error, the booking page says so, and
   `manage.py resume_settlements` (cron) or the refund webhook finishes it with the same keys, so the
   refund is made exactly once.
Cancellations by staff or the system (suspension, unpaid bookings) and of jobs in progress are not
settled here: staff decide those in the console, as before.
"""

import logging

from bookings.models import Booking, BookingEvent
from payments.cancellation import cancellation_quote
from payments.models import Settlement
from payments.selectors import booking_balance
from payments.services.settlements import SettlementPending, settlement_open, settlement_resume
from servizo.commit import after_commit

logger = logging.getLogger(__name__)
D = Settlement.Decision


def cancellation_settle_on_cancelled(booking: Booking, event: BookingEvent) -> None:
    """`cancelled` hook: record the policy's settlement of a party's cancellation of a paid booking."""
    by_provider = event.actor_id == booking.provider_id
    by_customer = event.actor_id == booking.customer_id
    if event.from_status != Booking.Status.SCHEDULED or not (by_customer or by_provider):
        return
    refundable = booking_balance(booking_id=booking.pk).refundable
    if refundable <= 0:
        return
    quote = cancellation_quote(booking=booking, refundable=refundable, by_provider=by_provider, at=event.created_at)
    decision = D.REFUND_ALL if not quote.fee_cents else (D.SPLIT if quote.refund_cents else D.RELEASE_ALL)
    settlement = settlement_open(
        booking=booking,
        decision=decision,
        refund_cents=quote.refund_cents,
        reason=quote.reason(),
        actor=None,
        automatic=True,
    )
    after_commit(_settle, settlement.pk)


def _settle(settlement_id: int) -> bool:
    """Finish one automatic settlement; False (logged, left pending for the next run) when Stripe did not."""
    try:
        settlement_resume(settlement_id=settlement_id)
    except SettlementPending as pending:
        logger.warning("Cancellation refund %s left pending: %s", settlement_id, pending)
        return False
    return True


def settlements_resume_automatic() -> tuple[int, int]:
    """Finish every pending automatic settlement (oldest first); returns (finished, still pending)."""
    pending = Settlement.objects.filter(status=Settlement.Status.PENDING, automatic=True).order_by("pk")
    results = [_settle(pk) for pk in pending.values_list("pk", flat=True)]
    return results.count(True), results.count(False)
