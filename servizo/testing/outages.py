"""pytest plugin: real outages of the services Servizo leans on.

`redis_down` points the cache and the channel layer at a closed port (nothing listens on
127.0.0.1:1), so every Redis call meets a real refused connection, the way it does when Redis dies;
`redis_hung` at a socket that accepts and never answers, the way an overloaded or wedged Redis behaves.
"""

import socket

import pytest

DEAD_REDIS_URL = "redis://127.0.0.1:1/0"


def _point_redis_at(settings, url: str) -> None:
    """Changing the settings makes Django and Channels drop their cached cache clients and layers."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    layer = settings.CHANNEL_LAYERS["default"]
    settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": {**layer.get("CONFIG", {}), "hosts": [url]}}}


@pytest.fixture
def redis_down(settings):
    """Cache and channel layer on an unreachable Redis; Django and Channels drop their cached clients."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": DEAD_REDIS_URL}}
    layer = settings.CHANNEL_LAYERS["default"]
    settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": {**layer.get("CONFIG", {}), "hosts": [DEAD_REDIS_URL]}}}
    return DEAD_REDIS_URL


@pytest.fixture
def redis_hung(settings):
    """Cache and channel layer on a "Redis" that accepts connections and never answers (a hung server)."""
    listener = socket.create_server(("127.0.0.1", 0))
    url = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    _point_redis_at(settings, url)
    yield url
    listener.close()
