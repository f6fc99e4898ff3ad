"""Number the receipts and credit notes of money moved before numbering existed, in the order it moved."""

from django.db import migrations
from django.utils import timezone

from payments.services.receipts import CREDIT_NOTE_SERIES, RECEIPT_SERIES, document_number_format


def _number(rows, field: str, series: str, when, ReceiptSequence) -> None:
    last: dict[int, int] = {}
    for row in rows.iterator(chunk_size=500):
        year = timezone.localdate(when(row)).year
        last[year] = last.get(year, 0) + 1
        type(row).objects.filter(pk=row.pk).update(**{field: document_number_format(series, year, last[year])})
    for year, number in last.items():
        ReceiptSequence.objects.update_or_create(series=series, year=year, defaults={"last_number": number})


def number_past_documents(apps, schema_editor):
    Payment = apps.get_model("payments", "Payment")
    LedgerEntry = apps.get_model("payments", "LedgerEntry")
    ReceiptSequence = apps.get_model("payments", "ReceiptSequence")
    paid = Payment.objects.filter(status="succeeded", receipt_number__isnull=True).order_by("paid_at", "id")
    _number(paid, "receipt_number", RECEIPT_SERIES, lambda p: p.paid_at or p.created_at, ReceiptSequence)
    refunds = LedgerEntry.objects.filter(kind="refund", credit_note_number__isnull=True).order_by("created_at", "id")
    _number(refunds, "credit_note_number", CREDIT_NOTE_SERIES, lambda e: e.created_at, ReceiptSequence)


class Migration(migrations.Migration):
    dependencies = [("payments", "0010_saved_cards_receipts")]

    operations = [migrations.RunPython(number_past_documents, migrations.RunPython.noop)]
