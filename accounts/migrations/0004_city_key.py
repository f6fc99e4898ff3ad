from django.db import migrations, models


def fill_city_key(apps, schema_editor):
    """Set the comparison key of existing profiles (the rule of `accounts.models.city_key`, frozen here)."""
    ProviderProfile = apps.get_model("accounts", "ProviderProfile")
    for profile in ProviderProfile.objects.only("pk", "city").iterator():
        key = " ".join(profile.city.split()).casefold()[:255]
        ProviderProfile.objects.filter(pk=profile.pk).update(city_key=key)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_provider_review_permission"),
    ]

    operations = [
        migrations.AddField(
            model_name="providerprofile",
            name="city_key",
            field=models.CharField(db_index=True, default="", editable=False, max_length=255),
        ),
        migrations.RunPython(fill_city_key, migrations.RunPython.noop),
    ]
