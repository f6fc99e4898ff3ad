from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import ServiceCategory
from offers.models import Offer, TimeWindow, job_window
from servizo.models import TimeStampedModel
from servizo.timezones import JobWindow, default_zone_name


def _free_cancellation_hours() -> int:
    return settings.CANCELLATION_FREE_HOURS


def _late_cancellation_fee_bp() -> int:
    return settings.CANCELLATION_LATE_FEE_BP


class Booking(TimeStampedModel):
    """An accepted offer, with a snapshot of everything that was agreed."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        SCHEDULED = "scheduled", _("Scheduled (paid, in escrow)")
        IN_PROGRESS = "in_progress", _("In progress")
        PROVIDER_COMPLETED = "provider_completed", _("Marked done by provider")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        DISPUTED = "disputed", _("Disputed")
        REFUNDED = "refunded", _("Refunded")
        RESOLVED = "resolved", _("Resolved")  # by a staff decision or the cancellation policy (money split)

    # Phases: the groupings of statuses the apps ask about, defined here and only here. Queries filter
    # with `status__in=Booking.<PHASE>`; code and templates ask the properties below, never literals.
    # Paid and the job not done yet (a staff refund on one cancels it first; the customer's "upcoming").
    UPCOMING = frozenset({Status.SCHEDULED, Status.IN_PROGRESS})
    # Not yet marked done by the provider (what a provider's suspension cancels).
    UNFINISHED = frozenset({Status.AWAITING_PAYMENT, *UPCOMING})
    # Waiting for the customer: to pay, or to confirm (or dispute) the provider's "done".
    NEEDS_CUSTOMER_ACTION = frozenset({Status.AWAITING_PAYMENT, Status.PROVIDER_COMPLETED})
    # Stopped short of completion; the escrow is frozen until staff decide (refund or resolve).
    NEEDS_DECISION = frozenset({Status.CANCELLED, Status.DISPUTED})
    # A booking in any other status holds no escrow (the ledger audit checks it).
    HOLDS_MONEY = frozenset({*UPCOMING, Status.PROVIDER_COMPLETED, *NEEDS_DECISION})
    # Staff may decide its money (refund, release): anything not waiting on the customer.
    SETTLEABLE = frozenset(Status) - NEEDS_CUSTOMER_ACTION
    # Over: nothing more happens to the job, so its conversation is read-only history.
    CLOSED = frozenset({Status.COMPLETED, Status.CANCELLED, Status.REFUNDED, Status.RESOLVED})
    # The customer's past bookings: over, or stopped in a dispute.
    HISTORY = frozenset({*CLOSED, Status.DISPUTED})

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("offer"))
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="customer_bookings", verbose_name=_("customer")
    )
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="provider_bookings", verbose_name=_("provider")
    )
    category = models.ForeignKey(
        ServiceCategory, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("category")
    )
    title = models.CharField(max_length=120, verbose_name=_("title"))
    description = models.TextField(max_length=4000, verbose_name=_("description"))
    price_cents = models.PositiveIntegerField(verbose_name=_("price cents"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    # Commission in basis points (2000 = 20 %) in force when the booking was made.
    commission_rate_bp = models.PositiveIntegerField(verbose_name=_("commission rate bp"))
    address = models.CharField(max_length=255, verbose_name=_("address"))
    city = models.CharField(max_length=100, verbose_name=_("city"))
    scheduled_date = models.DateField(verbose_name=_("scheduled date"))
    time_window = models.CharField(max_length=16, choices=TimeWindow.choices, verbose_name=_("time window"))
    # The zone the date and window are in (IANA name): the offer's place's, else the customer's, at booking.
    time_zone = models.CharField(max_length=64, default=default_zone_name, verbose_name=_("time zone"))
    status = models.CharField(
        max_length=24, choices=Status.choices, default=Status.AWAITING_PAYMENT, verbose_name=_("status")
    )
    # The cancellation policy in force when the booking was made (README "Cancellation policy"),
    # snapshotted like the commission rate so that a later change of the settings never rewrites it.
    free_cancellation_hours = models.PositiveIntegerField(
        default=_free_cancellation_hours, verbose_name=_("free cancellation hours")
    )
    late_cancellation_fee_bp = models.PositiveIntegerField(
        default=_late_cancellation_fee_bp, verbose_name=_("late cancellation fee bp")
    )
    pay_by = models.DateTimeField(
        help_text=_("Unpaid after this, the booking is cancelled and the offer reopens."), verbose_name=_("pay by")
    )
    # When the provider marked the job done; auto-release of escrow counts from here.
    provider_completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("provider completed at"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["-created_at", "-id"]
        # Each party's list and panels read one index range in the page's order (InnoDB appends `id`).
        indexes = [
            models.Index(fields=["customer", "created_at"]),
            models.Index(fields=["provider", "created_at"]),
            models.Index(fields=["customer", "status", "created_at"]),
            models.Index(fields=["provider", "status", "created_at"]),
            # The dashboard panels' per-status ranges, in their orders (bookings.selectors._first_rows).
            models.Index(fields=["customer", "status", "pay_by"]),
            models.Index(fields=["customer", "status", "scheduled_date"]),
            models.Index(fields=["provider", "status", "scheduled_date"]),
            models.Index(fields=["provider", "status", "completed_at"]),
            models.Index(fields=["customer", "status", "completed_at"]),  # "rate your last jobs"
            # Status alone (the expiry and escrow-release sweeps, the staff queues and filters). Not a
            # single-column index: MariaDB intersected that with the party's index (index_merge) and
            # sorted the whole intersection instead of reading the (party, status, ...) range in order.
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return gettext("Booking #%(id)s: %(title)s") % {"id": self.pk, "title": self.title}

    @property
    def auto_release_at(self):
        """When the escrow is released without the customer (release_escrow), once the provider marked it done."""
        if self.status != self.Status.PROVIDER_COMPLETED or self.provider_completed_at is None:
            return None
        return self.provider_completed_at + settings.ESCROW_AUTO_RELEASE_AFTER

    def get_absolute_url(self) -> str:
        return reverse("bookings:detail", args=[self.pk])

    @property
    def is_awaiting_payment(self) -> bool:
        return self.status == self.Status.AWAITING_PAYMENT

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED

    @property
    def needs_decision(self) -> bool:
        return self.status in self.NEEDS_DECISION

    @property
    def holds_money(self) -> bool:
        return self.status in self.HOLDS_MONEY

    @property
    def job_window(self) -> JobWindow:
        """The date and window in the job's own zone ("Tue 1 Dec, 08:00-12:00 (Florence time)")."""
        place_name = self.city.partition(",")[0]  # "Florence, IT"
        return job_window(
            day=self.scheduled_date, window=self.time_window, time_zone=self.time_zone, place_name=place_name
        )

    @property
    def starts_at(self) -> datetime:
        """The scheduled start: the date at its time window's start in the job's zone, as an aware instant."""
        return self.job_window.starts_at

    @property
    def free_cancellation_until(self) -> datetime:
        """Until then the customer cancels for free; after it, the late-cancellation fee applies."""
        return self.starts_at - timedelta(hours=self.free_cancellation_hours)

    @classmethod
    def in_status_order(cls, phase: frozenset[str]) -> list[str]:
        """A phase's statuses in the order of `Status` (for menus and stable output)."""
        return [status for status in cls.Status.values if status in phase]


