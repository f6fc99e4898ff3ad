"""Read-only figures over the ledger for the operator console (console/): revenue report, month figures, payouts.

Every figure is an aggregate query in the database (integer cents) over LedgerEntry or, for sums
over whole days, its rollups LedgerDaily and ProviderLedgerMonthly (maintained with each ledger
write, checked by audit_ledger); Python only loops over grouped result rows, never over ledger rows.

Definitions (all within the date range, by the ledger row's `created_at`):
- bookings paid: charges into escrow (one per paid booking);
- gross: money charged into escrow; refunds: money refunded; net = gross - refunds;
- commission: RELEASE_COMMISSION rows, so it is net of refunds (a refund after release writes a
  negative release); provider earnings: RELEASE_PROVIDER rows, likewise;
- escrow held at the end of the range: charged - released - refunded, over all rows before the end.
"""

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from itertools import chain

from django.conf import settings
from django.db.models import Case, Count, F, QuerySet, Sum, When
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import ProviderProfile, ServiceCategory, User
from bookings.models import Booking
from payments.models import LedgerDaily, LedgerEntry, ProviderLedgerMonthly
from payments.selectors import ledger_sum
from servizo.replica import replica_reads

K = LedgerEntry.Kind
# Grouping name -> the first day of the period a day falls in (weeks start on Monday, as TruncWeek).
GROUPINGS = {
    "day": lambda day: day,
    "week": lambda day: day - timedelta(days=day.weekday()),
    "month": lambda day: day.replace(day=1),
}
PRESETS = {
    "this_month": gettext_lazy("This month"),
    "last_month": gettext_lazy("Last month"),
    "last_90_days": gettext_lazy("Last 90 days"),
    "year_to_date": gettext_lazy("Year to date"),
    "custom": gettext_lazy("Custom"),
}
TOP_PROVIDERS = 20


# The ledger kind each money figure sums; bookings paid counts the CHARGE_ESCROW rows.
FIGURE_OF_KIND = {
    K.CHARGE_ESCROW: "gross",
    K.REFUND: "refunds",
    K.RELEASE_COMMISSION: "commission",
    K.RELEASE_PROVIDER: "provider_earnings",
}
OUT_OF_ESCROW = (K.RELEASE_PROVIDER, K.RELEASE_COMMISSION, K.REFUND, K.CHARGEBACK_LOST)
ESCROW_KINDS = (K.CHARGE_ESCROW, *OUT_OF_ESCROW)
ESCROW = {"charged": ledger_sum(K.CHARGE_ESCROW), "out": ledger_sum(*OUT_OF_ESCROW)}


@dataclass(frozen=True)
class Figures:
    bookings_paid: int = 0
    gross: int = 0
    refunds: int = 0
    commission: int = 0
    provider_earnings: int = 0

    @property
    def net(self) -> int:
        return self.gross - self.refunds

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(*(getattr(self, name) + getattr(other, name) for name in FIGURE_NAMES))


FIGURE_NAMES = tuple(field.name for field in fields(Figures))


@dataclass(frozen=True)
class Line:
    label: str
    figures: Figures
    key: object = None  # the period start, category id or provider id


@dataclass(frozen=True)
class Report:
    start: date
    end: date  # inclusive
    grouping: str
    currency: str
    totals: Figures
    periods: list[Line]
    categories: list[Line]
    providers: list[Line]
    escrow_held_at_end: int


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, day after end 00:00) in the current time zone."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def _entries(*, currency: str) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(currency=currency).order_by()


def preset_range(preset: str, *, today: date | None = None) -> tuple[date, date]:
    """(first day, last day) of a named range; unknown names mean this month."""
    today = today or timezone.localdate()
    if preset == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if preset == "last_90_days":
        return today - timedelta(days=89), today
    if preset == "year_to_date":
        return today.replace(month=1, day=1), today
    return today.replace(day=1), today.replace(day=calendar.monthrange(today.year, today.month)[1])


def escrow_held(*, before: datetime | None = None, currency: str) -> int:
    """Escrow held just before `before` (or now).

    Query shape: only bookings in a holding status can hold escrow (an invariant audit_ledger
    checks), so "held now" reads just their rows through the booking index; held at an earlier
    moment is that minus what moved in and out since, a range scan over recent rows.
    """
    now = _entries(currency=currency).filter(booking__status__in=Booking.HOLDS_MONEY).aggregate(**ESCROW)
    held = now["charged"] - now["out"]
    if before is not None:
        moved = _entries(currency=currency).filter(kind__in=ESCROW_KINDS, created_at__gte=before)
        since = moved.aggregate(**ESCROW)
        held -= since["charged"] - since["out"]
    return held


