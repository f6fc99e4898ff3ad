"""An offer happens at a place; free-text cities are moved onto places.

Offers whose city matches no place keep the text (`legacy_city`) and no place: they match no provider
until the customer edits them. `manage.py match_places` reports them (and matches again).
"""

import django.db.models.deletion
from django.db import migrations, models

from places.legacy import ensure_places_loaded, match_free_text


def match_cities(apps, schema_editor):
    Offer = apps.get_model("offers", "Offer")
    Place, PlaceName = apps.get_model("places", "Place"), apps.get_model("places", "PlaceName")
    if not Offer.objects.exclude(legacy_city="").exists():
        return
    ensure_places_loaded(place_model=Place, place_name_model=PlaceName)
    report = match_free_text(Offer, place_field="place", text_field="legacy_city", place_name_model=PlaceName)
    if report.unmatched:
        print(f"\n  Offer cities matching no place (see `manage.py match_places`): {report.unmatched}")


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0008_dashboard_indexes"),
        ("places", "0001_places"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="offer", name="offers_offe_status_81035e_idx"),
        migrations.AddField(
            model_name="offer",
            name="place",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="places.place"
            ),
        ),
        migrations.RemoveField(model_name="offer", name="city_key"),
        migrations.RenameField(model_name="offer", old_name="city", new_name="legacy_city"),
        migrations.AlterField(
            model_name="offer",
            name="legacy_city",
            field=models.CharField(blank=True, help_text="The free-text city typed before places.", max_length=100),
        ),
        migrations.AddIndex(
            model_name="offer",
            index=models.Index(fields=["place", "status", "category", "expires_at"], name="offers_offe_place_i_3fa63d_idx"),
        ),
        migrations.RunPython(match_cities, migrations.RunPython.noop),
    ]
