from django import template

from disputes.selectors import dispute_for_booking, dispute_may_respond, dispute_next_step, dispute_photos_by_party
from disputes.services import dispute_may_open

register = template.Library()


@register.simple_tag
def booking_dispute_state(booking, user) -> dict:
    """The booking page's dispute panel: the dispute (if any), the next step, and what this user may do."""
    dispute = dispute_for_booking(booking=booking)
    if dispute is None:
        return {"dispute": None, "may_open": dispute_may_open(booking=booking, user=user)}
    return {
        "dispute": dispute,
        "next_step": dispute_next_step(dispute=dispute),
        "may_respond": dispute_may_respond(dispute=dispute, user=user),
        **dispute_photos_by_party(dispute=dispute),
    }
