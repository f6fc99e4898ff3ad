"""Read-only figures over the ledger for the operator console: dashboard, revenue report, payout balances.

Every figure is an aggregate query in the database over LedgerEntry (integer cents); Python only
loops over the grouped result rows (periods, categories, top providers), never over ledger rows.

Definitions (all within the date range, by the ledger row's `created_at`):
- bookings paid: charges into escrow (one per paid booking);
- gross: money charged into escrow; refunds: money refunded; net = gross - refunds;
- commission: RELEASE_COMMISSION rows, so it is net of refunds (a refund after release writes a
  negative release); provider earnings: RELEASE_PROVIDER rows, likewise;
- escrow held at the end of the range: charged - released - refunded, over all rows before the end.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from accounts.models import ProviderProfile, ServiceCategory, User
from offers.models import Offer
from payments.audit import HOLDING_STATUSES
from payments.models import LedgerEntry, Transfer
from payments.selectors import needs_decision_bookings

K = LedgerEntry.Kind
GROUPINGS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
PRESETS = {
    "this_month": "This month",
    "last_month": "Last month",
    "last_90_days": "Last 90 days",
    "year_to_date": "Year to date",
    "custom": "Custom",
}
TOP_PROVIDERS = 20


def _total(kind: str, extra: Q | None = None) -> Coalesce:
    condition = Q(kind=kind) if extra is None else Q(kind=kind) & extra
    return Coalesce(Sum("amount_cents", filter=condition), Value(0), output_field=IntegerField())


FIGURES = {
    "bookings_paid": Count("id", filter=Q(kind=K.CHARGE_ESCROW)),
    "gross": _total(K.CHARGE_ESCROW),
    "refunds": _total(K.REFUND),
    "commission": _total(K.RELEASE_COMMISSION),
    "provider_earnings": _total(K.RELEASE_PROVIDER),
}
OUT_OF_ESCROW = (K.RELEASE_PROVIDER, K.RELEASE_COMMISSION, K.REFUND)
ESCROW = {
    "charged": _total(K.CHARGE_ESCROW),
    "out": Coalesce(Sum("amount_cents", filter=Q(kind__in=OUT_OF_ESCROW)), Value(0), output_field=IntegerField()),
}


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
        return Figures(*(getattr(self, name) + getattr(other, name) for name in FIGURES))

    @classmethod
    def of(cls, row: dict) -> "Figures":
        return cls(**{name: row[name] or 0 for name in FIGURES})


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
    now = _entries(currency=currency).filter(booking__status__in=HOLDING_STATUSES).aggregate(**ESCROW)
    held = now["charged"] - now["out"]
    if before is not None:
        since = _entries(currency=currency).filter(created_at__gte=before).aggregate(**ESCROW)
        held -= since["charged"] - since["out"]
    return held


def revenue_report(*, start: date, end: date, grouping: str = "day", currency: str | None = None) -> Report:
    """The commission and revenue report for [start, end] (whole days).

    Aggregate queries: by period, by category, top providers (each one pass over the range) and
    escrow held at the end (see escrow_held); totals are the sum of the period rows.
    """
    currency = currency or settings.CURRENCY
    since, until = _bounds(start, end)
    rows = _entries(currency=currency).filter(created_at__gte=since, created_at__lt=until)
    trunc = GROUPINGS[grouping]("created_at")
    periods = [
        Line(label=_period_label(row["period"], grouping), figures=Figures.of(row), key=row["period"])
        for row in rows.annotate(period=trunc).values("period").annotate(**FIGURES).order_by("period")
    ]
    by_category = list(rows.values("booking__category_id").annotate(**FIGURES).order_by("-gross"))
    category_names = dict(ServiceCategory.objects.values_list("pk", "name"))
    categories = [
        Line(
            label=category_names[row["booking__category_id"]], figures=Figures.of(row), key=row["booking__category_id"]
        )
        for row in by_category
    ]
    top = list(rows.values("provider_id").annotate(**FIGURES).order_by("-gross", "provider_id")[:TOP_PROVIDERS])
    names = User.objects.in_bulk([row["provider_id"] for row in top])
    providers = [
        Line(label=_person(names.get(row["provider_id"])), figures=Figures.of(row), key=row["provider_id"])
        for row in top
    ]
    totals = sum((line.figures for line in periods), Figures())
    return Report(
        start=start,
        end=end,
        grouping=grouping,
        currency=currency,
        totals=totals,
        periods=periods,
        categories=categories,
        providers=providers,
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


def daily_series(*, days: int = 30, currency: str | None = None) -> list[tuple[date, int, int]]:
    """(day, gross, commission) for each of the last `days` days, today included, zeros filled in."""
    today = timezone.localdate()
    report = revenue_report(start=today - timedelta(days=days - 1), end=today, grouping="day", currency=currency)
    by_day = {_period_label(line.key, "day"): line.figures for line in report.periods}
    series = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        figures = by_day.get(day.isoformat(), Figures())
        series.append((day, figures.gross, figures.commission))
    return series


@dataclass(frozen=True)
class Dashboard:
    providers_pending: int
    bookings_needing_decision: int
    offers_open: int
    payouts_pending: int
    payouts_failed: int
    escrow_held: int
    commission_this_month: int
    commission_last_month: int
    gross_this_month: int
    currency: str


def dashboard_figures(*, currency: str | None = None) -> Dashboard:
    """The admin index's key figures: four count queries and two aggregates over the ledger."""
    currency = currency or settings.CURRENCY
    this_start, _ = preset_range("this_month")
    last_start, _ = preset_range("last_month")
    this_since, _ = _bounds(this_start, this_start)
    last_since, _ = _bounds(last_start, last_start)
    this_month = Q(created_at__gte=this_since)
    last_month = Q(created_at__gte=last_since, created_at__lt=this_since)
    money = (
        _entries(currency=currency)
        .filter(created_at__gte=last_since)
        .aggregate(
            commission_this_month=_total(K.RELEASE_COMMISSION, this_month),
            commission_last_month=_total(K.RELEASE_COMMISSION, last_month),
            gross_this_month=_total(K.CHARGE_ESCROW, this_month),
        )
    )
    payouts = dict(
        Transfer.objects.filter(status__in=[Transfer.Status.PENDING, Transfer.Status.FAILED])
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return Dashboard(
        providers_pending=ProviderProfile.objects.filter(status=ProviderProfile.Status.PENDING).count(),
        bookings_needing_decision=needs_decision_bookings().count(),
        offers_open=Offer.objects.filter(status=Offer.Status.OPEN, expires_at__gt=timezone.now()).count(),
        payouts_pending=payouts.get(Transfer.Status.PENDING, 0),
        payouts_failed=payouts.get(Transfer.Status.FAILED, 0),
        escrow_held=escrow_held(currency=currency),
        commission_this_month=money["commission_this_month"],
        commission_last_month=money["commission_last_month"],
        gross_this_month=money["gross_this_month"],
        currency=currency,
    )


@dataclass(frozen=True)
class ProviderAvailable:
    provider: User
    available: int  # released to the provider and not yet paid out
    payouts_enabled: bool


def provider_available_balances(*, currency: str | None = None, limit: int = 100) -> list[ProviderAvailable]:
    """Providers with money released and not yet transferred, largest first (three queries)."""
    currency = currency or settings.CURRENCY
    rows = list(
        _entries(currency=currency)
        .filter(kind__in=[K.RELEASE_PROVIDER, K.PAYOUT, K.REVERSAL])
        .values("provider_id")
        .annotate(
            available=_total(K.RELEASE_PROVIDER) - _total(K.PAYOUT) + _total(K.REVERSAL),
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
