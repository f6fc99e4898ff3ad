"""Move free-text cities (typed before places existed) onto places, and report what matches none.

The migrations did this once; run it again after loading more places. It lives here, above both
apps whose rows it places (accounts' provider profiles, offers).
"""

from django.core.management.base import BaseCommand

from accounts.models import ProviderProfile
from offers.models import Offer
from places.legacy import match_free_text
from places.models import PlaceName


class Command(BaseCommand):
    help = "Set places from the free-text cities still without one, and list the cities that match no place."

    def handle(self, *args, **options):
        for label, model, place_field, advice in [
            ("provider profiles", ProviderProfile, "base_place", "they see no offers until they choose a city"),
            ("offers", Offer, "place", "they match no provider until the customer edits them"),
        ]:
            report = match_free_text(
                model, place_field=place_field, text_field="legacy_city", place_name_model=PlaceName
            )
            left = model.objects.filter(**{f"{place_field}__isnull": True}).count()
            self.stdout.write(f"{label}: {report.matched} matched now, {left} without a place ({advice}).")
            for text, rows in sorted(report.unmatched.items(), key=lambda item: -item[1]):
                self.stdout.write(f"  {text!r}: {rows}")
