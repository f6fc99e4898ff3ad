"""The ledger rollups (LedgerDaily, ProviderLedgerMonthly), backfilled from the existing ledger rows.

From here on each ledger write maintains them (payments.services.rollup); the backfill groups the
ledger in the database by the same day (created_at in TIME_ZONE) the revenue report uses.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from payments.services.rollup import ledger_rollup_rebuild


def backfill(apps, schema_editor):
    ledger_rollup_rebuild(get_model=apps.get_model)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_city_key'),
        ('payments', '0003_ledger_category'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='LedgerDaily',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('currency', models.CharField(max_length=3)),
                ('kind', models.CharField(choices=[('charge_escrow', 'Charge into escrow'), ('release_provider', 'Release to provider'), ('release_commission', 'Platform commission'), ('refund', 'Refund to customer'), ('payout', 'Payout transfer'), ('reversal', 'Transfer reversal')], max_length=24)),
                ('amount_cents', models.BigIntegerField(default=0)),
                ('entries', models.PositiveIntegerField(default=0)),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.servicecategory')),
            ],
            options={
                'verbose_name_plural': 'ledger daily rollup',
                'constraints': [models.UniqueConstraint(fields=('currency', 'kind', 'day', 'category'), name='ledger_daily_key')],
            },
        ),
        migrations.CreateModel(
            name='ProviderLedgerMonthly',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text='First day of the month, in TIME_ZONE.')),
                ('currency', models.CharField(max_length=3)),
                ('kind', models.CharField(choices=[('charge_escrow', 'Charge into escrow'), ('release_provider', 'Release to provider'), ('release_commission', 'Platform commission'), ('refund', 'Refund to customer'), ('payout', 'Payout transfer'), ('reversal', 'Transfer reversal')], max_length=24)),
                ('amount_cents', models.BigIntegerField(default=0)),
                ('entries', models.PositiveIntegerField(default=0)),
                ('provider', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name_plural': 'provider ledger monthly rollup',
                'constraints': [models.UniqueConstraint(fields=('provider', 'currency', 'kind', 'month'), name='provider_ledger_monthly_key')],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
