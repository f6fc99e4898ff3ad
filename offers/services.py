"""Writes for offers. Offer status moves only through `offer_transition`."""

from django.db import transaction

from accounts.models import User
from offers.models import Offer, OfferEvent
from servizo.exceptions import TransitionNotAllowed

S = Offer.Status

# from-status -> statuses it may move to.
# accepted -> open: the booking made from it was cancelled unpaid, so the offer goes back on the market.
OFFER_TRANSITIONS: dict[str, set[str]] = {
    S.OPEN: {S.ACCEPTED, S.WITHDRAWN, S.EXPIRED},
    S.ACCEPTED: {S.OPEN},
}


def offer_transition(*, offer: Offer, to_status: str, actor: User | None, note: str = "") -> Offer:
    """Move a locked offer (caller holds `select_for_update` inside `transaction.atomic`).

    Records an OfferEvent; raises TransitionNotAllowed for a move not in OFFER_TRANSITIONS.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("offer_transition must run inside transaction.atomic() on a locked offer.")
    if to_status not in OFFER_TRANSITIONS.get(offer.status, set()):
        raise TransitionNotAllowed(f"This offer is {offer.get_status_display().lower()}.")
    OfferEvent.objects.create(offer=offer, actor=actor, from_status=offer.status, to_status=to_status, note=note)
    offer.status = to_status
    offer.save(update_fields=["status", "updated_at"])
    return offer
