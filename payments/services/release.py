"""Automatic completion: escrow is released when the customer stays silent after the provider is done."""

from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Booking
from bookings.services import booking_transition
from payments.models import Chargeback
from servizo.exceptions import TransitionNotAllowed


def escrow_auto_release(*, cutoff: datetime | None = None) -> tuple[int, int]:
    """Complete (actor: system) every booking marked done by the provider before `cutoff` (by default
    ESCROW_AUTO_RELEASE_AFTER ago).

    Each booking is its own transaction; the `completed` hook releases the escrow. A booking the
    customer disputed or confirmed meanwhile is skipped, and so is one with an open chargeback (its
    release waits for the bank: payments.services.chargebacks). Returns (released, skipped).
    """
    cutoff = cutoff or timezone.now() - settings.ESCROW_AUTO_RELEASE_AFTER
    released = skipped = 0
    due = (
        Booking.objects.filter(status=Booking.Status.PROVIDER_COMPLETED, provider_completed_at__lte=cutoff)
        .exclude(chargebacks__outcome=Chargeback.Outcome.OPEN)
        .values_list("pk", flat=True)
    )
    for booking_id in due.iterator(chunk_size=500):
        try:
            booking_transition(
                booking_id=booking_id,
                to_status=Booking.Status.COMPLETED,
                actor=None,
                note=_("Completed automatically: the customer neither confirmed nor disputed in time."),
            )
            released += 1
        except TransitionNotAllowed:
            skipped += 1
    return released, skipped
