"""The offer's row lock. The order in which services lock offers, bookings and their rows is in `bookings.locks`."""

from offers.models import Offer


def lock_offer(offer_id: int) -> Offer:
    """Lock and return the offer (Offer.DoesNotExist if there is none); inside `transaction.atomic()`."""
    return Offer.objects.select_for_update().get(pk=offer_id)
