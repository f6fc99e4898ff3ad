"""List every provider approved before the directory existed, with their current rating and jobs done."""

from django.db import migrations

from directory.models import price_level

ANY_TRADE = 0


def backfill(apps, schema_editor):
    ProviderProfile = apps.get_model("accounts", "ProviderProfile")
    ProviderReputation = apps.get_model("reviews", "ProviderReputation")
    BookingStatusCounts = apps.get_model("bookings", "BookingStatusCounts")
    DirectoryListing = apps.get_model("directory", "DirectoryListing")
    reputations = {r.provider_id: r for r in ProviderReputation.objects.all()}
    jobs = dict(BookingStatusCounts.objects.filter(side="provider").values_list("user_id", "completed"))
    rows = []
    approved = ProviderProfile.objects.filter(status="approved").select_related("base_place")
    for profile in approved.prefetch_related("categories"):
        place = profile.base_place
        reputation = reputations.get(profile.user_id)
        count = reputation.rating_count if reputation else 0
        rating_x100 = (reputation.rating_sum * 200 + count) // (count * 2) if count else 0
        for trade in [ANY_TRADE, *(category.pk for category in profile.categories.all())]:
            rows.append(
                DirectoryListing(
                    provider_id=profile.user_id,
                    trade=trade,
                    rating_x100=rating_x100,
                    rating_count=count,
                    jobs_done=jobs.get(profile.user_id, 0),
                    price_level=price_level(profile.hourly_rate_cents),
                    latitude=place.latitude if place else None,
                    longitude=place.longitude if place else None,
                    radius_km=profile.service_radius_km,
                )
            )
    DirectoryListing.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_initial"),
        ("reviews", "0002_customer_review_list_index"),
        ("bookings", "0005_booking_status_counts"),
        ("accounts", "0008_providerprofile_hourly_rate_cents"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
