"""Ledger rows carry their booking's category, so the revenue report groups by category without a join.

A booking's category is fixed when it is created (copied from the offer), so copying it onto the
booking's ledger rows records the same fact. The backfill is one UPDATE with a correlated subquery;
it is the only time existing ledger rows are written.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill_category(apps, schema_editor):
    LedgerEntry = apps.get_model("payments", "LedgerEntry")
    Booking = apps.get_model("bookings", "Booking")
    LedgerEntry.objects.filter(category__isnull=True).update(
        category_id=Subquery(Booking.objects.filter(pk=OuterRef("booking_id")).order_by().values("category_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_seed_categories"),
        ("bookings", "0001_initial"),
        ("payments", "0002_ledger_report_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="ledgerentry",
            name="category",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.servicecategory",
            ),
        ),
        migrations.RunPython(backfill_category, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ledgerentry",
            name="category",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.servicecategory"
            ),
        ),
        migrations.RemoveIndex(model_name="ledgerentry", name="ledger_report_idx"),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(
                fields=["currency", "kind", "created_at", "amount_cents", "category", "provider"],
                name="ledger_report_idx",
            ),
        ),
        # Add before removing: the provider foreign key needs an index led by provider_id at all times.
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(
                fields=["provider", "kind", "currency", "created_at", "amount_cents"],
                name="payments_le_provide_aa7e6a_idx",
            ),
        ),
        migrations.RemoveIndex(model_name="ledgerentry", name="payments_le_provide_984b7c_idx"),
    ]
