"""Give the payments made before receipt numbers existed their numbers, in the order they were paid."""

from django.db import migrations
from django.utils import timezone

from payments.services.receipts import receipt_number_format


def number_past_receipts(apps, schema_editor):
    Payment = apps.get_model("payments", "Payment")
    ReceiptSequence = apps.get_model("payments", "ReceiptSequence")
    last: dict[int, int] = {}
    paid = Payment.objects.filter(status="succeeded", receipt_number__isnull=True).order_by("paid_at", "id")
    for payment in paid.iterator(chunk_size=500):
        year = timezone.localdate(payment.paid_at or payment.created_at).year
        last[year] = last.get(year, 0) + 1
        Payment.objects.filter(pk=payment.pk).update(receipt_number=receipt_number_format(year, last[year]))
    for year, number in last.items():
        ReceiptSequence.objects.update_or_create(year=year, defaults={"last_number": number})


class Migration(migrations.Migration):
    dependencies = [("payments", "0010_saved_cards_receipts")]

    operations = [migrations.RunPython(number_past_receipts, migrations.RunPython.noop)]
