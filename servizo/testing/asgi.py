"""pytest plugin: daphne live servers on the test database, for WebSocket journeys.

`asgi_live_server` (function scope, transactional database) is one daphne process serving pages,
static files and WebSockets: `.url` for Playwright, `.ws_url` for socket clients. Tests that need
several processes sharing Redis use `asgi_server_factory(n)`.

Each server is a forked child (`daphne.testing.DaphneProcess` + `channels.testing.live.make_application`)
on uvloop and with autobahn's logs made lazily, like production's (servizo.socket_server).
The parent closes its database connections before forking; the child points at the test database
by its explicit TEST NAME and drops state inherited from the parent that would otherwise hang it:
the cached channel layers and asgiref's single-thread executor.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import pytest
from asgiref.sync import SyncToAsync
from channels.testing.live import make_application
from daphne.testing import DaphneProcess
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.db import connections

from servizo.socket_server import prepare_process

HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 20


def _child_setup() -> None:
    from channels.layers import channel_layers
    from django.conf import settings

    for alias in connections:
        database = settings.DATABASES[alias]
        database["NAME"] = database.get("TEST", {}).get("NAME") or database["NAME"]
        connections[alias].settings_dict["NAME"] = database["NAME"]
        connections[alias].connection = None  # never reuse a socket inherited from the parent
    channel_layers.backends = {}
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)


class UvloopDaphneProcess(DaphneProcess):
    def run(self):
        prepare_process()  # in the child only: daphne makes its reactor's loop in run(), after this
        super().run()


@dataclass
class AsgiLiveServer:
    process: DaphneProcess

    @property
    def port(self) -> int:
        return self.process.port.value

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{HOST}:{self.port}"


def start_asgi_server(port: int | None = None) -> AsgiLiveServer:
    """Fork a daphne process on the current (test) database, on `port` or a free one; stop it with
    `stop_asgi_server` (restarting on the same port lets a test watch pages reconnect)."""
    connections.close_all()
    process = UvloopDaphneProcess(
        HOST, partial(make_application, static_wrapper=ASGIStaticFilesHandler), setup=_child_setup, port=port
    )
    process.daemon = True
    process.start()
    if not process.ready.wait(timeout=START_TIMEOUT_SECONDS):
        process.terminate()
        raise RuntimeError("daphne did not start")
    return AsgiLiveServer(process)


def stop_asgi_server(server: AsgiLiveServer) -> None:
    server.process.terminate()
    server.process.join(timeout=10)


@pytest.fixture
def asgi_server_factory(transactional_db):
    """Call with a count to get that many daphne processes (they share the test database and Redis),
    or with `port=` to start one on that port."""
    started: list[AsgiLiveServer] = []

    def start(count: int = 1, port: int | None = None) -> list[AsgiLiveServer]:
        servers = [start_asgi_server(port) for _ in range(count)]
        started.extend(servers)
        return servers

    yield start
    for server in started:
        stop_asgi_server(server)


@pytest.fixture
def asgi_live_server(asgi_server_factory) -> AsgiLiveServer:
    return asgi_server_factory(1)[0]
