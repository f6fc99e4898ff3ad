import pytest
from django.core.cache import cache

from accounts.tests.factories import CategoryFactory
from chat.tests.factories import ConversationFactory


@pytest.fixture(autouse=True)
def _categories(db):
    """The seeded trades (a transactional test elsewhere may have flushed them)."""
    CategoryFactory(slug="electrician", name="Electrician")
    CategoryFactory(slug="plumber", name="Plumber")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached badges and fragments must not leak between tests or runs."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def conversation(db):
    return ConversationFactory()
