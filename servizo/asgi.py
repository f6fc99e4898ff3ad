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

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from servizo.routing import websocket_urlpatterns  # noqa: E402
from servizo.socketdb import socket_auth_middleware_stack  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(socket_auth_middleware_stack(URLRouter(websocket_urlpatterns))),
    }
)

# What is loaded by now lives as long as the process: leave it out of the collector's full passes.
# Under the chat bench such a pass cost each daphne process ~80 ms of CPU every 10-20 s.
gc.freeze()
