import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import ServiceCategory
from places.models import Place
from servizo.models import TimeStampedModel


class TimeWindow(models.TextChoices):
    MORNING = "morning", "Morning (8–12)"
    AFTERNOON = "afternoon", "Afternoon (12–17)"
    EVENING = "evening", "Evening (17–21)"
    FLEXIBLE = "flexible", "Any time"


class Offer(TimeStampedModel):
    """A customer's broadcast: a job, a place, a date and the price they are willing to pay."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="offers")
    category = models.ForeignKey(ServiceCategory, on_delete=models.PROTECT, related_name="offers")
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=4000)
    address = models.CharField(max_length=255)  # shown to the provider once booked
    # Where the job is; providers whose radius reaches it see the offer. Empty only for offers from before
    # places whose free-text city `match_places` could not place: they match nobody.
    place = models.ForeignKey(Place, on_delete=models.PROTECT, null=True, related_name="+")
    legacy_city = models.CharField(max_length=100, blank=True, help_text="The free-text city typed before places.")
    preferred_date = models.DateField()
    time_window = models.CharField(max_length=16, choices=TimeWindow.choices, default=TimeWindow.FLEXIBLE)
    price_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="usd")
    expires_at = models.DateTimeField(db_index=True)
    # No single-column index on status or created_at: MariaDB picked them (an index-merge and a filesort,
    # or a walk of every offer by date) over the feed's index below, reading every open offer per page.
    # The admin orders by id.
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped by every edit that changes the deal (see `offers.services.DEAL_FIELDS`); accept and
    # decline carry the version the provider saw and are refused when it is no longer current.
    terms_version = models.PositiveIntegerField(default=1)
    # "Request this provider" (README, "Provider directory"): the offer goes to this provider alone until
    # `exclusive_until`, then to everyone matching; with no `exclusive_until`, to them alone for its life.
    requested_provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="requested_offers"
    )
    exclusive_until = models.DateTimeField(null=True, blank=True)
    # When every matching provider was told of it: at publish, or after a requested provider's window
    # (offers.services.offers_announce_due); None until then, and for ever for "only this provider".
    announced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The feed finds the places in the provider's box (places.geo), then each place's open offers in
        # their trades; the customer's list walks their offers newest first.
        indexes = [
            models.Index(fields=["place", "status", "category", "expires_at"]),
            models.Index(fields=["customer", "created_at"]),
            # The announcement job: open offers whose requested provider's window is over and not yet announced.
            models.Index(fields=["status", "announced_at", "exclusive_until"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def place_label(self) -> str:
        """Where, as people read it ("Florence, IT"); the old free text while the offer has no place."""
        return self.place.label if self.place_id else self.legacy_city

    @property
    def is_open(self) -> bool:
        """Open and not past its expiry (expiry is applied lazily)."""
        return self.status == self.Status.OPEN and self.expires_at > timezone.now()

    @property
    def is_exclusive(self) -> bool:
        """Only the requested provider may see and take it now."""
        return self.requested_provider_id is not None and (
            self.exclusive_until is None or self.exclusive_until > timezone.now()
        )

    def reached_at(self, provider_id: int) -> datetime.datetime:
        """When this offer reached the provider: its publication, or for others the end of the requested
        provider's window (the start of the directory's response time)."""
        if self.requested_provider_id in (None, provider_id) or self.exclusive_until is None:
            return self.created_at
        return max(self.created_at, self.exclusive_until)

    @property
    def is_accepted(self) -> bool:
        return self.status == self.Status.ACCEPTED

    @property
    def display_status(self) -> str:
        """The status as users should see it: an open offer past its expiry reads "Expired"."""
        if self.status == self.Status.OPEN and not self.is_open:
            return self.Status.EXPIRED.label
        return self.get_status_display()


class OfferDecline(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="declines")
    provider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="declined_offers")
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["offer", "provider"], name="one_decline_per_provider")]

    def __str__(self) -> str:
        return f"{self.provider} declined {self.offer}"


class OfferEvent(models.Model):
    """Audit row for every offer status change."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=16, choices=Offer.Status.choices)
    to_status = models.CharField(max_length=16, choices=Offer.Status.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
