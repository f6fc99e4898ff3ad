"""Writing the append-only ledger, and releasing escrow when a booking completes."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from bookings.models import Booking, BookingEvent
from bookings.services import stored_text_language
from payments.models import LedgerEntry
from payments.selectors import booking_balance
from payments.services.balances import balance_apply
from payments.services.receipts import CREDIT_NOTE_SERIES, document_number_take
from payments.services.rollup import ledger_rollup_apply
from servizo.money import require_platform_currency, split_amount

K = LedgerEntry.Kind


def ledger_record(
    *, booking: Booking, kind: str, amount_cents: int, idempotency_key: str, stripe_object_id: str = "", note: str = ""
) -> LedgerEntry:
    """Append one movement; a second call with the same idempotency key returns the first row.

    The booking's category is copied onto the row (the revenue report groups by it without a join),
    read from the database rather than the caller's instance, since ledger rows are never corrected.
    A new row is added to the rollups and the provider's maintained balance in the same transaction
    (atomic here if the caller has none); a refund row takes its credit-note number there too. A
    booking in another currency than the deployment's is refused (CurrencyMismatch): one ledger, one
    currency.
    """
    require_platform_currency(booking.currency, settings.CURRENCY)
    with transaction.atomic():
        entry, created = LedgerEntry.objects.get_or_create(
            idempotency_key=idempotency_key,
            defaults={
                "booking": booking,
                "provider_id": booking.provider_id,
                "category_id": lambda: Booking.objects.values_list("category_id", flat=True).get(pk=booking.pk),
                "kind": kind,
                "amount_cents": amount_cents,
                "currency": booking.currency,
                "stripe_object_id": stripe_object_id,
                "note": note[:255],
                # Taken only if the row is created (in its savepoint: a lost race gives the number back).
                "credit_note_number": (lambda: document_number_take(series=CREDIT_NOTE_SERIES))
                if kind == K.REFUND
                else None,
            },
        )
        if created:
            ledger_rollup_apply([entry])
            balance_apply([entry])
    return entry


def escrow_release_all(*, booking: Booking, key_prefix: str, note: str) -> tuple[int, int]:
    """Release everything still held on a (locked) booking: provider share and commission by split_amount."""
    assert transaction.get_connection().in_atomic_block, "call inside the booking's transaction"
    held = booking_balance(booking_id=booking.pk).held
    if held <= 0:
        return 0, 0
    provider, commission = split_amount(held, booking.commission_rate_bp)
    for kind, amount in ((K.RELEASE_PROVIDER, provider), (K.RELEASE_COMMISSION, commission)):
        ledger_record(
            booking=booking, kind=kind, amount_cents=amount, idempotency_key=f"{key_prefix}-{kind}", note=note
        )
    return provider, commission


def escrow_release_on_completed(booking: Booking, event: BookingEvent) -> None:
    """bookings hook for `completed`: runs in the transition's transaction with the booking locked."""
    with stored_text_language():
        note = _("Released automatically") if event.actor_id is None else _("Released on the customer's confirmation")
    escrow_release_all(booking=booking, key_prefix=f"release-booking-{booking.pk}", note=note)
