"""The directory page: public, filtered and sorted by the maintained rows, flat in queries and plans."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ProviderProfile, ServiceCategory
from accounts.tests.factories import CustomerFactory, ProviderFactory
from directory.models import DirectoryListing
from directory.services import listing_rating_set, response_record
from directory.tests.factories import listed_provider, listings_bulk_create, places_grid_create
from places.tests.factories import florence, milan, place_near
from servizo.testing.explain import bad_plans

pytestmark = pytest.mark.django_db

URL = reverse("directory:list")
MAX_QUERIES = 8


def names(response) -> list[str]:
    return [listing.provider.full_name for listing in response.context["page"]]


@pytest.fixture
def trades():
    return {c.slug: c for c in ServiceCategory.objects.filter(slug__in=["electrician", "plumber", "painter"])}


@pytest.fixture
def grid():
    return places_grid_create(400)


@pytest.fixture
def three(trades):
    """Ann (electrician, 4.8, 3 jobs, $$), Bob (painter, 4.2, 40 jobs, $), Cid (electrician, no reviews, $$$)."""
    ann = listed_provider(user__full_name="Ann", categories=[trades["electrician"]], hourly_rate_cents=5000)
    bob = listed_provider(user__full_name="Bob", categories=[trades["painter"]], hourly_rate_cents=2000)
    cid = listed_provider(user__full_name="Cid", categories=[trades["electrician"]], hourly_rate_cents=9000)
    listing_rating_set(provider_id=ann.pk, rating_sum=24, rating_count=5)
    listing_rating_set(provider_id=bob.pk, rating_sum=21, rating_count=5)
    DirectoryListing.objects.filter(provider=ann).update(jobs_done=3)
    DirectoryListing.objects.filter(provider=bob).update(jobs_done=40)
    return ann, bob, cid


def test_anyone_can_browse_listed_providers_best_rated_first(client, three):
    listed_provider(user__full_name="Sus", status=ProviderProfile.Status.SUSPENDED)
    ProviderFactory(user__full_name="Unlisted")  # approved but never went through approval: no rows

    response = client.get(URL)

    assert response.status_code == 200
    assert names(response) == ["Ann", "Bob", "Cid"]
    assert f'href="{reverse("reviews:provider_profile", args=[three[0].pk])}"' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?sort=jobs", ["Bob", "Ann", "Cid"]),
        ("?trade={electrician}", ["Ann", "Cid"]),
        ("?trade={electrician}&sort=jobs", ["Ann", "Cid"]),
        ("?min_rating=450", ["Ann"]),
        ("?min_rating=400&trade={painter}", ["Bob"]),
        ("?price=1", ["Bob"]),
        ("?price=3&trade={electrician}", ["Cid"]),
        ("?price=2&sort=jobs", ["Ann"]),
        ("?trade=junk&min_rating=7&price=x&sort=nope&page=zz", ["Ann", "Bob", "Cid"]),  # bad input: ignored
        ("?place=999999&place_text=Atlantis", ["Ann", "Bob", "Cid"]),  # an unknown city: a field error, ignored
    ],
)
def test_filters_and_sorts(client, three, trades, query, expected):
    response = client.get(URL + query.format(**{slug: c.pk for slug, c in trades.items()}))

    assert response.status_code == 200
    assert names(response) == expected


def test_pages_follow_the_order_without_a_count(client, trades, grid):
    listings_bulk_create(count=45, trades=[c.pk for c in trades.values()], places=grid)

    first, third = client.get(URL), client.get(URL + "?page=3")

    assert len(first.context["page"]) == 20 and first.context["page"].has_next()
    assert len(third.context["page"]) == 5 and not third.context["page"].has_next()
    assert "page=2" in first.content.decode()


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _urls(trades, place) -> list[str]:
    electrician = trades["electrician"].pk
    return [
        f"{URL}?place={place.pk}",
        f"{URL}?trade={electrician}&place={place.pk}&sort=distance",
        f"{URL}?trade={electrician}&place={place.pk}&min_rating=400&price=2",
        URL,
        f"{URL}?sort=jobs",
        f"{URL}?trade={electrician}",
        f"{URL}?trade={electrician}&sort=jobs&page=2",
        f"{URL}?trade={electrician}&min_rating=400",
        f"{URL}?trade={electrician}&price=2",
        f"{URL}?trade={electrician}&price=2&sort=jobs",
        f"{URL}?min_rating=450&sort=jobs",
    ]


@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_the_same_queries_at_60_and_3000_providers(client, trades, who):
    if who == "customer":
        client.force_login(CustomerFactory())
    ids = [c.pk for c in trades.values()]
    place = florence()
    listings_bulk_create(count=60, trades=ids, places=[place], tag="small")  # every URL below has rows
    small = [_queries(client, url) for url in _urls(trades, place)]

    listings_bulk_create(count=3000, trades=ids, places=[place, *places_grid_create(400)], tag="large")

    assert [_queries(client, url) for url in _urls(trades, place)] == small
    assert max(small) <= MAX_QUERIES, small


@pytest.mark.skipif(connection.vendor != "mysql", reason="query plans are MariaDB's (production)")
def test_every_filter_and_sort_reads_only_its_page(client, trades):
    grid = places_grid_create(1000)  # 5 providers a place: a 100 km box holds a few dozen
    listings_bulk_create(count=5000, trades=[c.pk for c in trades.values()], places=grid)

    found = {}
    for url in _urls(trades, grid[500]):
        with bad_plans() as problems:
            client.get(url)
        found[url] = problems

    report = "\n".join(f"{url}: {problem}" for url, problems in found.items() for problem in problems)
    assert not report, report


# The profile's trust signals and the provider's rate form.


def test_the_profile_shows_trust_signals_and_the_request_button(client, trades):
    provider = listed_provider(hourly_rate_cents=4500, document="provider-documents/x.pdf")
    response_record(provider_id=provider.pk, since=timezone.now())
    url = reverse("reviews:provider_profile", args=[provider.pk])

    page = client.get(url).content.decode()

    assert 'id="document-badge"' in page and "x.pdf" not in page
    assert "$45.00/h" in page and "($$)" in page
    assert "under 5 minutes" in page
    assert f"{reverse('offers:create')}?provider={provider.pk}" in page  # anonymous: logs in, then the form
    client.force_login(ProviderFactory())
    assert 'id="request-provider"' not in client.get(url).content.decode()  # providers do not request providers


def test_the_provider_sets_their_rate_from_the_form(client):
    provider = listed_provider()
    client.force_login(provider)

    response = client.post(reverse("directory:rate"), {"hourly_rate_cents": "55.00"})

    assert response.status_code == 302
    provider.provider_profile.refresh_from_db()
    assert provider.provider_profile.hourly_rate_cents == 5500
    assert client.post(reverse("directory:rate"), {"hourly_rate_cents": "0.50"}).status_code == 200  # field error


def test_customers_cannot_use_the_rate_form(client):
    client.force_login(CustomerFactory())

    assert client.get(reverse("directory:rate")).status_code == 403


def test_landing_category_cards_lead_into_the_directory(client, trades):
    page = client.get(reverse("home")).content.decode()

    assert f'href="{URL}?trade={trades["electrician"].pk}"' in page


def test_a_place_search_finds_providers_whose_radius_reaches_it_nearest_first(client, trades):
    base = florence()
    near = listed_provider(user__full_name="Near", base_place=base, service_radius_km=10)
    far = listed_provider(
        user__full_name="Far", base_place=place_near(base, km_north=40, geoname_id=1), service_radius_km=50
    )
    listed_provider(
        user__full_name="Short", base_place=place_near(base, km_north=30, geoname_id=2), service_radius_km=20
    )
    listed_provider(user__full_name="Milan", base_place=milan(), service_radius_km=100)
    listing_rating_set(provider_id=far.pk, rating_sum=5, rating_count=1)

    by_rating = client.get(f"{URL}?place={base.pk}")
    by_distance = client.get(f"{URL}?place={base.pk}&sort=distance")

    assert names(by_rating) == ["Far", "Near"]
    assert names(by_distance) == ["Near", "Far"]
    assert "40 km away" in by_distance.content.decode()
    assert near.pk != far.pk
