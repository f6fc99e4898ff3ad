"""The admin index's key figures, composed from each app's selectors (console/views.py shows them).

Each count is the owning app's definition: providers awaiting approval are accounts' provider
queue, open offers are offers' open list, bookings needing a decision payments' maintained queue,
disputes past their deadline disputes' overdue list. Two queries
whatever the data: the counts, each capped at COUNT_CAP (servizo.counts), and the money from the
ledger rollup (payments.reports.dashboard_money).
"""

from dataclasses import dataclass

from django.core.cache import cache

from accounts.selectors import provider_queue
from disputes.selectors import disputes_overdue
from offers.selectors import offer_list_open
from payments.models import Transfer
from payments.reports import DashboardMoney, dashboard_money
from payments.selectors import decision_queue
from servizo.counts import capped_counts

COUNT_CAP = 100  # a card shows "100+" beyond this: a queue that long needs the list, not the figure
# The admin index shows figures up to this old (the same for every operator with the same permissions);
# the lists the cards link to are always current.
FIGURES_CACHE_SECONDS = 10


@dataclass(frozen=True)
class Dashboard:
    counts: dict[str, int]  # card key -> count, at most COUNT_CAP
    money: DashboardMoney | None


QUEUES = {
    "providers-pending": provider_queue,
    "bookings-decision": decision_queue,
    "disputes-overdue": disputes_overdue,
    "offers-open": offer_list_open,
    "payouts-pending": lambda: Transfer.objects.filter(status=Transfer.Status.PENDING),
    "payouts-failed": lambda: Transfer.objects.filter(status=Transfer.Status.FAILED),
}


def dashboard_counts(keys: set[str]) -> dict[str, int]:
    """The queue sizes named in `keys` (those of QUEUES), capped, in one query."""
    return capped_counts({key: queryset() for key, queryset in QUEUES.items() if key in keys}, cap=COUNT_CAP)


def dashboard_figures(*, counts: set[str] = frozenset(QUEUES), money: bool = True) -> Dashboard:
    """The counts named in `counts` and, if `money`, the month figures, escrow held and 30-day series."""
    return Dashboard(
        counts=dashboard_counts(counts) if counts else {},
        money=dashboard_money(days=30) if money else None,
    )


def dashboard_figures_cached(*, counts: set[str], money: bool) -> Dashboard:
    """`dashboard_figures`, kept FIGURES_CACHE_SECONDS in the cache (Redis in production): its capped
    counts read up to COUNT_CAP index entries per queue, the admin index's only cost that grows with the
    data. With Redis down, computed on every view."""
    key = f"console:figures:{int(money)}:{','.join(sorted(counts))}"
    figures = cache.get(key)
    if figures is None:
        figures = dashboard_figures(counts=counts, money=money)
        cache.set(key, figures, FIGURES_CACHE_SECONDS)
    return figures
