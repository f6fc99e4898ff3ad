"""Create the Support and Finance groups with the permissions listed in servizo.roles."""

from django.db import migrations

from servizo.roles import ROLE_PERMISSIONS, staff_groups_migrate

APPS_MIGRATED = {"auth", "accounts", "offers", "bookings", "payments", "notifications", "reviews"}


def create_groups(apps, schema_editor):
    staff_groups_migrate(apps, schema_editor, apps_migrated=APPS_MIGRATED)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0003_provider_review_permission"),
        ("offers", "0001_initial"),
        ("bookings", "0001_initial"),
        ("payments", "0001_initial"),
        ("notifications", "0001_initial"),
        ("reviews", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
