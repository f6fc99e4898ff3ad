"""The live offer feed socket (`/ws/offers/feed/`): approved providers only, server-to-client only.

The socket joins one group per category of the provider and map cell their radius touches
(`offers.live`). For every `offer.changed` event it asks the matching rule (`provider_offer_access`)
afresh, so a provider who declined the offer, left the category or was suspended since connecting gets no card.
Cards come in the language of the feed page (`?lang=` on the socket's URL; the site's default otherwise).
"""

from urllib.parse import parse_qs

from django.conf import settings

from accounts.models import User
from offers.live import provider_feed_groups
from offers.selectors import provider_offer_access
from servizo.consumers import SafeJsonWebsocketConsumer
from servizo.socketdb import socket_database_sync_to_async

CLOSE_FORBIDDEN = 4403


@socket_database_sync_to_async
def _groups_for(user) -> list[str]:
    if not user.is_authenticated:
        return []
    provider = User.objects.select_related("provider_profile__base_place").get(pk=user.pk)
    return provider_feed_groups(provider=provider)


@socket_database_sync_to_async
def _still_matches(user_id: int, offer_id: int) -> bool:
    provider = User.objects.select_related("provider_profile__base_place").get(pk=user_id)
    return provider_offer_access(provider=provider, offer_id=offer_id).allowed


def _language(scope) -> str:
    """The socket's language: `?lang=` when it is a site language, else the default."""
    language = parse_qs(scope.get("query_string", b"").decode()).get("lang", [""])[0]
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class OfferFeedConsumer(SafeJsonWebsocketConsumer):
    async def connect(self):
        self.language = _language(self.scope)
        user = self.scope.get("user")
        self.feed_groups = await _groups_for(user) if user is not None else []
        if not self.feed_groups:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user_id = user.pk
        for group in self.feed_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "feed_groups", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def offer_changed(self, event):
        offer_id = event["offer_id"]
        html = event["html"].get(self.language)
        if html and await _still_matches(self.user_id, offer_id):
            await self.send_json({"kind": "offer_published", "id": offer_id, "html": html})
        else:
            await self.send_json({"kind": "offer_removed", "id": offer_id})
