"""The provider's money pages cost the same queries at any history size (plans: test_page_plans.py)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from payments.models import LedgerEntry
from payments.selectors import provider_balance
from payments.services.ledger import escrow_release_all, ledger_record

pytestmark = pytest.mark.django_db
S = Booking.Status
K = LedgerEntry.Kind


def money_history(provider, count: int) -> None:
    """`count` paid bookings of `provider`: held, released, and held in a dispute, in turn."""
    for n in range(count):
        booking = BookingFactory(provider=provider, status=(S.SCHEDULED, S.COMPLETED, S.DISPUTED)[n % 3])
        with transaction.atomic():  # as the money services write the ledger
            ledger_record(
                booking=booking,
                kind=K.CHARGE_ESCROW,
                amount_cents=booking.price_cents,
                idempotency_key=f"c{n}-{booking.pk}",
            )
            if booking.status == S.COMPLETED:
                escrow_release_all(booking=booking, key_prefix=f"r{booking.pk}", note="")


def page_queries(client, url: str) -> int:
    """The page's queries on a warm cache (the first view fills the user's cached badges)."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.usefixtures("no_page_cache")
def test_earnings_and_dashboard_queries_are_the_same_at_3_and_60_bookings(
    client, provider, django_assert_max_num_queries
):
    client.force_login(provider)
    pages = (reverse("payments:earnings"), reverse("dashboard"))
    money_history(provider, 3)
    small = {url: page_queries(client, url) for url in pages}
    money_history(provider, 57)

    # The first view after the bookings changed rebuilds the dashboard's cached panel: within the page budget
    # on MariaDB (SQLite, with no LIMIT inside a UNION, reads the panel's status ranges one by one).
    budget = 8 if connection.vendor == "mysql" else 12
    for url in pages:
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200
    assert {url: page_queries(client, url) for url in pages} == small
    assert client.get(pages[0]).context["balance"] == provider_balance(provider=provider)


def test_pay_cards_and_receipt_pages_stay_within_8_queries(client, pay, kept_card, customer):
    """Pages of this change: the pay page (no Stripe call: kept cards come from our table), the saved
    cards and the receipt, with 3 kept cards and a receipt with a refund line."""
    paid = BookingFactory(offer__customer=customer)
    pay(paid)
    with transaction.atomic():
        ledger_record(booking=paid, kind=K.REFUND, amount_cents=100, idempotency_key=f"refund-{paid.pk}")
    for _ in range(3):
        kept_card(customer)
    client.force_login(customer)
    unpaid = BookingFactory(offer__customer=customer)
    pages = (
        reverse("payments:pay", args=[unpaid.pk]),
        reverse("payments:cards"),
        reverse("payments:receipt", args=[paid.pk]),
    )

    counts = {url: page_queries(client, url) for url in pages}
    assert max(counts.values()) <= 8, counts
