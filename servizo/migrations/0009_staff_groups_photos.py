"""Support and Finance see offer photos; Support sees chat photos and providers' portfolios."""

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
        ("servizo", "0008_staff_groups_quotes"),
        ("accounts", "0006_provider_photos"),
        ("offers", "0007_offerphoto"),
        ("chat", "0004_chat_photos"),
    ]

    operations = [migrations.RunPython(sync_groups, migrations.RunPython.noop)]
