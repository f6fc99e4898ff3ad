"""Document numbers: receipts `SRV-<year>-<number>` and credit notes `CN-<year>-<number>`, gap-free.

A number is taken in the transaction that records what it documents (a payment's success, a refund's
ledger row): the series' `ReceiptSequence` row for the year is locked, incremented and written with
it, so a rolled-back transaction gives its number back and two documents never share one.
"""

from datetime import datetime

from django.utils import timezone

from payments.models import Payment, ReceiptSequence

RECEIPT_SERIES = "SRV"
CREDIT_NOTE_SERIES = "CN"


def document_number_format(series: str, year: int, number: int) -> str:
    return f"{series}-{year}-{number:06d}"


def document_number_take(*, series: str, when: datetime | None = None) -> str:
    """The next number of `series` for the year of `when` (now); call inside the transaction it documents."""
    year = timezone.localdate(when or timezone.now()).year
    ReceiptSequence.objects.get_or_create(series=series, year=year)  # the year's first document makes the row
    sequence = ReceiptSequence.objects.select_for_update().get(series=series, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return document_number_format(series, year, sequence.last_number)


def receipt_number_allocate(*, payment: Payment) -> str:
    """Give a locked, succeeded payment its number, in the transaction recording the success (idempotent)."""
    if not payment.receipt_number:
        payment.receipt_number = document_number_take(series=RECEIPT_SERIES, when=payment.paid_at)
        payment.save(update_fields=["receipt_number", "updated_at"])
    return payment.receipt_number
