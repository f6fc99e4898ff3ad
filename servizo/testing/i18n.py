"""pytest plugin: pages and messages in Urdu.

`urdu_catalog` compiles locale/ur (`make compilemessages`; the .mo files are not committed) when the
.mo is missing or older than its .po, and drops the translations Django loaded before, so a test sees
the catalog as it is in the working tree. `urdu_client` is the test client asking for Urdu pages
(Accept-Language, as a browser set to Urdu does; LocaleMiddleware picks it).
"""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import trans_real

IGNORED = [".venv", "node_modules", "staticfiles", "artifacts", "bench"]


@pytest.fixture(scope="session")
def urdu_catalog() -> None:
    catalogs = list((settings.BASE_DIR / "locale" / "ur" / "LC_MESSAGES").glob("*.po"))
    if any(
        not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
        for po in catalogs
    ):
        call_command("compilemessages", locale=["ur"], ignore_patterns=IGNORED, verbosity=0)
        trans_real._translations.clear()  # the catalogs loaded so far, without the new .mo
        trans_real._default = None


@pytest.fixture
def urdu_client(client, urdu_catalog):
    """LocaleMiddleware leaves the request's language active in the thread: the test's own code after a
    request, and the next tests, get the language they had back."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ur"
    with translation.override(translation.get_language()):
        yield client
