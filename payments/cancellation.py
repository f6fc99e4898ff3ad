"""The cancellation policy in money: what a party's cancellation of a paid booking does (README).

- The customer, up to `booking.free_cancellation_until` (N hours before the scheduled start): everything
  paid goes back to the card.
- The customer, later but before the job starts: `booking.late_cancellation_fee_bp` of what was paid is
  kept as a late-cancellation fee and split with the booking's commission rate like any release (the
  provider's part compensates them); the rest goes back to the card.
- The provider: everything goes back to the card (and their reliability record notes it, in bookings).
- Once the job is in progress no party cancels (a problem is a dispute); unpaid bookings and staff
  cancellations keep their own rules. Every figure comes from `split_amount`, the one rounding rule,
  so refund + provider's part + Servizo's part == what was paid, always.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.models import Booking
from offers.models import TimeWindow
from payments.selectors import booking_balance
from servizo.money import format_money, split_amount
from servizo.timezones import when_text


@dataclass(frozen=True)
class CancellationQuote:
    currency: str
    refund_cents: int  # back to the customer's card
    provider_fee_cents: int  # the provider's part of the late-cancellation fee
    platform_fee_cents: int  # Servizo's commission on the fee
    late: bool
    by_provider: bool
    free_until: datetime

    @property
    def fee_cents(self) -> int:
        return self.provider_fee_cents + self.platform_fee_cents

    def reason(self) -> str:
        """The settlement's reason and timeline note: who cancelled and which rule applied, in money."""
        refund = format_money(self.refund_cents, self.currency)
        if self.by_provider:
            return _("Cancelled by the provider: %(refund)s back to the customer's card (cancellation policy).") % {
                "refund": refund
            }
        if not self.late:
            return _(
                "Cancelled by the customer in the free period: %(refund)s back to the card (cancellation policy)."
            ) % {"refund": refund}
        return _(
            "Cancelled by the customer after %(free_until)s: %(refund)s back to the card; late-cancellation fee "
            "%(fee)s (%(provider_fee)s to the provider, %(platform_fee)s Servizo commission) (cancellation policy)."
        ) % {
            "free_until": when_text(self.free_until),
            "refund": refund,
            "fee": format_money(self.fee_cents, self.currency),
            "provider_fee": format_money(self.provider_fee_cents, self.currency),
            "platform_fee": format_money(self.platform_fee_cents, self.currency),
        }


def cancellation_quote(*, booking: Booking, refundable: int, by_provider: bool, at: datetime) -> CancellationQuote:
    """The policy applied to `refundable` (paid, not refunded) for a cancellation made at `at`."""
    late = not by_provider and at >= booking.free_cancellation_until
    refund, fee = split_amount(refundable, booking.late_cancellation_fee_bp) if late else (refundable, 0)
    provider_fee, platform_fee = split_amount(fee, booking.commission_rate_bp)
    return CancellationQuote(
        currency=booking.currency,
        refund_cents=refund,
        provider_fee_cents=provider_fee,
        platform_fee_cents=platform_fee,
        late=late,
        by_provider=by_provider,
        free_until=booking.free_cancellation_until,
    )


def booking_cancellation_quote(*, booking: Booking, user: User) -> CancellationQuote | None:
    """What this party's cancellation would do to the money now (the cancel dialog); None if nothing paid."""
    if booking.status != Booking.Status.SCHEDULED or user.pk not in (booking.customer_id, booking.provider_id):
        return None
    refundable = booking_balance(booking_id=booking.pk).refundable
    if refundable <= 0:
        return None
    return cancellation_quote(
        booking=booking, refundable=refundable, by_provider=user.pk == booking.provider_id, at=timezone.now()
    )


def cancellation_policy_example(*, price_cents: int = 10_000) -> CancellationQuote:
    """A late cancellation of a `price_cents` booking made today under the current settings (the policy page)."""
    booking = Booking(
        price_cents=price_cents,
        currency=settings.CURRENCY,
        commission_rate_bp=settings.PLATFORM_COMMISSION_BP,
        scheduled_date=timezone.localdate(),
        time_window=TimeWindow.MORNING,
    )
    return cancellation_quote(booking=booking, refundable=price_cents, by_provider=False, at=booking.starts_at)
