import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import PrivateMediaStorage, ServiceCategory
from places.models import Place
from servizo.models import TimeStampedModel
from servizo.timezones import JobWindow


class TimeWindow(models.TextChoices):
    MORNING = "morning", _("Morning (8–12)")
    AFTERNOON = "afternoon", _("Afternoon (12–17)")
    EVENING = "evening", _("Evening (17–21)")
    FLEXIBLE = "flexible", _("Any time")


# When a job in each time window starts and ends, in the job's zone (`Offer.time_zone`, snapshotted as
# `Booking.time_zone`); "any time" counts from the earliest window and has no end.
WINDOW_START = {
    TimeWindow.MORNING: datetime.time(8),
    TimeWindow.AFTERNOON: datetime.time(12),
    TimeWindow.EVENING: datetime.time(17),
    TimeWindow.FLEXIBLE: datetime.time(8),
}
WINDOW_END = {
    TimeWindow.MORNING: datetime.time(12),
    TimeWindow.AFTERNOON: datetime.time(17),
    TimeWindow.EVENING: datetime.time(21),
}


def job_window(*, day: datetime.date, window: str, time_zone: str, place_name: str) -> JobWindow:
    """A date and a `TimeWindow` at a place: when the job starts and ends there (offers and bookings)."""
    return JobWindow(
        day=day, start=WINDOW_START[window], end=WINDOW_END.get(window), time_zone=time_zone, place_name=place_name
    )


class Offer(TimeStampedModel):
    """A customer's broadcast: a job, a place, a date and the price they are willing to pay."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="offers", verbose_name=_("customer")
    )
    category = models.ForeignKey(
        ServiceCategory, on_delete=models.PROTECT, related_name="offers", verbose_name=_("category")
    )
    title = models.CharField(max_length=120, verbose_name=_("title"))
    description = models.TextField(max_length=4000, verbose_name=_("description"))
    address = models.CharField(max_length=255, verbose_name=_("address"))  # shown to the provider once booked
    # Where the job is; providers whose radius reaches it see the offer. Empty only for offers from before
    # places whose free-text city `match_places` could not place: they match nobody.
    place = models.ForeignKey(Place, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("place"))
    legacy_city = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("The free-text city typed before places."),
        verbose_name=_("legacy city"),
    )
    preferred_date = models.DateField(verbose_name=_("preferred date"))
    time_window = models.CharField(
        max_length=16, choices=TimeWindow.choices, default=TimeWindow.FLEXIBLE, verbose_name=_("time window")
    )
    price_cents = models.PositiveIntegerField(verbose_name=_("price cents"))
    currency = models.CharField(max_length=3, default="usd", verbose_name=_("currency"))
    expires_at = models.DateTimeField(db_index=True, verbose_name=_("expires at"))
    # No single-column index on status or created_at: MariaDB picked them (an index-merge and a filesort,
    # or a walk of every offer by date) over the feed's index below, reading every open offer per page.
    # The admin orders by id.
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, verbose_name=_("status"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # Bumped by every edit that changes the deal (see `offers.services.DEAL_FIELDS`); accept and
    # decline carry the version the provider saw and are refused when it is no longer current.
    terms_version = models.PositiveIntegerField(default=1, verbose_name=_("terms version"))
    # "Request this provider" (README, "Provider directory"): the offer goes to this provider alone until
    # `exclusive_until`, then to everyone matching; with no `exclusive_until`, to them alone for its life.
    requested_provider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requested_offers",
        verbose_name=_("requested provider"),
    )
    exclusive_until = models.DateTimeField(null=True, blank=True, verbose_name=_("exclusive until"))
    # When every matching provider was told of it: at publish, or after a requested provider's window
    # (offers.services.offers_announce_due); None until then, and for ever for "only this provider".
    announced_at = models.DateTimeField(null=True, blank=True, verbose_name=_("announced at"))

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-created_at", "-id"]
        # The feed walks the places in the provider's radius nearest first (places.geo), reading each place's
        # open offers in each of their trades newest first (offers.selectors.Feed); the customer's list walks
        # their offers newest first, their dashboard panel their open offers by expiry.
        indexes = [
            models.Index(fields=["place", "status", "category", "created_at"]),
            models.Index(fields=["customer", "created_at"]),
            models.Index(fields=["customer", "status", "expires_at"]),
            # The announcement job: open offers whose requested provider's window is over and not yet announced.
            models.Index(fields=["status", "announced_at", "exclusive_until"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def job_window(self) -> JobWindow:
        """The preferred date and window at the job's place ("Tue 1 Dec, 08:00-12:00 (Florence time)")."""
        place_name = self.place.name if self.place_id else self.legacy_city
        return job_window(
            day=self.preferred_date, window=self.time_window, time_zone=self.time_zone, place_name=place_name
        )

    @property
    def time_zone(self) -> str:
        """The zone of the job's date and window: its place's, else (no place yet) the customer's."""
        return self.place.time_zone if self.place_id else self.customer.time_zone

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
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="declines", verbose_name=_("offer"))
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="declined_offers", verbose_name=_("provider")
    )
    reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("offer decline")
        verbose_name_plural = _("offer declines")
        constraints = [models.UniqueConstraint(fields=["offer", "provider"], name="one_decline_per_provider")]

    def __str__(self) -> str:
        return f"{self.provider} declined {self.offer}"


