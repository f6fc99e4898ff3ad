"""ASGI entry point: HTTP goes to Django, WebSockets through Channels.

In production only /ws/ is routed here (daphne); pages are served by gunicorn.
"""

import gc
import os

from django.core.asgi import get_asgi_application

# Only production servers (gunicorn, daphne) import this directly: they must never come up on the
# development settings. manage.py (runserver, tests) sets its own module first.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servizo.settings.production")
django_asgi_app = get_asgi_application()

from channels.layers import get_channel_layer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402
from django.utils.translation import trans_real  # noqa: E402

from servizo.routing import websocket_urlpatterns  # noqa: E402
from servizo.socketdb import socket_auth_middleware_stack  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(socket_auth_middleware_stack(URLRouter(websocket_urlpatterns))),
    }
)


def load_before_serving() -> None:
    """Load what the first sockets would otherwise load while serving: the cache backend with redis-py, the
    channel layer with channels_redis, the session serializer, the database's SQL compiler and every language's
    catalog (~0.1-0.15 s of CPU per daphne process that the first sockets paid, and their latency with it)."""
    caches["default"]
    get_channel_layer()
    import_string(settings.SESSION_SERIALIZER)
    connection.ops.compiler("SQLCompiler")
    for code, _name in settings.LANGUAGES:
        trans_real.translation(code)


load_before_serving()
# What is loaded by now lives as long as the process: leave it out of the collector's full passes.
# Under the chat bench such a pass cost each daphne process ~80 ms of CPU every 10-20 s.
gc.freeze()
