"""The read-replica router (servizo.replica) against a replica that lags.

The "replica" alias of the test settings is a second connection to the test database. The
`lagging_replica` fixture freezes it in a consistent snapshot, so it misses every write made after
that moment, as a replica behind its primary does. (A real primary + replica pair is exercised by
scripts/replica.sh and bench/two_nodes.py.)
"""

import time

import pytest
from django.db import connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import ServiceCategory
from accounts.tests.factories import ProviderFactory
from offers.selectors import offer_feed
from offers.tests.factories import OfferFactory
from servizo.replica import PIN_COOKIE, PrimaryPinMiddleware, on_replica, read_alias
from servizo.tests.test_settings import PRODUCTION_ENV, _production_settings

BOTH = ["default", "replica"]


@pytest.fixture
def lagging_replica(settings):
    """Reads that opt in go to "replica"; calling the fixture's value freezes it: from then on it sees
    nothing newer than that moment. Frozen at setup unless the test froze it later itself."""
    settings.DATABASE_READ_REPLICA = "replica"
    replica = connections["replica"]

    def freeze():
        with replica.cursor() as cursor:
            if replica.vendor == "mysql":
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
            else:
                cursor.execute("BEGIN DEFERRED")
                cursor.execute("SELECT COUNT(*) FROM django_migrations")

    yield freeze
    with replica.cursor() as cursor:
        cursor.execute("ROLLBACK")


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_feed_reads_the_replica_and_a_provider_who_just_declined_reads_the_primary(
    client, seeded_categories, lagging_replica
):
    # Given two providers looking at the same feed, and a replica that stops at the first offer
    declined = OfferFactory()
    alice, bob = ProviderFactory(), ProviderFactory()
    lagging_replica()
    newer = OfferFactory()
    client.force_login(bob)
    bobs_feed = client.get(reverse("offers:feed")).content.decode()
    client.force_login(alice)

    # When Alice declines the first offer and opens her feed again
    response = client.post(reverse("offers:decline", args=[declined.pk]), {"terms_version": 1})
    alices_feed = client.get(reverse("offers:feed")).content.decode()

    # Then her feed came from the primary: without what she declined, with the newer offer
    assert PIN_COOKIE in response.cookies
    assert declined.title not in alices_feed and newer.title in alices_feed
    # ... while Bob, who wrote nothing, read the replica: the newer offer is not there yet
    assert declined.title in bobs_feed and newer.title not in bobs_feed
    # ... and once her pin has expired Alice reads the replica again (which still shows the declined offer)
    client.cookies[PIN_COOKIE] = f"{time.time() - 1:.3f}"
    assert declined.title in client.get(reverse("offers:feed")).content.decode()


def _answer_with_read_alias(write: bool):
    def view(request):
        if write:
            ServiceCategory.objects.filter(slug="plumber").update(suggested_price_cents=7000)
        return HttpResponse(read_alias())

    return view


@pytest.mark.django_db(transaction=True, databases=BOTH)
@pytest.mark.parametrize(("write", "alias"), [(True, "default"), (False, "replica")])
def test_a_get_that_writes_pins_the_browser_from_its_first_write(seeded_categories, lagging_replica, write, alias):
    lagging_replica()
    response = PrimaryPinMiddleware(_answer_with_read_alias(write))(RequestFactory().get("/"))

    assert response.content.decode() == alias
    assert (PIN_COOKIE in response.cookies) is write


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_row_read_on_the_replica_is_saved_on_the_primary(seeded_categories, lagging_replica):
    lagging_replica()
    category = on_replica(ServiceCategory.objects.all()).get(slug="plumber")
    assert category._state.db == "replica"

    category.suggested_price_cents = 7000
    with CaptureQueriesContext(connections["replica"]) as on_the_replica:
        category.save()

    assert not on_the_replica.captured_queries
    assert ServiceCategory.objects.get(slug="plumber").suggested_price_cents == 7000


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_reads_inside_a_transaction_on_the_primary_stay_there(seeded_categories, lagging_replica, provider):
    lagging_replica()
    assert offer_feed(provider=provider).db == "replica"
    with transaction.atomic():
        assert offer_feed(provider=provider).db == "default"


def test_without_a_replica_every_read_is_on_default(provider):
    assert offer_feed(provider=provider).db == "default"
    assert read_alias() == "default"


def test_production_reads_the_replica_and_channel_shards_from_the_environment():
    values = _production_settings(
        "DATABASES", "DATABASE_READ_REPLICA", "CHANNEL_LAYERS", "SESSION_ENGINE",
        env=PRODUCTION_ENV | {
            "DATABASE_REPLICA_URL": "mysql://servizo:secret@replica.example:3306/servizo",
            "CHANNEL_REDIS_HOSTS": "redis://shard1.example:6379/0,redis://shard2.example:6379/0",
        },
    )  # fmt: skip

    assert values["DATABASE_READ_REPLICA"] == "replica"
    assert values["DATABASES"]["replica"]["HOST"] == "replica.example"
    assert values["DATABASES"]["replica"]["OPTIONS"] == values["DATABASES"]["default"]["OPTIONS"]
    assert [host["address"] for host in values["CHANNEL_LAYERS"]["default"]["CONFIG"]["hosts"]] == [
        "redis://shard1.example:6379/0",
        "redis://shard2.example:6379/0",
    ]
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"


def test_production_without_a_replica_has_only_the_primary():
    values = _production_settings("DATABASES", "DATABASE_READ_REPLICA")

    assert list(values["DATABASES"]) == ["default"]
    assert values["DATABASE_READ_REPLICA"] is None
