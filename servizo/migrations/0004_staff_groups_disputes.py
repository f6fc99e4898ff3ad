"""Support and Finance read disputes: add the disputes permissions once its tables exist."""

from django.db import migrations

from servizo.roles import staff_groups_migrate

APPS_MIGRATED = {"auth", "accounts", "offers", "bookings", "payments", "notifications", "reviews", "chat", "disputes"}


def sync_groups(apps, schema_editor):
    staff_groups_migrate(apps, schema_editor, apps_migrated=APPS_MIGRATED)


class Migration(migrations.Migration):
    dependencies = [
        ("servizo", "0003_staff_groups_chargebacks"),
        ("disputes", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
