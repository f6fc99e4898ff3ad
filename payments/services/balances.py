"""ProviderBalance, the maintained aggregate of the ledger per provider and currency.

Two writers keep it equal to `selectors.provider_balances_from_ledger`, each in the transaction of the
change it follows: `balance_apply` for every new ledger row (called by the ledger writes), and
`balance_on_booking_status` for a booking moving into or out of Booking.HOLDS_MONEY (a transition hook,
registered in PaymentsConfig.ready before any hook that writes the ledger, so a ledger write always
sees the status its held share is counted under). Rows change only by `UPDATE ... SET x = x + delta`,
which locks the row until commit, so concurrent writers add up exactly. The row is opened (zeros) when a
booking is made with the provider (and by the backfill for older bookings), so money writes only UPDATE:
writers racing to INSERT a missing row can deadlock on InnoDB's duplicate-key locks (MariaDB error 1213,
seen when the concurrency test raced first writes). `_balance_add` still inserts a missing row as a
fallback (a booking created without the hook, as test factories do).
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F

from bookings.models import Booking, BookingEvent
from payments.models import LedgerEntry, ProviderBalance
from payments.selectors import booking_balance, provider_share_held

K = LedgerEntry.Kind

# How each kind moves a booking's held escrow (paid in - released - refunded).
HELD_SIGN = {
    K.CHARGE_ESCROW: 1,
    K.RELEASE_PROVIDER: -1,
    K.RELEASE_COMMISSION: -1,
    K.REFUND: -1,
    K.CHARGEBACK_LOST: -1,
}
# How each kind moves the provider's available and paid-out figures.
AVAILABLE_SIGN = {K.RELEASE_PROVIDER: 1, K.PAYOUT: -1, K.REVERSAL: 1}
PAID_OUT_SIGN = {K.PAYOUT: 1, K.REVERSAL: -1}


def balance_row_open(*, provider_id: int, currency: str) -> None:
    """Create the provider's zero balance row if missing (a zero row is always right; never updates one)."""
    ProviderBalance.objects.bulk_create(
        [ProviderBalance(provider_id=provider_id, currency=currency)], ignore_conflicts=True
    )


def _balance_add(*, provider_id: int, currency: str, held: int = 0, available: int = 0, paid_out: int = 0) -> None:
    if not (held or available or paid_out):
        return
    changes = {
        "held_cents": F("held_cents") + held,
        "available_cents": F("available_cents") + available,
        "paid_out_cents": F("paid_out_cents") + paid_out,
    }
    row = ProviderBalance.objects.filter(provider_id=provider_id, currency=currency)
    if row.update(**changes):
        return
    try:
        with transaction.atomic():
            ProviderBalance.objects.create(
                provider_id=provider_id,
                currency=currency,
                held_cents=held,
                available_cents=available,
                paid_out_cents=paid_out,
            )
    except IntegrityError:  # a concurrent first write created it: add to theirs (UPDATE reads the latest row)
        row.update(**changes)


def _held_change(entry: LedgerEntry) -> int:
    """How much the new `entry` changed its provider's held share (0 unless the booking holds money now)."""
    if entry.kind not in HELD_SIGN:
        return 0
    status, rate = Booking.objects.values_list("status", "commission_rate_bp").get(pk=entry.booking_id)
    if status not in Booking.HOLDS_MONEY:
        return 0
    after = booking_balance(booking_id=entry.booking_id).held  # the new row included
    before = after - HELD_SIGN[entry.kind] * entry.amount_cents
    return provider_share_held(after, rate) - provider_share_held(before, rate)


def balance_apply(entries: Iterable[LedgerEntry]) -> None:
    """Add just-written ledger rows to their providers' balances, in the ledger write's transaction."""
    assert transaction.get_connection().in_atomic_block, "call in the transaction that wrote the rows"
    totals: dict[tuple[int, str], list[int]] = {}
    for entry in entries:
        total = totals.setdefault((entry.provider_id, entry.currency), [0, 0, 0])
        total[0] += _held_change(entry)
        total[1] += AVAILABLE_SIGN.get(entry.kind, 0) * entry.amount_cents
        total[2] += PAID_OUT_SIGN.get(entry.kind, 0) * entry.amount_cents
    for (provider_id, currency), (held, available, paid_out) in sorted(totals.items()):  # one lock order
        _balance_add(provider_id=provider_id, currency=currency, held=held, available=available, paid_out=paid_out)


def balance_on_booking_status(booking: Booking, event: BookingEvent) -> None:
    """Transition hook (every status): count or stop counting the booking's held share with its status."""
    if not event.from_status:  # a new booking (its first status)
        balance_row_open(provider_id=booking.provider_id, currency=booking.currency)
        return
    holds_now = booking.status in Booking.HOLDS_MONEY
    if (event.from_status in Booking.HOLDS_MONEY) == holds_now:
        return
    share = provider_share_held(booking_balance(booking_id=booking.pk).held, booking.commission_rate_bp)
    _balance_add(provider_id=booking.provider_id, currency=booking.currency, held=share if holds_now else -share)
