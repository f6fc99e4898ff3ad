"""The ledger rollups (LedgerDaily, ProviderLedgerMonthly): maintained with each write, equal to the ledger."""

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from accounts.models import ServiceCategory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from payments.audit import rollup_audit
from payments.models import LedgerDaily, LedgerEntry, ProviderLedgerMonthly
from payments.reports import FIGURE_OF_KIND, Figures, provider_available_balances, revenue_report
from payments.services.ledger import ledger_record
from payments.services.rollup import ledger_rollup_rebuild
from servizo.testing.concurrency import race

K = LedgerEntry.Kind


def _record_at(booking: Booking, kind: str, amount: int, when: datetime, key: str) -> LedgerEntry:
    with mock.patch("django.utils.timezone.now", return_value=when):
        return ledger_record(booking=booking, kind=kind, amount_cents=amount, idempotency_key=key)


def _random_ledger(seed: int) -> None:
    """~80 rows of every kind over Jan-Mar 2026 for 4 bookings in 3 categories, many at midnight's edges."""
    rng = random.Random(seed)
    categories = list(ServiceCategory.objects.order_by("pk")[:3])
    bookings = [BookingFactory() for _ in range(4)]
    for booking in bookings:
        Booking.objects.filter(pk=booking.pk).update(category=rng.choice(categories))
    for n in range(80):
        day = date(2026, 1, 1) + timedelta(days=rng.randrange(90))
        moment = rng.choice([time(0, 0), time(23, 59, 59, 999999), time(rng.randrange(24), rng.randrange(60))])
        kind = rng.choice(K.values)
        amount = rng.randrange(-3000, 20000) if kind.startswith("release") else rng.randrange(1, 20000)
        _record_at(rng.choice(bookings), kind, amount, datetime.combine(day, moment, tzinfo=UTC), f"random-{n}")


def _direct(start: date, end: date, period_of) -> tuple[dict, dict, dict]:
    """Figures per period, category and provider straight from the ledger rows, folded in Python."""
    periods, categories, providers = defaultdict(Figures), defaultdict(Figures), defaultdict(Figures)
    for entry in LedgerEntry.objects.filter(kind__in=FIGURE_OF_KIND):
        day = timezone.localtime(entry.created_at, timezone.get_default_timezone()).date()
        if start <= day <= end:
            figures = Figures(
                bookings_paid=int(entry.kind == K.CHARGE_ESCROW), **{FIGURE_OF_KIND[entry.kind]: entry.amount_cents}
            )
            periods[period_of(day)] += figures
            categories[entry.category_id] += figures
            providers[entry.provider_id] += figures
    return dict(periods), dict(categories), dict(providers)


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_report_from_the_rollup_equals_a_direct_ledger_computation_on_random_data(seed):
    # Given a random ledger written through ledger_record
    _random_ledger(seed)
    week = lambda day: day - timedelta(days=day.weekday())  # noqa: E731
    # Whole months, a partial month at either or both ends, within one month (the provider figures' cases)
    ranges = [
        (date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 1, 17), date(2026, 3, 9)),
        (date(2026, 1, 1), date(2026, 2, 20)),
        (date(2026, 1, 10), date(2026, 2, 28)),
        (date(2026, 2, 3), date(2026, 2, 9)),
    ]
    for start, end in ranges:
        for grouping, period_of in {"day": lambda d: d, "week": week, "month": lambda d: d.replace(day=1)}.items():
            # When the report is computed from the rollup
            report = revenue_report(start=start, end=end, grouping=grouping)

            # Then every period, category and the totals equal the sums over the ledger rows
            periods, categories, providers = _direct(start, end, period_of)
            assert {line.key: line.figures for line in report.periods} == periods
            assert {line.key: line.figures for line in report.categories} == categories
            assert report.totals == sum(periods.values(), Figures())
            assert {line.key: line.figures for line in report.providers} == providers  # (fewer than 20 here)
    # ...and so do the payouts page's balances (released to the provider - payouts + reversals)
    available = defaultdict(int)
    signs = {K.RELEASE_PROVIDER: 1, K.PAYOUT: -1, K.REVERSAL: 1}
    for entry in LedgerEntry.objects.filter(kind__in=signs):
        available[entry.provider_id] += signs[entry.kind] * entry.amount_cents
    expected = sorted(((-amount, pk) for pk, amount in available.items() if amount > 0))
    assert [(-line.available, line.provider.pk) for line in provider_available_balances()] == expected
    assert list(rollup_audit()) == []  # (the random rows are not consistent per booking, so only this part)


