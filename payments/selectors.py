"""Reads: balances are sums over the ledger; a provider's balance is its maintained aggregate (ProviderBalance)."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import pgettext_lazy

from accounts.models import User
from bookings.models import Booking
from bookings.selectors import booking_visible_to
from payments.models import DecisionQueueEntry, LedgerEntry, Payment, ProviderBalance, Settlement
from servizo.money import split_amount
from servizo.roles import FINANCE, staff_in_role

K = LedgerEntry.Kind
S = Booking.Status


def ledger_sum(*kinds: str, prefix: str = "", when: Q | None = None) -> Coalesce:
    """The one sum over the ledger: amount_cents of the rows of `kinds` (and `when`), 0 when there are none.

    An aggregate/annotation expression; `prefix` reaches the ledger through a relation
    (`"ledger_entries__"` from bookings). Filter the queryset by kind too where an index should be used.
    """
    kind = Q(**{f"{prefix}kind": kinds[0]}) if len(kinds) == 1 else Q(**{f"{prefix}kind__in": kinds})
    condition = kind if when is None else kind & when
    return Coalesce(Sum(f"{prefix}amount_cents", filter=condition), Value(0), output_field=IntegerField())


# BookingBalance's fields and the ledger kind each one sums.
BALANCE_KINDS = {
    "paid_in": K.CHARGE_ESCROW,
    "released_provider": K.RELEASE_PROVIDER,
    "released_commission": K.RELEASE_COMMISSION,
    "refunded": K.REFUND,
    "payouts": K.PAYOUT,
    "reversals": K.REVERSAL,
    "charged_back": K.CHARGEBACK_LOST,
}


def balance_sums(prefix: str = "") -> dict[str, Coalesce]:
    """Aggregates (or annotations) named like BookingBalance's fields; read back with BookingBalance.of."""
    return {name: ledger_sum(kind, prefix=prefix) for name, kind in BALANCE_KINDS.items()}


@dataclass(frozen=True)
class BookingBalance:
    paid_in: int = 0
    released_provider: int = 0
    released_commission: int = 0
    refunded: int = 0
    payouts: int = 0
    reversals: int = 0
    charged_back: int = 0  # lost chargebacks: returned to the cardholder by the bank

    @classmethod
    def of(cls, sums) -> "BookingBalance":
        """From balance_sums(): an aggregate's dict or a row/object annotated with them."""
        if isinstance(sums, dict):
            return cls(**{name: sums[name] for name in BALANCE_KINDS})
        return cls(**{name: getattr(sums, name) for name in BALANCE_KINDS})

    @property
    def held(self) -> int:
        """Still in escrow: paid in minus everything released, refunded or lost to a chargeback."""
        return self.paid_in - self.released_provider - self.released_commission - self.refunded - self.charged_back

    @property
    def paid_out(self) -> int:
        return self.payouts - self.reversals

    @property
    def refundable(self) -> int:
        return self.paid_in - self.refunded - self.charged_back


def booking_balance(*, booking_id: int) -> BookingBalance:
    return BookingBalance.of(LedgerEntry.objects.filter(booking_id=booking_id).aggregate(**balance_sums()))


@dataclass(frozen=True)
class SettlementPreview:
    """What a staff decision refunding `refund` leaves each party, by the settlement rule."""

    decision: str
    refund: int
    provider: int
    commission: int

    @property
    def decision_label(self) -> str:
        return Settlement.Decision(self.decision).label


def settlement_preview(*, booking: Booking, balance: BookingBalance, refund_percent: int) -> SettlementPreview:
    """Refund `refund_percent` % of what is refundable (rounded like commission) and split the rest."""
    _, refund = split_amount(balance.refundable, refund_percent * 100)
    provider, commission = split_amount(balance.refundable - refund, booking.commission_rate_bp)
    D = Settlement.Decision
    decision = D.REFUND_ALL if refund == balance.refundable else D.RELEASE_ALL if refund == 0 else D.SPLIT
    return SettlementPreview(decision=decision, refund=refund, provider=provider, commission=commission)


MONEY_FIELDS = ("held", "available", "paid_out")  # ProviderMoney's fields; ProviderBalance's with "_cents"


