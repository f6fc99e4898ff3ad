"""Providers work around a base place within a radius; their free-text cities are moved onto places.

Profiles whose city matches no place keep the text (`legacy_city`) and no base place: they see no
offers until they choose one. `manage.py match_places` reports them (and matches again).
"""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

from places.legacy import ensure_places_loaded, match_free_text


def match_cities(apps, schema_editor):
    ProviderProfile = apps.get_model("accounts", "ProviderProfile")
    Place, PlaceName = apps.get_model("places", "Place"), apps.get_model("places", "PlaceName")
    if not ProviderProfile.objects.exclude(legacy_city="").exists():
        return
    ensure_places_loaded(place_model=Place, place_name_model=PlaceName)
    report = match_free_text(
        ProviderProfile, place_field="base_place", text_field="legacy_city", place_name_model=PlaceName
    )
    if report.unmatched:
        print(f"\n  Provider cities matching no place (see `manage.py match_places`): {report.unmatched}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_provider_photos"),
        ("places", "0001_places"),
    ]

    operations = [
        migrations.AddField(
            model_name="providerprofile",
            name="base_place",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="places.place",
            ),
        ),
        migrations.AddField(
            model_name="providerprofile",
            name="service_radius_km",
            field=models.PositiveSmallIntegerField(
                default=25,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(100),
                ],
                verbose_name="service radius (km)",
            ),
        ),
        migrations.RemoveField(model_name="providerprofile", name="city_key"),
        migrations.RenameField(model_name="providerprofile", old_name="city", new_name="legacy_city"),
        migrations.AlterField(
            model_name="providerprofile",
            name="legacy_city",
            field=models.CharField(blank=True, help_text="The free-text city typed before places.", max_length=100),
        ),
        migrations.RunPython(match_cities, migrations.RunPython.noop),
    ]
