"""The list pages stay flat as the tables grow: same queries at small and large data, and on MariaDB
no query reads more than its page (`servizo.testing.explain`)."""

import itertools
from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ServiceCategory, User
from accounts.tests.factories import CustomerFactory, ProviderFactory, StaffFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from notifications.models import Notification
from offers.models import Offer, OfferDecline
from payments.models import LedgerEntry
from payments.services.decisions import decision_queue_sync
from payments.services.rollup import ledger_rollup_rebuild
from places.models import Place
from places.tests.factories import PlaceFactory, place_near
from reviews.models import Review
from reviews.services import reputation_refresh
from servizo.pagination import CappedCountPaginator
from servizo.testing.explain import bad_plans

# The plans of what a page reads when it renders: with the page cache on, a repeated request would read nothing.
pytestmark = pytest.mark.usefixtures("no_page_cache")

SMALL, LARGE = 60, 5_000
GRID_IDS = 9_200_000
MAX_QUERIES = 8
S = Booking.Status


def _places() -> list[Place]:
    """Florence (where the providers work) and a grid of places 0.5 degrees (30-55 km) apart around it.

    The feed sorts by distance the offers within the provider's radius: flat means that set is bounded by
    how many offers one area holds, not by the table, so the bulk offers spread over places as real ones do.
    """
    florence = PlaceFactory()
    grid = Place.objects.filter(geoname_id__gte=GRID_IDS)
    if not grid.exists():
        Place.objects.bulk_create(
            Place(geoname_id=GRID_IDS + n, name=f"Grid {n}", latitude=41 + n // 20 / 2, longitude=8 + n % 20 / 2)
            for n in range(200)
        )
    return [florence, *grid.exclude(latitude__range=(florence.latitude - 0.3, florence.latitude + 0.3))]


def _offers(customer, count: int, *, status=Offer.Status.OPEN, places=None, categories=None) -> list[Offer]:
    """`count` offers of `customer` across every category (or `categories`) and many places (or `places`),
    in one INSERT."""
    categories = itertools.cycle(categories or ServiceCategory.objects.all())
    places = itertools.cycle(places or _places())
    expires_at = timezone.now() + timedelta(days=2)
    offers = []
    for n in range(count):
        offers.append(
            Offer(
                customer=customer,
                category=next(categories),
                title=f"Job {n}",
                description="Bulk",
                address="Via Roma 1",
                place=next(places),
                preferred_date=timezone.localdate() + timedelta(days=3),
                price_cents=10_000,
                currency="usd",
                expires_at=expires_at,
                status=status,
            )
        )
    return Offer.objects.bulk_create(offers, batch_size=1000)


def _load_data(customer, provider, count: int) -> None:
    """`count` open offers (half the customer's), declines, `count` bookings in every state, notifications,
    and a user table of a marketplace's size (with a handful of users MariaDB joins it by a full scan into
    a join buffer, which drops the driving index's order: a plan no real user table gets)."""
    User.objects.bulk_create(User(email=f"filler{count}-{n}@example.com", full_name=f"F {n}") for n in range(2000))
    others = CustomerFactory()
    other_provider = ProviderFactory()
    _offers(others, count // 2)
    mine = _offers(customer, count // 2)
    OfferDecline.objects.bulk_create([OfferDecline(offer=offer, provider=other_provider) for offer in mine[::3]])
    # One booking per accepted offer, half the customer's, half with the provider; every state.
    accepted = _offers(customer, count // 2, status=Offer.Status.ACCEPTED)
    accepted += _offers(others, count // 2, status=Offer.Status.ACCEPTED)
    statuses = itertools.cycle(S.values)
    template = BookingFactory.build(offer=accepted[0], provider=provider)
    per_booking = {"id", "offer_id", "customer_id", "provider_id", "status"}
    fields = {f.attname: getattr(template, f.attname) for f in Booking._meta.concrete_fields}
    fields = {name: value for name, value in fields.items() if name not in per_booking}
    bookings = Booking.objects.bulk_create(
        [
            Booking(
                **fields,
                offer_id=offer.pk,
                customer_id=offer.customer_id,
                provider_id=provider.pk if n % 2 else other_provider.pk,
                status=next(statuses),
            )
            for n, offer in enumerate(accepted)
        ],
        batch_size=1000,
    )
    Notification.objects.bulk_create(
        [Notification(recipient=customer, kind="bulk", text=f"Note {n}") for n in range(count)], batch_size=1000
    )
    _load_money_and_reviews(customer, [b for b in bookings if b.status != S.AWAITING_PAYMENT])


def _load_money_and_reviews(customer, paid: list[Booking]) -> None:
    """A charge into escrow for each paid booking (with the maintained rollups and decision queue brought up
    to date) and a review of every completed booking by its customer (with the providers' reputations)."""
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                booking=booking,
                provider_id=booking.provider_id,
                category_id=booking.category_id,
                kind=LedgerEntry.Kind.CHARGE_ESCROW,
                amount_cents=booking.price_cents,
                currency=booking.currency,
                idempotency_key=f"bulk-charge-{booking.pk}",
            )
            for booking in paid
        ],
        batch_size=1000,
    )
    ledger_rollup_rebuild()
    decision_queue_sync(booking.pk for booking in paid)
    completed = [booking for booking in paid if booking.status == S.COMPLETED]
    Review.objects.bulk_create(
        [
            Review(booking=b, customer_id=b.customer_id, provider_id=b.provider_id, rating=4, comment="Bulk")
            for b in completed
        ],
        batch_size=1000,
    )
    with transaction.atomic():
        for provider_id in {booking.provider_id for booking in completed}:
            reputation_refresh(provider_id=provider_id)


def _pages(customer, provider, staff):
    """(user, url) for each list page (and the dashboards' lists) whose cost must not follow the tables."""
    return [
        (provider, reverse("offers:feed")),
        (customer, reverse("offers:mine")),
        (customer, reverse("bookings:list")),
        (customer, reverse("bookings:list") + f"?status={S.COMPLETED}"),
        (provider, reverse("bookings:list")),
        (provider, reverse("bookings:list") + f"?status={S.SCHEDULED}"),
        (customer, reverse("notifications:list")),
        (provider, reverse("payments:earnings")),
        (customer, reverse("payments:history")),
        (customer, reverse("reviews:mine")),
        (customer, reverse("reviews:provider_profile", args=[provider.pk])),
        (provider, reverse("chat:list")),
        (customer, reverse("dashboard")),
        (provider, reverse("dashboard")),
        (staff, reverse("admin:index")),
        (staff, reverse("admin:bookings_booking_changelist")),
        (staff, reverse("admin:offers_offer_changelist")),
    ]


def _queries(client, user, url) -> int:
    """The page's queries on a warm cache (the first view fills the user's cached badges)."""
    client.force_login(user)
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_list_pages_run_the_same_queries_at_small_and_large_data(client):
    customer, provider, staff = CustomerFactory(), ProviderFactory(), StaffFactory()
    _load_data(customer, provider, SMALL)
    pages = _pages(customer, provider, staff)
    small = [_queries(client, user, url) for user, url in pages]

    _load_data(customer, provider, LARGE)

    assert [_queries(client, user, url) for user, url in pages] == small
    assert {url: n for (_, url), n in zip(pages, small, strict=True) if n > MAX_QUERIES} == {}


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "mysql", reason="query plans are MariaDB's (production)")
def test_list_pages_read_only_their_rows_on_large_data(client):
    customer, provider, staff = CustomerFactory(), ProviderFactory(), StaffFactory()
    _load_data(customer, provider, LARGE)
    booking_type = ContentType.objects.get_for_model(Booking)
    LogEntry.objects.bulk_create(  # the admin index's "Recent actions" of a busy operator
        LogEntry(user=staff, content_type=booking_type, object_id="1", object_repr="Booking", action_flag=CHANGE)
        for _ in range(LARGE)
    )

    problems = {}
    for user, url in _pages(customer, provider, staff):
        client.force_login(user)
        # The bookings changelist counts up to CappedCountPaginator.MAX_COUNTED index entries for its page links.
        admin = {"max_rows": CappedCountPaginator.MAX_COUNTED + 1} if user.is_staff else {}
        with bad_plans(**admin) as found:
            client.get(url)
        problems[url, user.role or "staff"] = found

    report = "\n".join(f"{page}: {problem}" for page, found in problems.items() for problem in found)
    assert not report, report


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "mysql", reason="query plans are MariaDB's (production)")
def test_the_feed_reads_only_its_page_when_one_place_holds_every_offer(client):
    """Nearest first must not sort a city's offers. The provider (electrician and plumber) works from a place
    holding 6,000 open offers in every trade but plumbing, and 10 km away are plumbing jobs: each page reads
    its rows through the (place, status, category, created_at) index, with no sort, and a plumbing-only
    feed reads no offer of the big place before going on to the next one."""
    provider = ProviderFactory()
    here = provider.provider_profile.base_place
    plumber = ServiceCategory.objects.get(slug="plumber")
    others = ServiceCategory.objects.exclude(pk=plumber.pk)
    _offers(CustomerFactory(), 6_000, places=[here], categories=others)
    _offers(
        CustomerFactory(), 100, places=[place_near(here, km_north=10, geoname_id=GRID_IDS - 1)], categories=[plumber]
    )
    client.force_login(provider)

    for params in ({}, {"page": 3}, {"category": plumber.pk}):
        with bad_plans() as found:
            shown = client.get(reverse("offers:feed"), params).context["page"]
        assert len(shown) == 20
        assert {offer.category for offer in shown} <= {*provider.provider_profile.categories.all()}
        assert not found, "\n".join(found)