@dataclass(frozen=True)
class ProviderMoney:
    held: int  # the provider's share of escrow still held (at each booking's rate)
    available: int  # released to the provider, not yet transferred
    paid_out: int


def provider_balance(*, provider: User) -> ProviderMoney:
    """The provider's maintained balance (one indexed read; all currencies added, as the ledger sums were)."""
    sums = ProviderBalance.objects.filter(provider=provider).aggregate(
        **{name: Coalesce(Sum(f"{name}_cents"), Value(0), output_field=IntegerField()) for name in MONEY_FIELDS}
    )
    return ProviderMoney(**sums)


def provider_share_held(held: int, commission_rate_bp: int) -> int:
    """A booking's held escrow as the provider's share, counted in `held` while the booking holds money."""
    return split_amount(held, commission_rate_bp)[0] if held > 0 else 0


def provider_balances_from_ledger(entries: QuerySet[LedgerEntry]) -> dict[tuple[int, str], ProviderMoney]:
    """What each (provider, currency)'s ProviderBalance must be, summed over `entries` per booking.

    The definition the maintained rows follow; `audit_ledger` compares them and the backfill migration
    starts from it. Costs a pass over the ledger: never on a page.
    """
    totals: dict[tuple[int, str], list[int]] = {}
    rows = (
        entries.values("provider_id", "currency", "booking_id", "booking__status", "booking__commission_rate_bp")
        .annotate(**balance_sums())
        .order_by()
    )
    for row in rows:
        balance = BookingBalance.of(row)
        total = totals.setdefault((row["provider_id"], row["currency"]), [0, 0, 0])
        if row["booking__status"] in Booking.HOLDS_MONEY:
            total[0] += provider_share_held(balance.held, row["booking__commission_rate_bp"])
        total[1] += balance.released_provider - balance.paid_out
        total[2] += balance.paid_out
    return {key: ProviderMoney(*total) for key, total in totals.items()}


def _booking_ledger_sum(kind: str) -> Coalesce:
    """One booking's sum of `kind`, as a subquery on the (booking, kind) index: no GROUP BY of the outer rows."""
    rows = LedgerEntry.objects.filter(booking=OuterRef("pk"), kind=kind).order_by()
    total = rows.annotate(total=Func(F("amount_cents"), function="SUM")).values("total")
    return Coalesce(Subquery(total), Value(0), output_field=IntegerField())


def bookings_with_money(queryset: QuerySet[Booking]) -> QuerySet[Booking]:
    """Annotate each booking with its ledger sums (one query, no per-row lookups, nothing grouped).

    Each sum is a subquery per returned row, so an ordered, sliced list stays index-ordered and costs
    its page, not the number of bookings before it.
    """
    return queryset.annotate(**{name: _booking_ledger_sum(kind) for name, kind in BALANCE_KINDS.items()})


def _with_held(queryset: QuerySet[Booking]) -> QuerySet[Booking]:
    return bookings_with_money(queryset).annotate(
        held_cents=F("paid_in") - F("released_provider") - F("released_commission") - F("refunded") - F("charged_back")
    )


def provider_earning_lines(*, provider: User) -> QuerySet[Booking]:
    """The provider's bookings with money, newest first: read in index order, the sums per shown row only.

    "Has a ledger row" is a per-row subquery on the (booking, kind) index, not EXISTS: MariaDB turns an
    EXISTS into a semi-join that reads the whole ledger once per page.
    """
    first_entry = LedgerEntry.objects.filter(booking=OuterRef("pk")).order_by().values("pk")[:1]
    return (
        _with_held(Booking.objects.filter(provider=provider).alias(first_entry=Subquery(first_entry)))
        .filter(first_entry__isnull=False)
        .select_related("transfer")
        .order_by("-created_at", "-id")
    )


def customer_payment_lines(*, customer: User) -> QuerySet[Booking]:
    paid = Exists(Payment.objects.filter(booking=OuterRef("pk"), status=Payment.Status.SUCCEEDED))
    return _with_held(Booking.objects.filter(paid, customer=customer)).order_by("-created_at", "-id")


