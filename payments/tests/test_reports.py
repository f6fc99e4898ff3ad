"""The revenue report (payments.reports) on real money paths and on a dated history."""

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db.models import Sum

from accounts.models import ServiceCategory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from payments.models import LedgerEntry
from payments.reports import preset_range, revenue_report
from payments.selectors import bookings_with_money
from payments.services.ledger import ledger_record
from payments.services.payouts import payouts_run
from payments.services.settlements import settlement_create
from payments.tests.conftest import walk

pytestmark = pytest.mark.django_db
S = Booking.Status
K = LedgerEntry.Kind


def test_report_totals_agree_with_audit_and_per_booking_splits(pay, connected_provider, staff_user, capsys):
    # Given five $120 bookings: completed; completed, paid out, then partly refunded; cancelled and
    # split; disputed and fully refunded; and one still scheduled (held in escrow).
    bookings = [BookingFactory(provider=connected_provider) for _ in range(5)]
    for booking in bookings:
        pay(booking)
    walk(bookings[0], S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.COMPLETED)
    walk(bookings[1], S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.COMPLETED)
    payouts_run()
    settlement_create(booking_id=bookings[1].pk, decision="split", refund_cents=3000, reason="late", actor=staff_user)
    walk(bookings[2], S.CANCELLED)
    settlement_create(booking_id=bookings[2].pk, decision="split", refund_cents=5000, reason="half", actor=staff_user)
    walk(bookings[3], S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.DISPUTED)
    settlement_create(booking_id=bookings[3].pk, decision="refund_all", reason="no-show", actor=staff_user)

    # When the report for this month is computed
    today = date.today()
    report = revenue_report(start=today.replace(day=1), end=today, grouping="day")

    # Then it matches the hand-computed splits...
    totals = report.totals
    assert (totals.bookings_paid, totals.gross, totals.refunds, totals.net) == (5, 60000, 20000, 40000)
    assert totals.commission == 2400 + 1800 + 1400  # 20 % of what was kept: 120, 90, 70 dollars
    assert totals.provider_earnings == 9600 + 7200 + 5600
    assert report.escrow_held_at_end == 12000
    assert totals.net == totals.commission + totals.provider_earnings + report.escrow_held_at_end
    # ...the sum of the per-booking balances...
    per_booking = bookings_with_money(Booking.objects.filter(pk__in=[b.pk for b in bookings]))
    sums = per_booking.aggregate(
        gross=Sum("paid_in"), refunds=Sum("refunded"), commission=Sum("released_commission"),
        provider=Sum("released_provider"),
    )  # fmt: skip
    assert (sums["gross"], sums["refunds"], sums["commission"], sums["provider"]) == (
        totals.gross, totals.refunds, totals.commission, totals.provider_earnings,
    )  # fmt: skip
    # ...the periods and breakdowns add up to the totals, and audit_ledger (with Stripe) agrees.
    for lines in (report.periods, report.categories, report.providers):
        assert sum(line.figures.commission for line in lines) == totals.commission
        assert sum(line.figures.gross for line in lines) == totals.gross
    call_command("audit_ledger")
    assert "Ledger is consistent." in capsys.readouterr().out


def _entry(booking, kind, amount, when: datetime, n: int):
    """Record a ledger row as if written at `when` (the clock, not an UPDATE: rows and rollups agree)."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        return ledger_record(booking=booking, kind=kind, amount_cents=amount, idempotency_key=f"hist-{booking.pk}-{n}")


@pytest.fixture
def dated_history():
    """Two bookings paid on 10 Jan 2026 and 3 Feb 2026; the first completed, the second half refunded."""
    plumbing = ServiceCategory.objects.get(slug="plumber")
    jan, feb = BookingFactory(price_cents=10000), BookingFactory(price_cents=5000)
    Booking.objects.filter(pk=feb.pk).update(category=plumbing)
    at = lambda d: datetime(2026, d.month, d.day, 12, tzinfo=UTC)  # noqa: E731
    _entry(jan, K.CHARGE_ESCROW, 10000, at(date(2026, 1, 10)), 1)
    _entry(jan, K.RELEASE_PROVIDER, 8000, at(date(2026, 1, 20)), 2)
    _entry(jan, K.RELEASE_COMMISSION, 2000, at(date(2026, 1, 20)), 3)
    _entry(feb, K.CHARGE_ESCROW, 5000, at(date(2026, 2, 3)), 1)
    _entry(feb, K.REFUND, 2500, at(date(2026, 2, 10)), 2)
    _entry(feb, K.RELEASE_PROVIDER, 2000, at(date(2026, 2, 10)), 3)
    _entry(feb, K.RELEASE_COMMISSION, 500, at(date(2026, 2, 10)), 4)
    return jan, feb


def test_report_groups_by_month_and_category_and_holds_escrow_across_ranges(dated_history):
    jan, feb = dated_history

    january = revenue_report(start=date(2026, 1, 1), end=date(2026, 1, 15), grouping="day")
    assert (january.totals.gross, january.totals.commission, january.escrow_held_at_end) == (10000, 0, 10000)
    assert [line.label for line in january.periods] == ["2026-01-10"]

    both = revenue_report(start=date(2026, 1, 1), end=date(2026, 2, 28), grouping="month")
    assert [(line.label, line.figures.gross, line.figures.commission) for line in both.periods] == [
        ("2026-01", 10000, 2000),
        ("2026-02", 5000, 500),
    ]
    assert (both.totals.refunds, both.totals.net, both.escrow_held_at_end) == (2500, 12500, 0)
    assert [(line.label, line.figures.gross) for line in both.categories] == [("Electrician", 10000), ("Plumber", 5000)]
    assert [line.key for line in both.providers] == [jan.provider_id, feb.provider_id]
    weeks = revenue_report(start=date(2026, 1, 1), end=date(2026, 2, 28), grouping="week")
    assert sum(line.figures.gross for line in weeks.periods) == 15000 and len(weeks.periods) == 4


def test_presets():
    today = date(2026, 3, 15)
    assert preset_range("this_month", today=today) == (date(2026, 3, 1), date(2026, 3, 31))
    assert preset_range("last_month", today=today) == (date(2026, 2, 1), date(2026, 2, 28))
    assert preset_range("last_90_days", today=today) == (today - timedelta(days=89), today)
    assert preset_range("year_to_date", today=today) == (date(2026, 1, 1), today)


def test_top_providers_include_providers_with_releases_but_no_charge_in_the_range(dated_history):
    jan, feb = dated_history

    report = revenue_report(start=date(2026, 1, 15), end=date(2026, 2, 28), grouping="month")

    assert [(line.key, line.figures.gross, line.figures.provider_earnings) for line in report.providers] == [
        (feb.provider_id, 5000, 2000),
        (jan.provider_id, 0, 8000),
    ]


def test_ledger_rows_carry_their_bookings_category(completed_booking):
    payouts_run()

    rows = LedgerEntry.objects.filter(booking=completed_booking)

    assert {row.kind for row in rows} == {K.CHARGE_ESCROW, K.RELEASE_PROVIDER, K.RELEASE_COMMISSION, K.PAYOUT}
    assert {row.category_id for row in rows} == {completed_booking.category_id}
