"""servizo.socket_server: daphne's reactor loop is uvloop's (production, prod-local, the chat bench)."""

import subprocess
import sys

from django.conf import settings


def test_daphne_builds_its_reactor_loop_on_uvloop_and_autobahn_logs_lazily():
    """daphne makes its loop when daphne.server is imported; a daphne that made it some other way would
    quietly run on asyncio's loop again. autobahn's debug-log arguments are made only for a line written
    (every socket test runs through them: the live servers are prepared the same way)."""
    code = (
        "from servizo.socket_server import prepare_process; prepare_process(); import daphne.server, uvloop;"
        "import autobahn.websocket.protocol as p; name = p.hltype(p.WebSocketProtocol);"
        "print(isinstance(daphne.server.twisted_loop, uvloop.Loop), isinstance(name, str),"
        " 'WebSocketProtocol' in str(name))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "True False True"
