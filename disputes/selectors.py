"""Reads for disputes: the booking page's panel, who may see a photo, the staff view and the overdue count."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.models import Booking
from bookings.selectors import staff_may_read_bookings
from disputes.models import Dispute, DisputePhoto

DS = Dispute.Status
OVERDUE_CAP = 100  # the dashboard says "100+" past this: the count never reads more index entries

# What the policy suggests staff decide, as the share of the refundable amount going back to the
# customer (percent): by reason, and a full refund when the provider did not respond in time.
SUGGESTED_REFUND_PERCENT = {
    Dispute.Reason.NO_SHOW: 100,
    Dispute.Reason.NOT_FINISHED: 50,
    Dispute.Reason.POOR_QUALITY: 50,
    Dispute.Reason.DAMAGE: 100,
    Dispute.Reason.OTHER: 50,
}


def dispute_for_booking(*, booking: Booking) -> Dispute | None:
    if booking.status not in (Booking.Status.DISPUTED, Booking.Status.REFUNDED, Booking.Status.RESOLVED):
        return None  # only a booking that was disputed has one (bookings' transition table): no query
    return Dispute.objects.filter(booking=booking).prefetch_related("photos").first()


def dispute_photos_by_party(*, dispute: Dispute) -> dict[str, list[DisputePhoto]]:
    """`customer_photos` and `provider_photos` of a dispute fetched with its photos (no query)."""
    photos = list(dispute.photos.all())
    return {
        f"{party}_photos": [photo for photo in photos if photo.party == party] for party in DisputePhoto.Party.values
    }


def booking_was_disputed(*, booking: Booking) -> bool:
    return Dispute.objects.filter(booking=booking).exists()


def dispute_photo_visible_to(*, user: User) -> QuerySet[DisputePhoto]:
    """Photos the user may see: the parties' own bookings, and every one for staff who may read bookings."""
    photos = DisputePhoto.objects.select_related("dispute__booking")
    if staff_may_read_bookings(user):
        return photos
    return photos.filter(dispute__booking__customer=user) | photos.filter(dispute__booking__provider=user)


@dataclass(frozen=True)
class Suggestion:
    refund_percent: int
    why: str


def dispute_suggestion(*, dispute: Dispute) -> Suggestion:
    """The policy's suggested outcome (README, "Disputes"); staff weigh the evidence and decide."""
    if dispute.status == DS.AWAITING_RESPONSE and timezone.now() > dispute.respond_by:
        return Suggestion(100, _("The provider did not respond in time: refund everything."))
    percent = SUGGESTED_REFUND_PERCENT[dispute.reason]
    if dispute.status == DS.AWAITING_RESPONSE:
        why = _("%(reason)s; the provider can still respond.") % {"reason": dispute.get_reason_display()}
    else:
        why = _("%(reason)s; both sides were heard.") % {"reason": dispute.get_reason_display()}
    return Suggestion(percent, why)


def dispute_may_respond(*, dispute: Dispute, user: User) -> bool:
    """The provider's one response, before the deadline (the service checks again under the lock)."""
    return (
        dispute.status == DS.AWAITING_RESPONSE
        and user.pk == dispute.booking.provider_id
        and timezone.now() <= dispute.respond_by
    )


def dispute_next_step(*, dispute: Dispute) -> str:
    """What happens next, in the words both parties see on the booking page."""
    if dispute.status == DS.DECIDED:
        return _("Servizo decided; the money has moved as described in the decision.")
    if dispute.status == DS.AWAITING_RESPONSE and timezone.now() <= dispute.respond_by:
        return _(
            "The provider can respond once, with their account and photos. Then Servizo staff review both "
            "sides and decide how the payment is split. The payment stays held until then."
        )
    return _("Servizo staff review both sides and decide how the payment is split. The payment stays held until then.")


def disputes_overdue() -> QuerySet[Dispute]:
    """Open disputes past their decision deadline (one index range on (status, decide_by); no sort, to count)."""
    return Dispute.objects.filter(status__in=Dispute.OPEN, decide_by__lte=timezone.now()).order_by()


def disputes_overdue_count() -> int:
    """How many disputes are overdue, capped at OVERDUE_CAP."""
    return disputes_overdue().values("pk")[:OVERDUE_CAP].count()
