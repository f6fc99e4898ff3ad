import importlib

import pytest

from bookings.tests.factories import BookingFactory
from reviews.tests.factories import complete_booking


@pytest.fixture
def booking(customer, provider):
    """A booking between the `customer` and `provider` fixtures, completed through booking_transition."""
    return complete_booking(BookingFactory(offer__customer=customer, provider=provider))


@pytest.fixture
def seeded_categories(db):
    """The categories of accounts' data migration, again: an earlier transactional test may have flushed them.

    (serialized_rollback would restore them but collides with content types recreated by other
    transactional tests' flushes.) List this fixture before `provider` so the provider gets them.
    """
    from django.apps import apps

    importlib.import_module("accounts.migrations.0002_seed_categories").seed(apps, None)
