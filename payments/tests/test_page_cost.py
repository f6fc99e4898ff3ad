"""The provider's money pages cost the same at any history size: flat query counts and index-only plans."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from payments.models import LedgerEntry
from payments.selectors import provider_balance, provider_earning_lines
from payments.services.ledger import escrow_release_all, ledger_record
from payments.tests.explain import plan_problems, selects_of

pytestmark = pytest.mark.django_db
S = Booking.Status
K = LedgerEntry.Kind
LARGE_TABLES = {Booking._meta.db_table, LedgerEntry._meta.db_table}


def money_history(provider, count: int) -> None:
    """`count` paid bookings of `provider`: held, released, and held in a dispute, in turn."""
    for n in range(count):
        booking = BookingFactory(provider=provider, status=(S.SCHEDULED, S.COMPLETED, S.DISPUTED)[n % 3])
        ledger_record(
            booking=booking, kind=K.CHARGE_ESCROW, amount_cents=booking.price_cents, idempotency_key=f"c{booking.pk}"
        )
        if booking.status == S.COMPLETED:
            escrow_release_all(booking=booking, key_prefix=f"r{booking.pk}", note="")


def page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_earnings_and_dashboard_queries_are_the_same_at_3_and_60_bookings(
    client, provider, django_assert_max_num_queries
):
    client.force_login(provider)
    pages = (reverse("payments:earnings"), reverse("dashboard"))
    money_history(provider, 3)
    small = {url: page_queries(client, url) for url in pages}
    money_history(provider, 57)

    for url in pages:
        with django_assert_max_num_queries(small[url]):
            assert client.get(url).status_code == 200
    assert {url: page_queries(client, url) for url in pages} == small
    assert client.get(pages[0]).context["balance"] == provider_balance(provider=provider)


def large_money_history(provider) -> None:
    money_history(provider, 60)
    money_history(BookingFactory().provider, 60)  # another provider's history in the same tables
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE TABLE {', '.join(sorted(LARGE_TABLES))}")
        cursor.fetchall()


def plans_of(*reads) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        for read in reads:
            read()
    return [problem for sql in selects_of(captured) for problem in plan_problems(sql, large_tables=LARGE_TABLES)]


mariadb = pytest.mark.skipif(connection.vendor != "mysql", reason="MariaDB query plans")
# The newest-first list needs bookings' (provider, created_at) index (the bookings lists' work adds it).
PROVIDER_CREATED_INDEX = any(index.fields[:2] == ["provider", "created_at"] for index in Booking._meta.indexes)


@mariadb
def test_provider_balance_reads_one_index_entry(provider):
    large_money_history(provider)

    assert plans_of(lambda: provider_balance(provider=provider)) == []


@mariadb
@pytest.mark.xfail(not PROVIDER_CREATED_INDEX, reason="needs the (provider, created_at) booking index", strict=True)
def test_earning_lines_read_in_index_order_with_sums_per_row(provider):
    """No full scan, filesort or temporary table: the page reads its 20 bookings and their ledger rows."""
    large_money_history(provider)

    assert plans_of(lambda: list(provider_earning_lines(provider=provider)[:20])) == []
