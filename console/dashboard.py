"""The admin index's key figures, composed from each app's selectors (console/views.py shows them).

Each count is the owning app's definition: providers awaiting approval are accounts' provider
queue, open offers are offers' open list, bookings needing a decision payments' queue,
disputes past their deadline disputes' own count.
"""

from dataclasses import dataclass

from django.conf import settings

from accounts.selectors import provider_queue
from disputes.selectors import disputes_overdue_count
from offers.selectors import offer_list_open
from payments.models import Transfer
from payments.reports import escrow_held, month_figures, transfer_counts
from payments.selectors import needs_decision_bookings


@dataclass(frozen=True)
class Dashboard:
    providers_pending: int
    bookings_needing_decision: int
    disputes_overdue: int  # capped at disputes.selectors.OVERDUE_CAP
    offers_open: int
    payouts_pending: int
    payouts_failed: int
    escrow_held: int
    commission_this_month: int
    commission_last_month: int
    gross_this_month: int
    currency: str


def dashboard_figures(*, currency: str | None = None) -> Dashboard:
    """Four count queries and two aggregates over the ledger."""
    currency = currency or settings.CURRENCY
    money = month_figures(currency=currency)
    payouts = transfer_counts(statuses=[Transfer.Status.PENDING, Transfer.Status.FAILED])
    return Dashboard(
        providers_pending=provider_queue().count(),
        bookings_needing_decision=needs_decision_bookings().count(),
        disputes_overdue=disputes_overdue_count(),
        offers_open=offer_list_open().count(),
        payouts_pending=payouts[Transfer.Status.PENDING],
        payouts_failed=payouts[Transfer.Status.FAILED],
        escrow_held=escrow_held(currency=currency),
        commission_this_month=money.commission_this_month,
        commission_last_month=money.commission_last_month,
        gross_this_month=money.gross_this_month,
        currency=currency,
    )
