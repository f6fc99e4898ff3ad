"""Reviews of completed bookings, provider replies, private customer ratings and reputation.

`ProviderReputation` is a denormalised summary (count, sum, per-star counts) of a
provider's visible reviews. It is never edited by hand: every service that creates,
edits, hides or unhides a review locks the provider's reputation row with
`select_for_update()` and recomputes it from the reviews in the same transaction
(see `reviews.services`), so pages read one row instead of aggregating reviews.
The completed-jobs count is not stored: the profile page counts it with one query
(bookings stay the single source of truth for their status).
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from servizo.models import TimeStampedModel

COMMENT_MAX_LENGTH = 2000
REPLY_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 1000
STARS = (5, 4, 3, 2, 1)

rating_validators = [MinValueValidator(1), MaxValueValidator(5)]


def rating_check(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name=name)


def rounded_average(total: int, count: int) -> Decimal | None:
    """The one rounding rule for shown averages: one decimal, halves rounded up (4.25 → 4.3)."""
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class Review(TimeStampedModel):
    """The customer's public review of a completed booking (one per booking)."""

    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="review", verbose_name=_("booking"))
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_written", verbose_name=_("customer")
    )
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_received", verbose_name=_("provider")
    )
    rating = models.PositiveSmallIntegerField(validators=rating_validators, verbose_name=_("rating"))
    comment = models.TextField(max_length=COMMENT_MAX_LENGTH, blank=True, verbose_name=_("comment"))
    edited_at = models.DateTimeField(null=True, blank=True, verbose_name=_("edited at"))
    # Moderation: a hidden review no longer counts and shows as "removed by moderator" to its provider.
    is_hidden = models.BooleanField(default=False, verbose_name=_("is hidden"))
    hidden_reason = models.TextField(max_length=1000, blank=True, verbose_name=_("hidden reason"))
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hidden by"),
    )
    hidden_at = models.DateTimeField(null=True, blank=True, verbose_name=_("hidden at"))

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["provider", "is_hidden", "-created_at"]),
            models.Index(fields=["provider", "is_hidden", "rating"]),
            # The customer's "my reviews" list, newest first, read in index order (InnoDB appends `id`).
            models.Index(fields=["customer", "created_at"]),
        ]
        constraints = [rating_check("review_rating_1_to_5")]
        permissions = [("moderate_review", _("Can hide and unhide reviews"))]

    def __str__(self) -> str:
        return gettext("%(rating)s★ for %(provider)s (booking #%(booking)s)") % {
            "rating": self.rating,
            "provider": self.provider,
            "booking": self.booking_id,
        }

    @property
    def editable_until(self):
        return self.created_at + settings.REVIEW_EDIT_WINDOW

    @property
    def is_editable(self) -> bool:
        """Within the edit window and not removed by a moderator (then frozen for good)."""
        return not self.is_hidden and timezone.now() <= self.editable_until


class ReviewReply(TimeStampedModel):
    """The provider's one public answer to a review."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="reply")
    provider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_replies")
    text = models.TextField(max_length=REPLY_MAX_LENGTH)

    class Meta:
        verbose_name_plural = _("review replies")

    def __str__(self) -> str:
        return f"Reply to review #{self.review_id}"


class ReviewModerationEvent(models.Model):
    """Audit row for every hide/unhide: who, what, why, when."""

    class Action(models.TextChoices):
        HIDDEN = "hidden", _("Hidden")
        UNHIDDEN = "unhidden", _("Restored")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="moderation_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.TextField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} review #{self.review_id}"


class CustomerRating(TimeStampedModel):
    """A provider's private rating of the customer of a completed booking (staff and providers see aggregates)."""

    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, related_name="customer_rating", verbose_name=_("booking")
    )
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="customer_ratings_given",
        verbose_name=_("provider"),
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="customer_ratings_received",
        verbose_name=_("customer"),
    )
    rating = models.PositiveSmallIntegerField(validators=rating_validators, verbose_name=_("rating"))
    note = models.TextField(
        max_length=NOTE_MAX_LENGTH, blank=True, help_text=_("Private: only staff read it."), verbose_name=_("note")
    )

    class Meta:
        verbose_name = _("customer rating")
        verbose_name_plural = _("customer ratings")
        ordering = ["-created_at", "-id"]
        constraints = [rating_check("customer_rating_1_to_5")]

    def __str__(self) -> str:
        return gettext("%(rating)s★ for customer %(customer)s (booking #%(booking)s)") % {
            "rating": self.rating,
            "customer": self.customer,
            "booking": self.booking_id,
        }


class ProviderReputation(models.Model):
    """Summary of a provider's visible reviews, recomputed under a row lock by every review change."""

    provider = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="reputation",
        verbose_name=_("provider"),
    )
    rating_count = models.PositiveIntegerField(default=0, verbose_name=_("rating count"))
    rating_sum = models.PositiveIntegerField(default=0, verbose_name=_("rating sum"))
    stars_1 = models.PositiveIntegerField(default=0, verbose_name=_("stars 1"))
    stars_2 = models.PositiveIntegerField(default=0, verbose_name=_("stars 2"))
    stars_3 = models.PositiveIntegerField(default=0, verbose_name=_("stars 3"))
    stars_4 = models.PositiveIntegerField(default=0, verbose_name=_("stars 4"))
    stars_5 = models.PositiveIntegerField(default=0, verbose_name=_("stars 5"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("provider reputation")
        verbose_name_plural = _("provider reputations")

    def __str__(self) -> str:
        return f"{self.provider}: {self.average or '—'} ({self.rating_count})"

    @property
    def average(self) -> Decimal | None:
        return rounded_average(self.rating_sum, self.rating_count)

    def distribution(self) -> list[dict]:
        """5★ … 1★ rows for the bars: stars, count and whole percent of visible reviews."""
        rows = []
        for stars in STARS:
            count = getattr(self, f"stars_{stars}")
            percent = round(100 * count / self.rating_count) if self.rating_count else 0
            rows.append({"stars": stars, "count": count, "percent": percent})
        return rows
