from django.db import migrations

CATEGORIES = [
    ("Electrician", "electrician", "lightning-charge", 8000, "Wiring, sockets, lighting, fuse boxes and fault finding."),
    ("Plumber", "plumber", "droplet", 7500, "Leaks, taps, toilets, pipes, water heaters and drains."),
    ("Cleaner", "cleaner", "stars", 4500, "Regular, deep and end-of-tenancy cleaning."),
    ("Carpenter", "carpenter", "hammer", 7000, "Doors, shelves, furniture assembly and repairs."),
    ("Painter", "painter", "palette", 9000, "Interior and exterior painting and decorating."),
    ("AC & appliance technician", "ac-appliance-technician", "snow", 8500, "Air conditioners, fridges, washers and ovens."),
    ("Handyman", "handyman", "tools", 5000, "Small jobs around the home, mounting and fixing."),
]


def seed(apps, schema_editor):
    ServiceCategory = apps.get_model("accounts", "ServiceCategory")
    for ordering, (name, slug, icon, price, description) in enumerate(CATEGORIES):
        ServiceCategory.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "icon": icon,
                "suggested_price_cents": price,
                "description": description,
                "ordering": ordering,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("accounts", "ServiceCategory").objects.filter(slug__in=[c[1] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
