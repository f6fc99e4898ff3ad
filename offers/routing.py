from django.urls import path

from offers.consumers import OfferFeedConsumer

websocket_urlpatterns = [path("ws/offers/feed/", OfferFeedConsumer.as_asgi())]
