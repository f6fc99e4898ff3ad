"""All WebSocket routes; each app contributes its own list."""

from chat.routing import websocket_urlpatterns as chat_routes
from notifications.routing import websocket_urlpatterns as notification_routes
from offers.routing import websocket_urlpatterns as offer_routes

websocket_urlpatterns = [*notification_routes, *chat_routes, *offer_routes]
