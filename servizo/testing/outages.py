"""pytest plugin: real outages of the services Servizo leans on.

`redis_down` points the cache and the channel layer at a closed port (nothing listens on
127.0.0.1:1), so every Redis call meets a real refused connection, the way it does when Redis dies;
`redis_hung` at a socket that accepts and never answers, the way an overloaded or wedged Redis behaves.
`mail_server` is a real SMTP server that refuses mail until told otherwise; `mail_server_down` a closed port.
"""

import socket

import pytest

DEAD_REDIS_URL = "redis://127.0.0.1:1/0"


def _point_redis_at(settings, url: str) -> None:
    """Changing the settings makes Django and Channels drop their cached cache clients and layers. A layer
    host given with options (`channel_redis_host`) keeps them."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    layer = settings.CHANNEL_LAYERS["default"]
    config = layer.get("CONFIG", {})
    host = config.get("hosts", [url])[0]
    host = {**host, "address": url} if isinstance(host, dict) else url
    settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": {**config, "hosts": [host]}}}


@pytest.fixture
def redis_down(settings):
    """Cache and channel layer on an unreachable Redis; Django and Channels drop their cached clients."""
    _point_redis_at(settings, DEAD_REDIS_URL)
    return DEAD_REDIS_URL


@pytest.fixture
def redis_hung(settings):
    """Cache and channel layer on a "Redis" that accepts connections and never answers (a hung server)."""
    listener = socket.create_server(("127.0.0.1", 0))
    url = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    _point_redis_at(settings, url)
    yield url
    listener.close()


def _smtp_at(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def mail_server(settings):
    """A real SMTP server (servizo.testing.smtp) that refuses mail until the test sets `refuse = False`;
    Django's SMTP backend points at it."""
    from servizo.testing.smtp import SmtpServer

    server = SmtpServer(refuse=True)
    _smtp_at(settings, server.port)
    yield server
    server.stop()


@pytest.fixture
def mail_server_down(settings):
    """Django's SMTP backend pointed at a closed port: every send meets a refused connection."""
    _smtp_at(settings, 1)