class OfferEvent(models.Model):
    """Audit row for every offer status change."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="events", verbose_name=_("offer"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    from_status = models.CharField(max_length=16, choices=Offer.Status.choices, verbose_name=_("from status"))
    to_status = models.CharField(max_length=16, choices=Offer.Status.choices, verbose_name=_("to status"))
    note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("offer event")
        verbose_name_plural = _("offer events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Quote(TimeStampedModel):
    """A provider's counter-offer on an open offer: their price and, optionally, another day or time window.

    One row per (offer, provider): sending again revises the same row in place (new terms, new expiry,
    `revision` + 1, back to pending whatever its status, on an open offer), so the customer never sees
    two quotes from one provider; every change is in the QuoteEvent log. `terms_version` is the offer's
    version the quote answers: once the customer changes the offer, the quote can no longer be accepted
    until the provider revises it. A pending quote past `expires_at` counts as expired everywhere (lazy
    expiry); the beat task writes the status later.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")
        LOST = "lost", _("Not chosen")

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="quotes", verbose_name=_("offer"))
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("provider")
    )
    price_cents = models.PositiveIntegerField(verbose_name=_("price cents"))
    currency = models.CharField(max_length=3, default="usd", verbose_name=_("currency"))
    # Empty: as the offer asks.
    preferred_date = models.DateField(null=True, blank=True, verbose_name=_("preferred date"))
    time_window = models.CharField(max_length=16, choices=TimeWindow.choices, blank=True, verbose_name=_("time window"))
    message = models.TextField(max_length=1000, blank=True, verbose_name=_("message"))
    terms_version = models.PositiveIntegerField(verbose_name=_("terms version"))
    revision = models.PositiveIntegerField(default=1, verbose_name=_("revision"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, verbose_name=_("status"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    decline_reason = models.CharField(max_length=500, blank=True, verbose_name=_("decline reason"))

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["price_cents", "id"]
        constraints = [models.UniqueConstraint(fields=["offer", "provider"], name="one_quote_per_provider")]
        # The offer page lists an offer's pending quotes cheapest first; the beat walks pending ones by expiry.
        indexes = [
            models.Index(fields=["offer", "status", "price_cents"]),
            models.Index(fields=["status", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.provider} quoted on {self.offer}"

    @property
    def is_live(self) -> bool:
        """Pending and not past its expiry."""
        return self.status == self.Status.PENDING and self.expires_at > timezone.now()

    @property
    def display_status(self) -> str:
        if self.status == self.Status.PENDING and not self.is_live:
            return self.Status.EXPIRED.label
        return self.get_status_display()

    @property
    def scheduled_date(self):
        """The day the job would be done: the quote's, or the offer's."""
        return self.preferred_date or self.offer.preferred_date

    @property
    def scheduled_window(self) -> str:
        return self.time_window or self.offer.time_window

    def get_scheduled_window_display(self) -> str:
        return TimeWindow(self.scheduled_window).label


class QuoteEvent(models.Model):
    """Audit row for every quote change: sent (from ""), revised (pending → pending), and each status move."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="events", verbose_name=_("quote"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    from_status = models.CharField(
        max_length=16, choices=Quote.Status.choices, blank=True, verbose_name=_("from status")
    )
    to_status = models.CharField(max_length=16, choices=Quote.Status.choices, verbose_name=_("to status"))
    note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("quote event")
        verbose_name_plural = _("quote events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


def _private_storage() -> PrivateMediaStorage:
    return PrivateMediaStorage()


class OfferPhoto(models.Model):
    """A photo the customer attached to an offer (servizo.images: re-encoded, no metadata), with its thumbnail.

    Served by offers.views.offer_photo to whoever may see the offer (offers.selectors.offer_photo_for_viewer).
    """

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="photos", verbose_name=_("offer"))
    image = models.FileField(upload_to="offer-photos/%Y/%m/", storage=_private_storage, verbose_name=_("image"))
    thumbnail = models.FileField(upload_to="offer-photos/%Y/%m/", storage=_private_storage, verbose_name=_("thumbnail"))
    content_type = models.CharField(max_length=20, verbose_name=_("content type"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("offer photo")
        verbose_name_plural = _("offer photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Photo {self.pk} of offer {self.offer_id}"
