"""Template tags feeding the offers partials (dashboards, nav) with bounded queries."""

from django import template

from offers.selectors import offer_list_open_for_customer, offers_matching_provider
from servizo.context_processors import BADGE_MAX
from servizo.usercache import user_cached

register = template.Library()

DASHBOARD_OFFERS = 5


@register.simple_tag
def customer_open_offers(user) -> dict:
    """The first few open offers (soonest to expire first) and how many there are ("99+" past that, so
    the count reads at most a hundred rows): two queries."""
    offers = offer_list_open_for_customer(customer=user)
    count = offers.order_by()[: BADGE_MAX + 1].count()
    return {"items": list(offers[:DASHBOARD_OFFERS]), "count": f"{BADGE_MAX}+" if count > BADGE_MAX else count}


@register.simple_tag
def matching_offers(user) -> dict:
    """How many open offers match the provider and where they work ("25 km of Florence, IT"), up to a
    minute old (servizo.usercache; nothing drops it: the feed itself is always current)."""

    def read() -> dict:
        profile = user.provider_profile
        base = profile.base_place
        area = f"{profile.service_radius_km} km of {base.label}" if base else ""
        return {"count": offers_matching_provider(provider=user).count(), "area": area}

    return user_cached(user.pk, "matching_offers", read)
