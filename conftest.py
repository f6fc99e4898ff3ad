"""Project-wide test fixtures. App-specific factories live in <app>/tests/factories.py."""

import itertools
import os

import pytest

pytest_plugins = ["servizo.testing.browser", "servizo.testing.asgi", "servizo.testing.stripe"]

# pytest-playwright's sync API keeps an event loop running in the main thread; ORM calls
# made by browser tests would otherwise be refused as "async unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: pytest-asyncio tests after them would find a running loop."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


_sqlite_id_blocks = itertools.count(1)


@pytest.fixture(autouse=True)
def _sqlite_ids_never_reused(request):
    """On SQLite, start each test's primary keys above every earlier test's, as MariaDB does.

    MariaDB never hands out an auto-increment id twice, even after a rollback; SQLite's counter
    (sqlite_sequence) rolls back with the test. Our Stripe idempotency keys and transfer groups
    are built from our ids and the session's localstripe remembers them, so a reused id would
    replay another test's Stripe objects.
    """
    if "_django_db_helper" not in request.fixturenames:
        return
    request.getfixturevalue("_django_db_helper")
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    floor = next(_sqlite_id_blocks) * 1_000_000
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sqlite_sequence")
        cursor.executemany(
            "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
            [(table, floor) for table in connection.introspection.table_names(cursor)],
        )


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
