from datetime import timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.selectors import category_map
from bookings.models import Booking
from bookings.services import booking_transition
from bookings.tests.factories import BookingFactory
from servizo.testing.explain import bad_plans

S = Booking.Status
CYCLE = [S.AWAITING_PAYMENT, S.SCHEDULED, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.COMPLETED, S.CANCELLED, S.DISPUTED]


def _bookings(n: int, **kwargs) -> None:
    for i in range(n):
        BookingFactory(status=CYCLE[i % len(CYCLE)], **kwargs)


def _queries_for(client, django_assert_max_num_queries, side: str):
    """The whole dashboard page on a warm cache (badges, categories): at most 8 queries on MariaDB (on
    SQLite the panel's ranges are separate queries)."""
    client.get(reverse("dashboard"))
    union = connection.features.supports_slicing_ordering_in_compound
    with django_assert_max_num_queries(8 if union else 7 + RANGES[side]) as captured:
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response, len(captured)


# Index ranges behind each panel's three lists: one per status (customer: 2 + 2 + 5; provider: 2 + 1 + 1).
RANGES = {"customer": 9, "provider": 4}


def _render_panel(name: str, user, django_assert_num_queries) -> str:
    """Our panel alone costs exactly two queries: the counts row, and its three lists in one statement
    (on SQLite, which has no LIMIT inside UNION ALL, one query per range)."""
    request = RequestFactory().get("/dashboard/")
    request.user = user
    category_map()  # the categories come from the cache, which the first page view fills
    with django_assert_num_queries(
        2 if connection.features.supports_slicing_ordering_in_compound else 1 + RANGES[name]
    ):
        return render_to_string(f"bookings/_{name}_dashboard.html", {"user": user, "request": request})


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.django_db
def test_customer_dashboard_groups_bookings_and_its_query_count_does_not_grow(
    client, customer, provider, django_assert_max_num_queries, django_assert_num_queries
):
    client.force_login(customer)
    _bookings(10, offer__customer=customer, customer=customer, provider=provider)
    _render_panel("customer", customer, django_assert_num_queries)
    response, with_10 = _queries_for(client, django_assert_max_num_queries, "customer")
    _bookings(90, offer__customer=customer, customer=customer, provider=provider)
    panel = _render_panel("customer", customer, django_assert_num_queries)
    response, with_100 = _queries_for(client, django_assert_max_num_queries, "customer")

    assert with_10 == with_100
    assert "Needs your action" in panel and "Pay by" in panel and "Confirm completion" in panel
    assert response.context["needs_action"][0].status in (S.AWAITING_PAYMENT, S.PROVIDER_COMPLETED)
    counts = {status: n for status, _label, n in response.context["counts"]}
    assert sum(counts.values()) == 100 and counts[S.AWAITING_PAYMENT] == 15


@pytest.mark.django_db
def test_customer_history_filters_by_state(client, customer):
    completed = BookingFactory(offer__customer=customer, customer=customer, status=S.COMPLETED)
    cancelled = BookingFactory(offer__customer=customer, customer=customer, status=S.CANCELLED)
    client.force_login(customer)

    response = client.get(reverse("dashboard"), {"booking_state": S.CANCELLED})

    assert response.context["history"] == [cancelled]
    response = client.get(reverse("dashboard"), {"booking_state": "nonsense"})
    assert set(response.context["history"]) == {completed, cancelled}


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.django_db
def test_provider_dashboard_shows_due_upcoming_and_completed_jobs_with_a_flat_query_count(
    client, provider, django_assert_max_num_queries, django_assert_num_queries
):
    client.force_login(provider)
    today = timezone.localdate()
    due = BookingFactory(provider=provider, status=S.SCHEDULED, scheduled_date=today)
    later = BookingFactory(provider=provider, status=S.SCHEDULED, scheduled_date=today + timedelta(days=1))
    _bookings(8, provider=provider)
    _render_panel("provider", provider, django_assert_num_queries)
    response, with_10 = _queries_for(client, django_assert_max_num_queries, "provider")
    _bookings(90, provider=provider)
    _render_panel("provider", provider, django_assert_num_queries)
    response, with_100 = _queries_for(client, django_assert_max_num_queries, "provider")

    assert with_10 == with_100
    assert due in response.context["needs_action"]
    assert later in response.context["upcoming"]
    assert all(b.status == S.COMPLETED for b in response.context["completed"])
    assert 'id="jobs-needs-action"' in response.content.decode()