def _fold(rows: Iterable[dict], keys: tuple[str, ...]) -> dict[tuple, Figures]:
    """Figures per value of `keys` from grouped rows carrying `kind`, `n` (row count) and `amount`."""
    sums: dict[tuple, dict[str, int]] = {}
    for row in rows:
        figures = sums.setdefault(tuple(row[key] for key in keys), dict.fromkeys(FIGURE_NAMES, 0))
        figures[FIGURE_OF_KIND[row["kind"]]] += row["amount"]
        if row["kind"] == K.CHARGE_ESCROW:
            figures["bookings_paid"] += row["n"]
    return {key: Figures(**figures) for key, figures in sums.items()}


def _ledger_rows(rows: QuerySet[LedgerEntry], *keys: str) -> QuerySet:
    """Grouped (keys, kind, n, amount) rows of the charge, refund and release rows in `rows` (ledger rows).

    Query shape: one grouped SELECT per kind, UNION ALL, so each reads one range of an index led
    by (currency, kind, created_at) with plain SUM/COUNT (for `kind IN (...)` plus a date range,
    MariaDB 10.11 reads the whole currency instead).
    """
    per_kind = [
        rows.filter(kind=kind).values(*keys, "kind").annotate(n=Count("*"), amount=Sum("amount_cents"))
        for kind in FIGURE_OF_KIND
    ]
    return per_kind[0].union(*per_kind[1:], all=True)


def _rollup_rows(rollup: QuerySet, *keys: str) -> QuerySet:
    """Grouped (keys, kind, n, amount) rows of a rollup queryset, like _ledger_rows."""
    return (
        rollup.filter(kind__in=FIGURE_OF_KIND)
        .values(*keys, "kind")
        .annotate(n=Sum("entries"), amount=Sum("amount_cents"))
        .order_by()
    )


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=31)).replace(day=1)


def _provider_figures(*, start: date, end: date, currency: str) -> dict[int, Figures]:
    """Figures per provider for [start, end] with charge, refund or release rows.

    The whole months in the range from the ProviderLedgerMonthly rollup; the days before the first
    and after the last whole month (at most two partial months) from the ledger's report index.
    """
    first = start if start.day == 1 else _next_month(start)  # first day of the first whole month
    after = _next_month(end) if _next_month(end) - timedelta(days=1) == end else end.replace(day=1)
    sources: list[QuerySet] = []
    edges = [(start, end)]
    if first < after:
        months = ProviderLedgerMonthly.objects.filter(currency=currency, month__gte=first, month__lt=after)
        sources.append(_rollup_rows(months, "provider_id"))
        edges = [(start, first - timedelta(days=1)), (after, end)]
    for since_day, until_day in edges:
        if since_day <= until_day:
            since, until = _bounds(since_day, until_day)
            ledger = _entries(currency=currency).filter(created_at__gte=since, created_at__lt=until)
            sources.append(_ledger_rows(ledger, "provider_id"))
    return {pk: figures for (pk,), figures in _fold(chain(*sources), ("provider_id",)).items()}


def _daily_figures(*, start: date, end: date, currency: str) -> dict[tuple, Figures]:
    """Figures per (day, category id) for [start, end] from the LedgerDaily rollup (a few rows per day)."""
    days = LedgerDaily.objects.filter(currency=currency, day__gte=start, day__lte=end)
    return _fold(_rollup_rows(days, "day", "category_id"), ("day", "category_id"))


def _largest_first(item: tuple[object, Figures]) -> tuple:
    key, figures = item
    return -figures.gross, key


def _lines(figures: dict, labels: dict, *, ordering=_largest_first) -> list[Line]:
    return [Line(label=labels[key], figures=total, key=key) for key, total in sorted(figures.items(), key=ordering)]


@replica_reads()
def revenue_report(*, start: date, end: date, grouping: str = "day", currency: str | None = None) -> Report:
    """The commission and revenue report for [start, end] (whole days).

    Periods, categories and totals: the LedgerDaily rollup's rows for the range (days x categories
    x kinds at most), folded in Python. Top providers: every provider's figures (see
    _provider_figures), ranked in Python. Escrow held at the end: see escrow_held.
    Lines list keys with charges, refunds or releases.
    """
    currency = currency or settings.CURRENCY
    period_of = GROUPINGS[grouping]
    _, until = _bounds(start, end)
    periods: dict[date, Figures] = defaultdict(Figures)
    categories: dict[int, Figures] = defaultdict(Figures)
    by_day = _daily_figures(start=start, end=end, currency=currency)
    for (day, category_id), figures in by_day.items():
        periods[period_of(day)] += figures
        categories[category_id] += figures
    # Ranked by gross, ties by id: charged providers first, then those with only refunds or releases.
    top = dict(
        sorted(_provider_figures(start=start, end=end, currency=currency).items(), key=_largest_first)[:TOP_PROVIDERS]
    )
    names = User.objects.in_bulk(list(top))
    category_names = {
        category.pk: category.display_name for category in ServiceCategory.objects.filter(pk__in=categories)
    }
    return Report(
        start=start,
        end=end,
        grouping=grouping,
        currency=currency,
        totals=sum(periods.values(), Figures()),
        periods=_lines(periods, {day: _period_label(day, grouping) for day in periods}, ordering=lambda item: item[0]),
        categories=_lines(categories, category_names),
        providers=_lines(top, {pk: _person(names.get(pk)) for pk in top}),
        escrow_held_at_end=escrow_held(before=until, currency=currency),
    )


