"""An index for the admin index's "Recent actions" (django.contrib.admin's LogEntry, whose table the console shows).

`LogEntry.objects.filter(user=...).order_by("-action_time")[:10]` had only the user_id index: it read and
sorted every action the staff member ever logged. The index is the schema's only change; Django's model
state is untouched, so this is done through the schema editor.
"""

from django.db import migrations, models

INDEX = models.Index(fields=["user", "action_time"], name="console_adminlog_user_time")


def add_index(apps, schema_editor):
    schema_editor.add_index(apps.get_model("admin", "LogEntry"), INDEX)


def remove_index(apps, schema_editor):
    schema_editor.remove_index(apps.get_model("admin", "LogEntry"), INDEX)


class Migration(migrations.Migration):
    dependencies = [("admin", "0003_logentry_add_action_flag_choices")]

    operations = [migrations.RunPython(add_index, remove_index, atomic=False)]  # MariaDB cannot roll back DDL
