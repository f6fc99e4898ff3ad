"""Support and Finance read providers' quotes (counter-offers) and their event log."""

from django.db import migrations

from servizo.roles import staff_groups_migrate

APPS_MIGRATED = {
    "auth",
    "accounts",
    "offers",
    "bookings",
    "payments",
    "notifications",
    "reviews",
    "chat",
    "disputes",
    "servizo",
}


def sync_groups(apps, schema_editor):
    staff_groups_migrate(apps, schema_editor, apps_migrated=APPS_MIGRATED)


class Migration(migrations.Migration):
    dependencies = [
        ("servizo", "0007_staff_groups_reliability"),
        ("offers", "0006_quotes"),
    ]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
