"""Project-wide test fixtures. App-specific factories live in <app>/tests/factories.py."""

import os

import pytest

pytest_plugins = [
    "servizo.testing.browser",
    "servizo.testing.asgi",
    "servizo.testing.stripe",
    "servizo.testing.outages",
]

# pytest-playwright's sync API keeps an event loop running in the main thread; ORM calls
# made by browser tests would otherwise be refused as "async unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: pytest-asyncio tests after them would find a running loop."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def seeded_categories(db) -> None:
    """The categories seeded by migration, again: transactional tests start after a flush removed them.

    (serialized_rollback would restore them but collides with content types recreated by other
    transactional tests' flushes.) List this fixture before `provider` so the provider gets them.
    """
    from importlib import import_module

    from django.apps import apps as django_apps

    import_module("accounts.migrations.0002_seed_categories").seed(django_apps, None)


@pytest.fixture
def customer(db):
    from accounts.tests.factories import CustomerFactory

    return CustomerFactory()


@pytest.fixture
def provider(db):
    """An approved provider (electrician and plumber in Florence)."""
    from accounts.tests.factories import ProviderFactory

    return ProviderFactory()


@pytest.fixture
def staff_user(db):
    from accounts.tests.factories import StaffFactory

    return StaffFactory()
