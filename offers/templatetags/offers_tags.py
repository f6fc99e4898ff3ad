"""Template tags feeding the offers partials (dashboards, nav) with bounded queries."""

from django import template
from django.urls import NoReverseMatch, reverse

from offers.selectors import offer_list_open_for_customer, offers_matching_provider

register = template.Library()

DASHBOARD_OFFERS = 5


@register.simple_tag
def optional_url(name: str, *args) -> str:
    """`{% url %}` that yields "" when the route does not exist in this deployment.

    Offer pages link to booking pages (`bookings:accept`, `bookings:detail`) that live in a
    higher app; with this the offers app renders without it and the links appear once it is
    installed.
    """
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.simple_tag
def customer_open_offers(user) -> dict:
    """The first few open offers (soonest to expire first) and how many there are: two queries."""
    offers = offer_list_open_for_customer(customer=user)
    return {"items": list(offers[:DASHBOARD_OFFERS]), "count": offers.count()}


@register.simple_tag
def matching_offer_count(user) -> int:
    return offers_matching_provider(provider=user).count()
