"""The live offer feed: channel-layer groups per category and map cell, and the broadcast on commit.

Groups are `offers.<category_id>.<lat>.<lng>`, one per 1-degree cell of the map (`places.geo.cell_of`).
An offer is sent to its place's cell; a provider's feed socket joins, for each of their categories,
every cell their service radius' box touches (a 100 km radius touches a few). Every change to an offer
that can add it to or remove it from a feed (publish, edit, any status change) sends one
`offer.changed` event to the offer's group(s) from the worker (offers.tasks), queued after the
transaction commits; the consumer asks `offers.selectors.provider_offer_access` whether to show or
drop the card, so the matching rule stays in one place and a group broader than the rule is harmless.
The event carries the card in every site language; each socket sends the one of its page (`?lang=`).
"""

from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from accounts.models import User
from offers.models import Offer
from offers.selectors import approved_profile, offers_with_first_photo
from places import geo
from servizo.commit import after_commit
from servizo.fragments import cached_fragments
from servizo.pagecache import shared_pages_changed
from servizo.realtime import broadcast

FEED_CARD_TEMPLATE = "offers/_feed_card.html"
# A card is the same for every provider; the feed page reuses it for this long (its "posted ... ago" and
# its category's name are at most this old; any save of the offer makes a new key).
FEED_CARD_CACHE_SECONDS = 60
# The shared page generation (servizo.pagecache) of every provider's cached feed page: any offer change renews it.
FEED_PAGES = "offer-feed"


def feed_group(*, category_id: int, cell: tuple[int, int]) -> str:
    return f"offers.{category_id}.{cell[0]}.{cell[1]}"


def offer_feed_groups(offer: Offer) -> set[str]:
    """The group an offer's changes go to (none for an offer without a place: it matches nobody)."""
    if offer.place is None:
        return set()
    return {feed_group(category_id=offer.category_id, cell=geo.cell_of(offer.place.latitude, offer.place.longitude))}


def provider_feed_groups(*, provider: User) -> list[str]:
    """The groups an approved provider's feed socket listens on (empty for anybody else)."""
    profile = approved_profile(provider)
    if profile is None or profile.base_place is None:
        return []
    base = profile.base_place
    cells = geo.cells_covering(latitude=base.latitude, longitude=base.longitude, radius_km=profile.service_radius_km)
    return [
        feed_group(category_id=pk, cell=cell)
        for pk in profile.categories.values_list("pk", flat=True)
        for cell in cells
    ]


def render_feed_card(offer: Offer) -> str:
    """The card HTML the feed page shows; autoescaped, so customer text cannot inject markup."""
    return render_to_string(FEED_CARD_TEMPLATE, {"offer": offer})


def feed_cards_html(offers: list[Offer]) -> SafeString:
    """The cards of a feed page, from the cache where rendered in the last FEED_CARD_CACHE_SECONDS.

    Keyed by the offer's id, last save (`updated_at`), the viewer's zone (the card shows a time), the distance
    it shows (in whole km, as the card rounds it: each provider has their own) and the page's language, so an
    edit or a status change shows at once; one cache round trip for the page, and a
    card is rendered once a minute per zone and language instead of once per provider per view (rendering
    was most of the page's cost per row).
    With Redis down every card is rendered.
    """
    zone, language = timezone.get_current_timezone_name(), translation.get_language()
    return cached_fragments(
        offers,
        key=lambda offer: f"offer-card:{offer.pk}:{offer.updated_at.timestamp()}:{zone}:{language}:{_km(offer)}",
        render=render_feed_card,
        timeout=FEED_CARD_CACHE_SECONDS,
    )


def _km(offer: Offer) -> str:
    distance = getattr(offer, "distance_km", None)
    return "" if distance is None else floatformat(distance, 0)  # exactly as the card shows it


def offer_changed_sender(*, offer: Offer, groups: set[str]) -> Callable[[], None]:
    """Renew the cached feed pages (now and on commit) and give the callback queuing the feed push for
    `groups` (offers.tasks.push_offer_changed); run it on commit."""
    from offers.tasks import push_offer_changed  # the tasks module imports this one

    shared_pages_changed(FEED_PAGES)
    return partial(push_offer_changed.delay, offer_id=offer.pk, groups=sorted(groups))


def offer_changed_push(*, offer_id: int, groups: list[str]) -> None:
    """Tell the feed sockets in `groups` to show (if still open; its card in each language) or drop this offer.

    Best effort (servizo.realtime): the offer is saved, and feeds catch up on reload.
    """
    fresh = Offer.objects.select_related("category").get(pk=offer_id)
    html = {}
    if fresh.is_open:
        offer = offers_with_first_photo([fresh])[0]
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                html[language] = render_feed_card(offer)
    broadcast(*groups, event={"type": "offer.changed", "offer_id": offer_id, "html": html})


def broadcast_offer_changed(*, offer: Offer, groups: set[str]) -> None:
    """After commit, tell the feed sockets in `groups` about this offer (`offer_changed_sender`)."""
    after_commit(offer_changed_sender(offer=offer, groups=groups))
