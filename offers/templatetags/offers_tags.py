"""Template tags feeding the offers partials (dashboards, nav) with bounded queries."""

from django import template

from offers.selectors import offer_list_open_for_customer, offers_matching_provider

register = template.Library()

DASHBOARD_OFFERS = 5


@register.simple_tag
def customer_open_offers(user) -> dict:
    """The first few open offers (soonest to expire first) and how many there are: two queries."""
    offers = offer_list_open_for_customer(customer=user)
    return {"items": list(offers[:DASHBOARD_OFFERS]), "count": offers.count()}


@register.simple_tag
def matching_offer_count(user) -> int:
    return offers_matching_provider(provider=user).count()
