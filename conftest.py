"""Project-wide test fixtures. App-specific factories live in <app>/tests/factories.py."""

import itertools
import os

import pytest

pytest_plugins = [
    "servizo.testing.browser",
    "servizo.testing.asgi",
    "servizo.testing.stripe",
    "servizo.testing.outages",
    "servizo.testing.worker",
    "servizo.testing.i18n",
]

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
def _empty_cache():
    """Every test starts with an empty cache: cached pages and badges (accounts.landing,
    servizo.usercache) are dropped on commit, and a test's transaction never commits."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a request in Urdu (LocaleMiddleware) leaves Urdu active
    in the thread, and a later test would read its strings in Urdu."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def no_page_cache(settings):
    """Every page rendered (servizo.pagecache off): for tests of what a render costs or shows after data
    changed behind the services' back (factories, bulk updates), which a cached page would not show."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def seeded_categories(db) -> None:
    """The categories seeded by migration, again: transactional tests start after a flush removed them.

    (serialized_rollback would restore them but collides with content types recreated by other
    transactional tests' flushes.) List this fixture before `provider` so the provider gets them.
    """
    from importlib import import_module

    from django.apps import apps as django_apps

    import_module("accounts.migrations.0002_seed_categories").seed(django_apps, None)
    import_module("accounts.migrations.0012_servicecategory_name_ur").name_in_urdu(django_apps, None)


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


def _staff_in(group: str):
    """A staff member in one of the groups made by the data migration (servizo/roles.py)."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from accounts.tests.factories import UserFactory
    from servizo.roles import staff_groups_sync

    # A transactional test flushes the tables the data migration filled; make the groups again if so.
    ContentType.objects.clear_cache()
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    staff_groups_sync(group_model=Group, permission_model=Permission)
    user = UserFactory(is_staff=True, full_name=f"{group} person")
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def support_user(db):
    from servizo.roles import SUPPORT

    return _staff_in(SUPPORT)


@pytest.fixture
def finance_user(db):
    from servizo.roles import FINANCE

    return _staff_in(FINANCE)


@pytest.fixture
def plain_staff(db):
    """`is_staff` and nothing else: no group, no permission."""
    from accounts.tests.factories import UserFactory

    return UserFactory(is_staff=True, full_name="Plain staff")


@pytest.fixture
def florences(db) -> dict:
    """The real Florences from the packaged dataset, with all their names: {"IT": Florence IT, "US": [...]}."""
    from places.loader import load_places, select_cities
    from places.models import Place

    load_places(city for city in select_cities(countries=["IT", "US"]) if city["name"] == "Florence")
    florences = list(Place.objects.filter(name="Florence"))
    return {
        "IT": next(place for place in florences if place.country_code == "IT"),
        "US": [place for place in florences if place.country_code == "US"],
    }
