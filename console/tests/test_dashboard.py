"""The dashboard's figures (console.dashboard) and the payout balances beside them, on a real money path."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ProviderProfile
from accounts.selectors import provider_queue
from accounts.tests.factories import ProviderProfileFactory
from console.dashboard import dashboard_figures
from offers.selectors import offer_list_open
from offers.tests.factories import OfferFactory
from payments.reports import escrow_held, provider_available_balances
from payments.services.payouts import payouts_run

pytestmark = pytest.mark.django_db


def test_dashboard_and_available_balances_on_a_completed_booking(completed_booking):
    money = dashboard_figures().money
    assert (money.gross_this_month, money.commission_this_month, money.escrow_held) == (12000, 2400, 0)

    [line] = provider_available_balances()

    assert (line.provider, line.available, line.payouts_enabled) == (completed_booking.provider, 9600, True)
    payouts_run()
    assert provider_available_balances() == []


def test_dashboard_counts_are_the_owning_apps_definitions(seeded_categories):
    """Awaiting approval is accounts' provider queue (verified email); open offers is offers' open list."""
    ProviderProfileFactory(status=ProviderProfile.Status.PENDING)
    ProviderProfileFactory(status=ProviderProfile.Status.PENDING, user__verified=False)  # not in the queue yet
    OfferFactory()
    OfferFactory(expires_at=timezone.now() - timedelta(minutes=1))  # expired, though its status still says open

    counts = dashboard_figures().counts

    assert (counts["providers-pending"], counts["offers-open"]) == (provider_queue().count(), offer_list_open().count())
    assert (counts["providers-pending"], counts["offers-open"]) == (1, 1)


def test_escrow_held_and_the_series_come_from_the_rollup_and_agree_with_the_ledger(paid_booking):
    money = dashboard_figures().money

    assert money.escrow_held == escrow_held(currency=paid_booking.currency) == 12000
    assert money.series[-1] == (timezone.localdate(), 12000, 0) and len(money.series) == 30
    assert money.gross_this_month == 12000


@pytest.mark.usefixtures("no_page_cache")
def test_admin_index_reuses_its_figures_for_a_few_seconds(client, staff_user, seeded_categories):
    """The capped counts run once per FIGURES_CACHE_SECONDS for operators with the same permissions."""
    OfferFactory()
    client.force_login(staff_user)
    client.get(reverse("admin:index"))
    OfferFactory()

    with CaptureQueriesContext(connection) as again:
        cached = client.get(reverse("admin:index"))
    cache.clear()  # what FIGURES_CACHE_SECONDS later looks like
    fresh = client.get(reverse("admin:index"))

    assert not [q for q in again.captured_queries if "COUNT(*)" in q["sql"]]
    assert _card(cached, "offers-open") == "1" and _card(fresh, "offers-open") == "2"


def _card(response, key: str) -> str:
    return next(str(value) for card_key, _, value, _ in response.context["dashboard_cards"] if card_key == key)
