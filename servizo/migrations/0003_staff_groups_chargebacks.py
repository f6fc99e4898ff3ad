"""Finance reads chargebacks: add the permission once the table exists."""

from django.db import migrations

from servizo.roles import staff_groups_migrate

APPS_MIGRATED = {"auth", "accounts", "offers", "bookings", "payments", "notifications", "reviews", "chat"}


def sync_groups(apps, schema_editor):
    staff_groups_migrate(apps, schema_editor, apps_migrated=APPS_MIGRATED)


class Migration(migrations.Migration):
    dependencies = [
        ("servizo", "0002_staff_groups_chat"),
        ("payments", "0006_chargebacks"),
    ]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
