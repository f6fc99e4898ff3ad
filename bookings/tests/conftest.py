import pytest


@pytest.fixture(autouse=True)
def _offer_page_stub(settings):
    """Serve a minimal offers:detail page (see bookings/tests/urls.py)."""
    settings.ROOT_URLCONF = "bookings.tests.urls"