def booking_payment_latest(*, booking: Booking) -> Payment | None:
    return booking.payments.order_by("-attempt").first()


@dataclass(frozen=True)
class Receipt:
    """What a receipt shows (page and PDF alike): who issued it, the paid attempt, refunds, the net."""

    booking: Booking
    payment: Payment
    refunds: list[LedgerEntry]
    net_paid: int
    issuer_name: str
    issuer_address: str
    issuer_tax_id: str


def receipt_for(*, user: User, booking_id: int) -> Receipt | None:
    """The receipt of a paid booking the user may read (its parties, staff who read bookings); else None."""
    booking = booking_visible_to(user=user).filter(pk=booking_id).first()
    payment = booking and booking.payments.filter(status=Payment.Status.SUCCEEDED).first()
    if not payment:
        return None
    refunds = list(booking.ledger_entries.filter(kind=K.REFUND).order_by("created_at", "id"))
    return Receipt(
        booking=booking,
        payment=payment,
        refunds=refunds,
        net_paid=payment.amount_cents - sum(refund.amount_cents for refund in refunds),
        issuer_name=settings.PLATFORM_LEGAL_NAME,
        issuer_address=settings.PLATFORM_ADDRESS,
        issuer_tax_id=settings.PLATFORM_TAX_ID,
    )


def booking_settlements(*, booking: Booking) -> list[Settlement]:
    """The booking's refunds and decisions, oldest first (the booking page's payment panel).

    None before the booking stopped or finished (a staff refund of an active booking cancels it first): no query.
    """
    if booking.status in Booking.UNFINISHED or booking.status == S.PROVIDER_COMPLETED:
        return []
    return list(booking.settlements.order_by("pk"))


def needs_decision_bookings() -> QuerySet[Booking]:
    """Cancelled or disputed bookings that still hold escrow (staff must refund, release or split)."""
    return _with_held(Booking.objects.filter(status__in=Booking.NEEDS_DECISION)).filter(held_cents__gt=0)


def decision_queue() -> QuerySet[DecisionQueueEntry]:
    """The bookings waiting for a decision as maintained rows (equal to needs_decision_bookings, by primary key)."""
    return DecisionQueueEntry.objects.all()


def platform_commission_total() -> int:
    commission = LedgerEntry.objects.filter(kind=K.RELEASE_COMMISSION)
    return commission.aggregate(total=ledger_sum(K.RELEASE_COMMISSION))["total"]


@dataclass(frozen=True)
class MoneyLine:
    """One booking's split as shown to the provider: shares and where the money is."""

    provider_cents: int
    commission_cents: int
    state: str  # held | available | paid out | refunded

    @property
    def state_label(self) -> str:
        return str(MONEY_LINE_STATES[self.state])


MONEY_LINE_STATES = {
    "held": pgettext_lazy("earning state", "held"),
    "available": pgettext_lazy("earning state", "available"),
    "paid out": pgettext_lazy("earning state", "paid out"),
    "refunded": pgettext_lazy("earning state", "refunded"),
}


def money_line(booking: Booking) -> MoneyLine:
    """For a booking annotated by bookings_with_money (+ held_cents)."""
    if booking.held_cents > 0:
        provider, commission = split_amount(booking.held_cents, booking.commission_rate_bp)
        return MoneyLine(provider, commission, "held")
    provider, commission = booking.released_provider, booking.released_commission
    if provider <= 0:
        return MoneyLine(0, commission, "refunded")
    paid_out = booking.payouts - booking.reversals
    return MoneyLine(provider, commission, "paid out" if paid_out >= provider else "available")


def customer_awaiting_payment(*, customer: User, limit: int = 5) -> list[Booking]:
    return list(Booking.objects.filter(customer=customer, status=S.AWAITING_PAYMENT).order_by("pay_by")[:limit])


def finance_alert_emails() -> list[str]:
    """Who hears about money discrepancies: FINANCE_EMAILS, then every active staff member in the Finance group."""
    staff = staff_in_role(FINANCE).exclude(email="")
    emails = [*settings.FINANCE_EMAILS, *staff.values_list("email", flat=True)]
    return list(dict.fromkeys(emails))
