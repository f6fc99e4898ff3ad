from django.db import migrations, models

# The Urdu names of the categories 0002_seed_categories created (by slug); a name an operator already
# filled in is kept.
URDU_NAMES = {
    "electrician": "الیکٹریشن",
    "plumber": "پلمبر",
    "cleaner": "صفائی والا",
    "carpenter": "بڑھئی",
    "painter": "رنگ ساز",
    "ac-appliance-technician": "اے سی اور گھریلو آلات کا ٹیکنیشن",
    "handyman": "مستری",
}


def name_in_urdu(apps, schema_editor):
    ServiceCategory = apps.get_model("accounts", "ServiceCategory")
    for slug, name in URDU_NAMES.items():
        ServiceCategory.objects.filter(slug=slug, name_ur="").update(name_ur=name)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0011_verbose_names")]

    operations = [
        migrations.AddField(
            model_name="servicecategory",
            name="name_ur",
            field=models.CharField(
                blank=True,
                help_text="Shown on Urdu pages; empty: the English name.",
                max_length=80,
                verbose_name="name in Urdu",
            ),
        ),
        migrations.RunPython(name_in_urdu, migrations.RunPython.noop),
    ]
