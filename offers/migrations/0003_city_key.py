from django.db import migrations, models


def fill_city_key(apps, schema_editor):
    """Set the comparison key of existing offers (the rule of `accounts.models.city_key`, frozen here)."""
    Offer = apps.get_model("offers", "Offer")
    for offer in Offer.objects.only("pk", "city").iterator():
        Offer.objects.filter(pk=offer.pk).update(city_key=" ".join(offer.city.split()).casefold()[:255])


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0002_offer_terms_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="offer",
            name="city_key",
            field=models.CharField(db_index=True, default="", editable=False, max_length=255),
        ),
        migrations.RunPython(fill_city_key, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name="offer",
            name="offers_offe_status_595df1_idx",
        ),
        migrations.AddIndex(
            model_name="offer",
            index=models.Index(fields=["status", "category", "city_key", "-created_at"], name="offers_offe_status_39a58b_idx"),
        ),
    ]
