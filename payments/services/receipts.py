"""Receipt numbers: `SRV-<year>-<number>`, gap-free per year, allocated once per paid attempt.

The number is taken in the transaction that records the payment's success: the year's
`ReceiptSequence` row is locked, incremented and written with the payment, so a rolled-back
transaction gives its number back and two payments never share one.
"""

from django.utils import timezone

from payments.models import Payment, ReceiptSequence

RECEIPT_PREFIX = "SRV"


def receipt_number_format(year: int, number: int) -> str:
    return f"{RECEIPT_PREFIX}-{year}-{number:06d}"


def receipt_number_allocate(*, payment: Payment) -> str:
    """Give a locked, succeeded payment its number, in the transaction recording the success (idempotent)."""
    if payment.receipt_number:
        return payment.receipt_number
    year = timezone.localdate(payment.paid_at or timezone.now()).year
    ReceiptSequence.objects.get_or_create(year=year)  # the first payment of a year makes the row
    sequence = ReceiptSequence.objects.select_for_update().get(year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    payment.receipt_number = receipt_number_format(year, sequence.last_number)
    payment.save(update_fields=["receipt_number", "updated_at"])
    return payment.receipt_number