@pytest.mark.django_db
def test_nav_links_to_the_bookings_list(client, customer):
    client.force_login(customer)

    assert reverse("bookings:list") in client.get(reverse("dashboard")).content.decode()


def _bulk_history(customer, provider, count: int) -> None:
    """`count` bookings between the two across every status, and a user table of realistic size (with a
    handful of users MariaDB joins it by a full scan into a join buffer and sorts instead of using the
    ranges' order)."""
    User.objects.bulk_create(User(email=f"filler{n}@example.com", full_name=f"F {n}") for n in range(2000))
    template = BookingFactory(customer=customer, provider=provider, offer__customer=customer)
    fields = {f.attname: getattr(template, f.attname) for f in Booking._meta.concrete_fields if not f.primary_key}
    today = timezone.localdate()
    Booking.objects.bulk_create(
        Booking(**fields | {"status": S.values[n % len(S.values)], "scheduled_date": today + timedelta(days=n % 9 - 4)})
        for n in range(count)
    )


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "mysql", reason="query plans are MariaDB's (production)")
def test_dashboard_panels_read_only_their_rows_on_large_data(customer, provider):
    _bulk_history(customer, provider, 5_000)
    request = RequestFactory().get("/dashboard/")

    for name, user in (("customer", customer), ("provider", provider)):
        request.user = user
        with bad_plans() as found:
            html = render_to_string(f"bookings/_{name}_dashboard.html", {"user": user, "request": request})
        assert not found, "\n".join(found)
        assert html.count("list-group-item") >= 10


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.django_db
def test_a_new_customers_dashboard_leads_with_posting_an_offer_not_empty_lists(
    client, customer, django_assert_num_queries
):
    request = RequestFactory().get("/dashboard/")
    request.user = customer
    with django_assert_num_queries(1):  # only the counts row: with no booking there is nothing to list
        panel = render_to_string("bookings/_customer_dashboard.html", {"user": customer, "request": request})
    assert 'id="first-offer-cta"' in panel and f'href="{reverse("offers:create")}"' in panel
    assert "Filter history by state" not in panel and "Needs your action" not in panel

    client.force_login(customer)
    page = client.get(reverse("dashboard")).content.decode()
    assert page.index('id="first-offer-cta"') < page.index('id="offers-panel"')  # the next action comes first

    BookingFactory(offer__customer=customer, customer=customer, status=S.COMPLETED)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'id="first-offer-cta"' not in page and "Filter history by state" in page


@pytest.mark.usefixtures("no_page_cache")
def test_dashboard_panel_is_kept_per_user_until_one_of_their_bookings_moves(client, customer, provider):
    booking = BookingFactory(offer__customer=customer, customer=customer, provider=provider, status=S.SCHEDULED)
    client.force_login(customer)
    client.get(reverse("dashboard"))
    Booking.objects.filter(pk=booking.pk).update(title="Renamed behind the cache")

    with CaptureQueriesContext(connection) as cached_queries:
        cached = client.get(reverse("dashboard")).content.decode()
    booking_transition(booking_id=booking.pk, to_status=S.IN_PROGRESS, actor=provider)
    moved = client.get(reverse("dashboard")).content.decode()
    filtered = client.get(reverse("dashboard"), {"booking_state": S.COMPLETED}).content.decode()

    assert not [q for q in cached_queries.captured_queries if "bookings_booking" in q["sql"]]
    assert "Renamed behind the cache" not in cached
    assert "Renamed behind the cache" in moved and "In progress" in moved
    assert "Renamed behind the cache" in filtered  # a filtered history is read afresh
