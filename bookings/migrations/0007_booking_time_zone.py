from django.db import migrations, models
from django.db.models import OuterRef, Subquery

import servizo.timezones


def backfill(apps, schema_editor):
    """Existing bookings take their offer's place's zone; the others keep the default (customers had no zone)."""
    Booking = apps.get_model("bookings", "Booking")
    Offer = apps.get_model("offers", "Offer")
    zone = Offer.objects.filter(pk=OuterRef("offer_id"), place__isnull=False).values("place__time_zone")[:1]
    Booking.objects.filter(offer__place__isnull=False).update(time_zone=Subquery(zone))


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0006_dashboard_indexes"),
        ("accounts", "0009_user_time_zone"),
        ("offers", "0009_offer_place"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="time_zone",
            field=models.CharField(default=servizo.timezones.default_zone_name, max_length=64),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
