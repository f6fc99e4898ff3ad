"""The public provider directory: a maintained row per approved provider and trade.

Every number the directory filters or sorts on (rating, jobs done, price level) is copied onto
`DirectoryListing`, written in the same transaction as the event that changes it (directory.services
names the callers), so each search is a walk of one index on one table that stops at the page:
no join, no COUNT, no sort of the matches. A provider has one row per trade they offer and one with
`trade=ANY_TRADE` for searches over every trade. A search by place (providers whose service radius
reaches it) reads the bounding box of the largest radius on `dir_place` and sorts only those rows.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

ANY_TRADE = 0


class PriceLevel(models.IntegerChoices):
    """Bands of a provider's stated hourly rate (minor units): $ below 35.00, $$ up to 69.99, $$$ from 70.00."""

    NOT_STATED = 0, _("Not stated")
    BUDGET = 1, "$"
    STANDARD = 2, "$$"
    PREMIUM = 3, "$$$"


# (level, lowest rate in minor units), highest band first.
PRICE_BANDS = ((PriceLevel.PREMIUM, 7_000), (PriceLevel.STANDARD, 3_500), (PriceLevel.BUDGET, 0))


def price_level(hourly_rate_cents: int | None) -> int:
    if hourly_rate_cents is None:
        return PriceLevel.NOT_STATED
    return next(level for level, lowest in PRICE_BANDS if hourly_rate_cents >= lowest)


class DirectoryListing(models.Model):
    """One provider under one trade (`ANY_TRADE`: all of them), with the numbers the search uses.

    Rows are made when a provider is approved and kept when they leave approval (`listed=False`), so
    their counters stay current for a reinstatement. All of one provider's rows carry the same numbers.
    """

    provider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_listings")
    # A category id, or ANY_TRADE (no foreign key: 0 marks the row for every trade).
    trade = models.PositiveIntegerField()
    listed = models.BooleanField(default=True)
    rating_x100 = models.PositiveIntegerField(default=0, help_text=_("Average rating x 100; 0 before any review."))
    rating_count = models.PositiveIntegerField(default=0)
    jobs_done = models.PositiveIntegerField(default=0)
    price_level = models.PositiveSmallIntegerField(choices=PriceLevel.choices, default=PriceLevel.NOT_STATED)
    # The provider's base place and service radius (None: no base place yet, so no place search finds them).
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    radius_km = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "trade"], name="one_listing_per_provider_trade")]
        # One index per sort, with and without the price filter; each ends in the tie-breaker, so
        # `ORDER BY ... DESC LIMIT n` reads the index backwards and stops at the page. The minimum
        # rating is a range on the rating indexes and a filter on the jobs ones.
        indexes = [
            models.Index(fields=["listed", "trade", "rating_x100", "rating_count", "provider"], name="dir_rating"),
            models.Index(fields=["listed", "trade", "jobs_done", "rating_x100", "provider"], name="dir_jobs"),
            models.Index(
                fields=["listed", "trade", "price_level", "rating_x100", "rating_count", "provider"],
                name="dir_price_rating",
            ),
            models.Index(
                fields=["listed", "trade", "price_level", "jobs_done", "rating_x100", "provider"], name="dir_price_jobs"
            ),
            # A place search: the box's latitude range, longitude checked in the index; the box's rows are
            # then sorted (their number follows the density around the place, not the table).
            models.Index(fields=["listed", "trade", "latitude", "longitude"], name="dir_place"),
        ]

    def __str__(self) -> str:
        return f"Provider {self.provider_id} under trade {self.trade or 'any'}"

    @property
    def rating(self) -> float | None:
        return self.rating_x100 / 100 if self.rating_count else None


class ProviderResponseTime(models.Model):
    """How fast a provider answers offers: minutes from an offer reaching them to their accept or decline.

    "Reaching them": its publication, or for others the end of the window a customer gave one
    requested provider. Kept as a sum and a count (`directory.services.response_record`, called in the
    accept's or decline's transaction); each response counts at most RESPONSE_CAP_MINUTES so one
    offer answered weeks later cannot dominate.
    """

    provider = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="response_time"
    )
    responses = models.PositiveIntegerField(default=0)
    total_minutes = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.average_minutes} min over {self.responses}"

    @property
    def average_minutes(self) -> int | None:
        return round(self.total_minutes / self.responses) if self.responses else None


RESPONSE_CAP_MINUTES = 3 * 24 * 60