@pytest.mark.django_db
def test_a_replayed_ledger_write_is_rolled_up_once():
    booking = BookingFactory()
    when = datetime(2026, 1, 10, 12, tzinfo=UTC)
    for _ in range(2):
        _record_at(booking, K.CHARGE_ESCROW, 10000, when, "charge-once")

    row = LedgerDaily.objects.get()
    assert (row.day, row.kind, row.category_id, row.amount_cents, row.entries) == (
        date(2026, 1, 10), K.CHARGE_ESCROW, booking.category_id, 10000, 1,
    )  # fmt: skip
    monthly = ProviderLedgerMonthly.objects.get()
    assert (monthly.month, monthly.provider_id, monthly.amount_cents, monthly.entries) == (
        date(2026, 1, 1), booking.provider_id, 10000, 1,
    )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper",
    [
        lambda: LedgerDaily.objects.filter(kind=K.REFUND).update(amount_cents=F("amount_cents") + 1),
        lambda: ProviderLedgerMonthly.objects.filter(kind=K.CHARGE_ESCROW).update(entries=F("entries") + 1),
        lambda: LedgerDaily.objects.filter(kind=K.CHARGE_ESCROW).delete(),
    ],
    ids=["daily-amount", "monthly-count", "daily-row-missing"],
)
def test_audit_fails_on_a_tampered_rollup(tamper, capsys):
    booking = BookingFactory()
    _record_at(booking, K.CHARGE_ESCROW, 10000, datetime(2026, 1, 10, 12, tzinfo=UTC), "charge")
    _record_at(booking, K.REFUND, 10000, datetime(2026, 1, 11, 12, tzinfo=UTC), "refund")
    call_command("audit_ledger", "--skip-stripe")
    assert "Ledger is consistent." in capsys.readouterr().out

    tamper()

    with pytest.raises(CommandError) as error:
        call_command("audit_ledger", "--skip-stripe")
    assert error.value.returncode == 1
    assert "rollup: " in capsys.readouterr().out


@pytest.mark.django_db
def test_rebuild_recomputes_the_rollups_from_the_ledger():
    # What the backfill migration and bench/report.py run.
    _random_ledger(7)
    LedgerDaily.objects.all().delete()
    ProviderLedgerMonthly.objects.update(amount_cents=0)
    assert list(rollup_audit())

    ledger_rollup_rebuild()

    assert list(rollup_audit()) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_categories")
def test_first_writes_of_a_day_racing_each_other_all_count():
    # Given four bookings of one provider and category, and no rollup row for the day yet
    first = BookingFactory()
    bookings = [first] + [BookingFactory(provider=first.provider, offer__category=first.category) for _ in range(3)]
    Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(category=first.category)
    when = datetime(2026, 1, 10, 12, tzinfo=UTC)

    # When their charges are written at the same moment, each creating the same rollup rows
    record = partial(ledger_record, kind=K.CHARGE_ESCROW, amount_cents=1000)
    with mock.patch("django.utils.timezone.now", return_value=when):  # once: the patch is global to the threads
        results = race([partial(record, booking=b, idempotency_key=f"race-{b.pk}") for b in bookings])

    # Then every write succeeded and each is counted once
    assert all(isinstance(result, LedgerEntry) for result in results), results
    row = LedgerDaily.objects.get()
    assert (row.amount_cents, row.entries) == (4000, 4)
    assert list(rollup_audit()) == []
