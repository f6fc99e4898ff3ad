"""servizo.socket_server: daphne's reactor loop is uvloop's (production, prod-local, the chat bench)."""

import subprocess
import sys

from django.conf import settings


def test_daphne_builds_its_reactor_loop_on_uvloop():
    """daphne makes its loop when daphne.server is imported; a daphne that made it some other way would
    quietly run on asyncio's loop again."""
    code = (
        "from servizo.socket_server import use_uvloop; use_uvloop(); import daphne.server, uvloop;"
        "print(isinstance(daphne.server.twisted_loop, uvloop.Loop))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "True"
