"""The offer's row lock. The order in which services lock offers, bookings and their rows is in `bookings.locks`."""

from offers.models import Offer, Quote


def lock_offer(offer_id: int) -> Offer:
    """Lock and return the offer (Offer.DoesNotExist if there is none); inside `transaction.atomic()`."""
    return Offer.objects.select_for_update().get(pk=offer_id)


def lock_quote(quote_id: int) -> Quote:
    """Lock and return a quote; take its offer's lock first (`bookings.locks`: offer → its quotes → booking)."""
    return Quote.objects.select_for_update().get(pk=quote_id)