class BookingEvent(models.Model):
    """The booking timeline: every transition with its actor (null = the system)."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events", verbose_name=_("booking"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    from_status = models.CharField(
        max_length=24, choices=Booking.Status.choices, blank=True, verbose_name=_("from status")
    )
    to_status = models.CharField(max_length=24, choices=Booking.Status.choices, verbose_name=_("to status"))
    note = models.TextField(max_length=1000, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("booking event")
        verbose_name_plural = _("booking events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"

    @property
    def actor_label(self) -> str:
        """Who made the move, as the parties see it: a party by name, otherwise Servizo."""
        if self.actor_id is None:
            return gettext("Servizo (automatically)")
        if self.actor_id in (self.booking.customer_id, self.booking.provider_id):
            return str(self.actor)
        return gettext("Servizo staff")


class ProviderCancellation(models.Model):
    """Reliability record: a provider cancelled a paid booking (the customer got a full refund)."""

    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, related_name="provider_cancellation", verbose_name=_("booking")
    )
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="booking_cancellations",
        verbose_name=_("provider"),
    )
    reason = models.TextField(max_length=1000, verbose_name=_("reason"))
    hours_before_start = models.IntegerField(
        help_text=_("Negative: cancelled after the scheduled start."), verbose_name=_("hours before start")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("provider cancellation")
        verbose_name_plural = _("provider cancellations")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["provider", "created_at"])]

    def __str__(self) -> str:
        return gettext("%(provider)s cancelled booking #%(id)s") % {"provider": self.provider, "id": self.booking_id}


class ProviderReliability(models.Model):
    """Maintained counters behind a provider's public cancellation rate (never a COUNT on a page).

    Written in the transaction of the booking move that changes them (bookings.services): `paid_bookings`
    when a booking of theirs is paid, `cancellations` when they cancel a paid one.
    """

    provider = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reliability")
    paid_bookings = models.PositiveIntegerField(default=0)
    cancellations = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = _("provider reliability")

    def __str__(self) -> str:
        return f"{self.provider}: {self.cancellations} of {self.paid_bookings} paid bookings cancelled"

    @property
    def cancellation_percent(self) -> int | None:
        """Cancelled paid bookings in percent, rounded half up; None before the first paid booking."""
        if not self.paid_bookings:
            return None
        return (self.cancellations * 200 + self.paid_bookings) // (self.paid_bookings * 2)


class BookingStatusCounts(models.Model):
    """How many bookings one party has in each status: one row per user and side, a column per status.

    Maintained by `bookings.services.status_counts_move` in the transaction of every booking's creation
    and transition, so the dashboards read one row instead of grouping the user's whole history.
    `audit_booking_counts` checks it against the bookings.
    """

    class Side(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        PROVIDER = "provider", _("Provider")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    side = models.CharField(max_length=8, choices=Side.choices)
    # One column per Booking.Status value, named like it (a test keeps the two in step).
    awaiting_payment = models.IntegerField(default=0)
    scheduled = models.IntegerField(default=0)
    in_progress = models.IntegerField(default=0)
    provider_completed = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    cancelled = models.IntegerField(default=0)
    disputed = models.IntegerField(default=0)
    refunded = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "side"], name="one_status_count_row_per_side")]
        verbose_name_plural = _("booking status counts")

    def __str__(self) -> str:
        return f"Booking counts of user {self.user_id} as {self.side}"

    def by_status(self) -> dict[str, int]:
        return {status: getattr(self, status) for status in Booking.Status.values}
