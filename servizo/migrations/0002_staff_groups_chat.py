"""Support reads conversations (for disputes): add the chat permissions once chat's tables exist."""

from django.db import migrations

from servizo.roles import staff_groups_migrate

APPS_MIGRATED = {"auth", "accounts", "offers", "bookings", "payments", "notifications", "reviews", "chat"}


def sync_groups(apps, schema_editor):
    staff_groups_migrate(apps, schema_editor, apps_migrated=APPS_MIGRATED)


class Migration(migrations.Migration):
    dependencies = [
        ("servizo", "0001_staff_groups"),
        ("chat", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