def _person(user: User | None) -> str:
    return f"{user.full_name} <{user.email}>" if user else "(deleted user)"


def _period_label(value, grouping: str) -> str:
    day = value.date() if isinstance(value, datetime) else value
    if grouping == "month":
        return day.strftime("%Y-%m")
    if grouping == "week":
        return f"Week of {day:%Y-%m-%d}"
    return day.isoformat()


@dataclass(frozen=True)
class DashboardMoney:
    commission_this_month: int
    commission_last_month: int
    gross_this_month: int
    escrow_held: int
    series: list[tuple[date, int, int]]  # (day, gross, commission) for each of the last days, today included


def dashboard_money(*, days: int = 30, currency: str | None = None) -> DashboardMoney:
    """The dashboard's money in one query over the LedgerDaily rollup, never the ledger or the bookings.

    Rows of the four escrow kinds, grouped by kind and by day for the days since the earlier of last
    month's first day and the series' first day (all older days in one group per kind): the month
    figures and the series come from the dated groups, escrow held now from all of them (charged -
    released - refunded over every row; a booking that holds no escrow nets to zero, an invariant
    audit_ledger checks). It reads the rollup's rows for these kinds (days x categories), however
    many bookings and ledger rows there are.
    """
    currency = currency or settings.CURRENCY
    today = timezone.localdate()
    this_start, _ = preset_range("this_month", today=today)
    last_start, _ = preset_range("last_month", today=today)
    first_day = today - timedelta(days=days - 1)
    since = min(last_start, first_day)
    rows = (
        LedgerDaily.objects.filter(currency=currency, kind__in=ESCROW_KINDS)
        .annotate(recent=Case(When(day__gte=since, then=F("day")), default=None))
        .values("kind", "recent")
        .annotate(amount=Sum("amount_cents"))
        .order_by()
    )
    by_day: dict[tuple[str, date], int] = defaultdict(int)
    escrow = 0
    for row in rows:
        escrow += row["amount"] if row["kind"] == K.CHARGE_ESCROW else -row["amount"]
        if row["recent"] is not None:
            by_day[row["kind"], row["recent"]] += row["amount"]

    def total(kind: str, start: date, end: date) -> int:
        return sum(amount for (k, day), amount in by_day.items() if k == kind and start <= day < end)

    after_today = today + timedelta(days=1)
    return DashboardMoney(
        commission_this_month=total(K.RELEASE_COMMISSION, this_start, after_today),
        commission_last_month=total(K.RELEASE_COMMISSION, last_start, this_start),
        gross_this_month=total(K.CHARGE_ESCROW, this_start, after_today),
        escrow_held=escrow,
        series=[
            (day, by_day[K.CHARGE_ESCROW, day], by_day[K.RELEASE_COMMISSION, day])
            for day in (first_day + timedelta(days=offset) for offset in range(days))
        ],
    )


@dataclass(frozen=True)
class ProviderAvailable:
    provider: User
    available: int  # released to the provider and not yet paid out
    payouts_enabled: bool


def provider_available_balances(*, currency: str | None = None, limit: int = 100) -> list[ProviderAvailable]:
    """Providers with money released and not yet transferred, largest first (three queries).

    Sums the ProviderLedgerMonthly rollup (months x providers x 3 kinds), not the ledger.
    """
    currency = currency or settings.CURRENCY
    rows = list(
        ProviderLedgerMonthly.objects.filter(currency=currency, kind__in=[K.RELEASE_PROVIDER, K.PAYOUT, K.REVERSAL])
        .values("provider_id")
        .annotate(
            available=ledger_sum(K.RELEASE_PROVIDER) - ledger_sum(K.PAYOUT) + ledger_sum(K.REVERSAL),
        )
        .filter(available__gt=0)
        .order_by("-available", "provider_id")[:limit]
    )
    users = User.objects.in_bulk([row["provider_id"] for row in rows])
    enabled = set(
        ProviderProfile.objects.filter(user_id__in=users, payouts_enabled=True).values_list("user_id", flat=True)
    )
    return [
        ProviderAvailable(
            provider=users[row["provider_id"]],
            available=row["available"],
            payouts_enabled=row["provider_id"] in enabled,
        )
        for row in rows
    ]
