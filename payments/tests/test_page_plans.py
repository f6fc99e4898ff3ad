"""Query plans of the provider's money reads on MariaDB at larger data: index lookups only.

ANALYZE TABLE commits on MariaDB, so these tests run outside the test transaction and are flushed after.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from payments.models import LedgerEntry
from payments.selectors import provider_balance, provider_earning_lines
from payments.tests.test_page_cost import money_history
from servizo.testing.explain import index_problems, selects_of

pytestmark = [
    pytest.mark.skipif(connection.vendor != "mysql", reason="MariaDB query plans"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_categories"),
]
LARGE_TABLES = {Booking._meta.db_table, LedgerEntry._meta.db_table}


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
    return [problem for sql in selects_of(captured) for problem in index_problems(sql, large_tables=LARGE_TABLES)]


def test_provider_balance_reads_one_index_entry(provider):
    large_money_history(provider)

    assert plans_of(lambda: provider_balance(provider=provider)) == []


def test_earning_lines_read_in_index_order_with_sums_per_row(provider):
    """No full scan, filesort or temporary table: the page reads its 20 bookings and their ledger rows."""
    large_money_history(provider)

    assert plans_of(lambda: list(provider_earning_lines(provider=provider)[:20])) == []
