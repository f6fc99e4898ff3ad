"""Template tags feeding the offers partials (dashboards, nav) with bounded queries."""

from django import template

from offers.live import feed_cards_html
from offers.selectors import offer_list_open_for_customer, offers_matching_provider
from servizo.context_processors import BADGE_MAX
from servizo.usercache import user_cached

register = template.Library()

DASHBOARD_OFFERS = 5
# The provider's "N open offers match your trades": a nudge to open the feed, counted up to here ("20+").
# Matching offers are a fraction of the city's open ones, so the count reads a multiple of the cap.
MATCHING_MAX = 20


@register.simple_tag
def customer_open_offers(user) -> dict:
    """The first few open offers (soonest to expire first) and how many there are ("99+" past that, so
    the count reads at most a hundred rows): two queries."""
    offers = offer_list_open_for_customer(customer=user)
    return {"items": list(offers[:DASHBOARD_OFFERS]), "count": _capped_count(offers)}


@register.simple_tag
def feed_cards(offers):
    """The feed page's cards (offers.live.feed_cards_html: cached per offer for a minute)."""
    return feed_cards_html(list(offers))


@register.simple_tag
def matching_offers(user) -> dict:
    """How many open offers match the provider ("20+" past MATCHING_MAX) and where they work (`radius_km` of
    `place`, None without a base place), up to a minute old (servizo.usercache; nothing drops it: the feed is
    always current). Data, not text: the template words it in the page's language."""

    def read() -> dict:
        profile = user.provider_profile
        base = profile.base_place
        count = _capped_count(offers_matching_provider(provider=user), MATCHING_MAX)
        return {
            "count": count,
            "number": count if isinstance(count, int) else MATCHING_MAX + 1,  # for the plural form
            "radius_km": profile.service_radius_km,
            "place": base.label if base else None,
        }

    return user_cached(user.pk, "matching_offers", read)


def _capped_count(offers, cap: int = BADGE_MAX) -> int | str:
    """The count, or "99+" past `cap`: the query stops at the cap + 1st row."""
    count = offers.order_by()[: cap + 1].count()
    return f"{cap}+" if count > cap else count
