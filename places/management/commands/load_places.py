from django.core.management.base import BaseCommand

from places.loader import load_places, select_cities
from places.models import Place


class Command(BaseCommand):
    help = "Load cities (>= 15,000 inhabitants) from the packaged GeoNames dataset into places; idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--country", action="append", default=[], help="Only this country (ISO code); repeatable.")
        parser.add_argument("--min-population", type=int, default=0)
        parser.add_argument(
            "--if-needed", action="store_true", help="Do nothing when as many places are loaded as would be."
        )

    def handle(self, *args, country, min_population, if_needed, **options):
        cities = list(select_cities(countries=country, min_population=min_population))
        if if_needed and Place.objects.count() >= len(cities):
            self.stdout.write("Places already loaded.")
            return
        count = load_places(cities)
        self.stdout.write(self.style.SUCCESS(f"Loaded {count} places."))
