"""A customer's report of a problem with a booking: complaint, the provider's one response, photos, decision.

The money is decided by staff through payments' settlement (refund all / release all / split); the
dispute records what each party said and showed, the deadlines, and its own status (disputes.services).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import PrivateMediaStorage
from bookings.models import Booking
from servizo.models import TimeStampedModel


def _private_storage() -> PrivateMediaStorage:
    return PrivateMediaStorage()


class Dispute(TimeStampedModel):
    class Status(models.TextChoices):
        AWAITING_RESPONSE = "awaiting_response", _("Waiting for the provider's response")
        AWAITING_DECISION = "awaiting_decision", _("Waiting for Servizo's decision")
        DECIDED = "decided", _("Decided")

    class Reason(models.TextChoices):
        NO_SHOW = "no_show", _("The provider did not show up")
        NOT_FINISHED = "not_finished", _("The job was not finished")
        POOR_QUALITY = "poor_quality", _("The work is poor or not what was agreed")
        DAMAGE = "damage", _("Something was damaged")
        OTHER = "other", _("Something else")

    # Not decided yet: what the dashboard's overdue flag and the booking panel ask about.
    OPEN = frozenset({Status.AWAITING_RESPONSE, Status.AWAITING_DECISION})

    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="dispute", verbose_name=_("booking"))
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.AWAITING_RESPONSE, verbose_name=_("status")
    )
    reason = models.CharField(max_length=20, choices=Reason.choices, verbose_name=_("reason"))
    description = models.TextField(max_length=2000, verbose_name=_("description"))
    # The booking's status when the problem was reported (in progress, or marked done).
    booking_status_at_open = models.CharField(
        max_length=24, choices=Booking.Status.choices, verbose_name=_("booking status at open")
    )
    respond_by = models.DateTimeField(help_text=_("The provider may respond until then."), verbose_name=_("respond by"))
    decide_by = models.DateTimeField(
        help_text=_("Staff should decide by then; later, the dashboard flags it."), verbose_name=_("decide by")
    )
    response = models.TextField(max_length=2000, blank=True, verbose_name=_("response"))
    responded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("responded at"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_note = models.TextField(max_length=2000, blank=True, verbose_name=_("decision note"))

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-created_at", "-id"]
        # The dashboard's overdue count: one index range over the open statuses by deadline.
        indexes = [models.Index(fields=["status", "decide_by"])]

    def __str__(self) -> str:
        return f"Dispute on booking #{self.booking_id}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class DisputeEvent(models.Model):
    """The dispute's log: every status change with its actor (null = the system) and note."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, choices=Dispute.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Dispute.Status.choices)
    note = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class DisputePhoto(models.Model):
    """One photo of evidence, re-encoded from the upload (no metadata kept), with its thumbnail."""

    class Party(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        PROVIDER = "provider", _("Provider")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="photos")
    party = models.CharField(max_length=10, choices=Party.choices)
    image = models.FileField(upload_to="dispute-photos/%Y/%m/", storage=_private_storage)
    thumbnail = models.FileField(upload_to="dispute-photos/%Y/%m/", storage=_private_storage)
    content_type = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Photo {self.pk} ({self.party}) on dispute {self.dispute_id}"
