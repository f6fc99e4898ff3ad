"""servizo.asgi: what a daphne process loads before it serves."""

import subprocess
import sys

from django.conf import settings


def test_daphne_loads_before_serving_what_its_first_sockets_would_load():
    """The cache backend, the channel layer, the session serializer, the SQL compiler and every language's
    catalog: after the import, a socket's first use of them loads no module (in a child process: the import
    sets the whole process up)."""
    code = """
import sys
import servizo.asgi
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils.module_loading import import_string
from django.utils.translation import trans_real
loaded = set(sys.modules)
caches["default"]
get_channel_layer()
import_string(settings.SESSION_SERIALIZER)
connection.ops.compiler("SQLCompiler")
print(sorted(set(sys.modules) - loaded), sorted(trans_real._translations))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == f"[] {sorted(code for code, _name in settings.LANGUAGES)}"
