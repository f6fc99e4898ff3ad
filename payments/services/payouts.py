"""Provider payouts: one Stripe Transfer per booking, exactly once.

Exactly-once rests on three guards, none of which is trusted alone:
1. the database: Transfer.booking is unique; a run claims bookings by inserting their Transfer
   rows (PENDING) under the bookings' row locks before calling Stripe;
2. Stripe's idempotency key `servizo-booking-<id>-transfer-<attempt>` from our ids;
3. a PENDING row found later (a crashed or concurrent run) is resumed by first looking for a
   transfer already made for it (`transfer_group` + our row id in metadata) and adopting it.
Outcomes are recorded in short batched transactions (row -> PAID, one PAYOUT ledger row each).

Bookings are streamed in chunks by primary key (keyset), never all at once.

A provider who may not act now (`accounts.policies.provider_standing_rule`: suspended or deactivated)
is not paid: their released shares are held (`PayoutSummary.held`, reported by the command and the
console) until staff reinstate them, or release the money explicitly (`release_held=True` with one
provider: `manage.py payouts --provider ID --release-held`).
"""

import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import stripe
from django.conf import settings
from django.db import transaction
from django.db.models import Case, Max, Sum, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import ProviderProfile, User
from accounts.policies import provider_standing_rule
from bookings.locks import lock_bookings
from bookings.models import Booking
from notifications.services import notification_create
from payments.models import Chargeback, LedgerEntry, Payment, PayoutRun, Settlement, Transfer, transfer_group_for
from payments.services.balances import balance_apply
from payments.services.rollup import ledger_rollup_apply
from payments.services.transitions import SYSTEM, TRANSFER_MACHINE, transfer_transition
from payments.stripe_gateway import PaymentServiceUnavailable, metadata_of, stripe_client, stripe_errors
from servizo.languages import in_language_of
from servizo.money import format_money

K = LedgerEntry.Kind
CHUNK_SIZE = 500
RECORD_BATCH = 100
# What a run reports for a payout Stripe did not answer (it may or may not have been made).
UNREACHABLE = (
    "Stripe could not be reached; this payout stays pending (sent or not) and the next run or Retry "
    "asks Stripe whether it was made and completes it without paying twice."
)


@dataclass(frozen=True)
class Candidate:
    booking_id: int
    provider_id: int
    currency: str
    amount_cents: int
    destination: str
    source_transaction: str


@dataclass
class ProviderLine:
    transfers: int = 0
    amount_cents: int = 0


@dataclass
class PayoutSummary:
    run_id: int | None = None
    transfers: int = 0
    amount_cents: int = 0
    providers: dict[int, ProviderLine] = field(default_factory=lambda: defaultdict(ProviderLine))
    skipped: dict[int, str] = field(default_factory=dict)  # provider id -> why
    # provider id -> shares held because the provider may not be paid now (suspended, deactivated)
    held: dict[int, ProviderLine] = field(default_factory=lambda: defaultdict(ProviderLine))
    failures: list[tuple[int, str]] = field(default_factory=list)  # (booking id, error)
    stripe_seconds: float = 0.0
    elapsed_seconds: float = 0.0

    @property
    def held_cents(self) -> int:
        return sum(line.amount_cents for line in self.held.values())


def _released_unpaid(*, provider_id: int | None, after: int, limit: int):
    """Bookings with a released provider share and no paid transfer, by booking id (one query)."""
    rows = LedgerEntry.objects.filter(kind=K.RELEASE_PROVIDER, booking_id__gt=after)
    if provider_id is not None:
        rows = rows.filter(provider_id=provider_id)
    rows = rows.exclude(booking__transfer__status=Transfer.Status.PAID).exclude(
        booking__settlements__status=Settlement.Status.PENDING
    )
    # Grouped by booking id alone, so MariaDB walks the (kind, booking) index in order and stops
    # at `limit` (grouping by more columns made it sort every remaining row for each chunk).
    return list(
        rows.values("booking_id")
        .annotate(amount=Sum("amount_cents"), provider_id=Max("provider_id"), currency=Max("currency"))
        .filter(amount__gt=0)
        .order_by("booking_id")[:limit]
    )


def payout_candidates(
    *,
    provider_id: int | None = None,
    chunk_size: int = CHUNK_SIZE,
    skipped: dict[int, str] | None = None,
    held: dict[int, ProviderLine] | None = None,
    release_held: bool = False,
) -> Iterator[Candidate]:
    """Stream what is owed, chunk by chunk. Providers who cannot receive payouts go to `skipped`;
    shares of providers who may not act now (suspended, deactivated) go to `held`, unless
    `release_held` (staff's explicit release)."""
    after = 0
    while True:
        rows = _released_unpaid(provider_id=provider_id, after=after, limit=chunk_size)
        if not rows:
            return
        after = rows[-1]["booking_id"]
        booking_ids = [r["booking_id"] for r in rows]
        accounts = {
            p["user_id"]: p
            for p in ProviderProfile.objects.filter(user_id__in={r["provider_id"] for r in rows}).values(
                "user_id", "stripe_account_id", "payouts_enabled", "status", "user__is_active", "user__role"
            )
        }
        charges = dict(
            Payment.objects.filter(booking_id__in=booking_ids, status=Payment.Status.SUCCEEDED).values_list(
                "booking_id", "charge_id"
            )
        )
        for row in rows:
            account = accounts.get(row["provider_id"])
            if account and not release_held and not _may_be_paid(account):
                if held is not None:
                    line = held[row["provider_id"]]
                    line.transfers += 1
                    line.amount_cents += row["amount"]
                continue
            if not account or not account["payouts_enabled"] or not account["stripe_account_id"]:
                if skipped is not None:
                    skipped[row["provider_id"]] = "payouts not enabled (no connected account)"
                continue
            yield Candidate(
                booking_id=row["booking_id"],
                provider_id=row["provider_id"],
                currency=row["currency"],
                amount_cents=row["amount"],
                destination=account["stripe_account_id"],
                source_transaction=charges.get(row["booking_id"], ""),
            )


def _may_be_paid(account: dict) -> bool:
    standing = provider_standing_rule(
        is_active=account["user__is_active"], role=account["user__role"], status=account["status"]
    )
    return bool(standing)


def payout_candidate_count(*, provider_id: int | None = None) -> int:
    """How many bookings are owed (one aggregate query; for the progress bar)."""
    rows = LedgerEntry.objects.filter(kind=K.RELEASE_PROVIDER)
    if provider_id is not None:
        rows = rows.filter(provider_id=provider_id)
    rows = rows.exclude(booking__transfer__status=Transfer.Status.PAID)
    return rows.values("booking_id").annotate(amount=Sum("amount_cents")).filter(amount__gt=0).count()


def _transfers_claim(*, candidates: list[Candidate], run: PayoutRun) -> list[tuple[Transfer, bool]]:
    """Claim a chunk of bookings for this run in one transaction: (row, resumed) for each to pay.

    Locks the bookings (in primary-key order, like every other writer), skips those with a
    pending settlement, an open chargeback or a paid transfer, inserts PENDING rows for new ones, gives FAILED rows
    a new attempt (and key) and returns PENDING rows left by a crashed or concurrent run as resumed.
    """
    by_booking = {c.booking_id: c for c in candidates}
    ids = sorted(by_booking)
    claimed: list[tuple[Transfer, bool]] = []
    with transaction.atomic():
        lock_bookings(ids)
        frozen = set(
            Settlement.objects.filter(booking_id__in=ids, status=Settlement.Status.PENDING).values_list(
                "booking_id", flat=True
            )
        ) | set(
            Chargeback.objects.filter(booking_id__in=ids, outcome=Chargeback.Outcome.OPEN).values_list(
                "booking_id", flat=True
            )
        )
        existing = {t.booking_id: t for t in Transfer.objects.select_for_update().filter(booking_id__in=ids)}
        new = []
        for booking_id in ids:
            candidate, row = by_booking[booking_id], existing.get(booking_id)
            if booking_id in frozen or (row is not None and row.status == Transfer.Status.PAID):
                continue
            if row is None:
                new.append(
                    Transfer(
                        booking_id=booking_id,
                        provider_id=candidate.provider_id,
                        run=run,
                        amount_cents=candidate.amount_cents,
                        currency=candidate.currency,
                        destination=candidate.destination,
                        source_transaction=candidate.source_transaction,
                        idempotency_key=f"servizo-booking-{booking_id}-transfer-1",
                    )
                )
            elif row.status == Transfer.Status.FAILED:  # Stripe refused last time: a new attempt, a new key
                attempt = int(row.idempotency_key.rsplit("-", 1)[1]) + 1
                transfer_transition(
                    transfer=row,
                    to_status=Transfer.Status.PENDING,
                    fields={
                        "idempotency_key": f"servizo-booking-{booking_id}-transfer-{attempt}",
                        "amount_cents": candidate.amount_cents,
                        "destination": candidate.destination,
                        "run": run,
                        "error": "",
                    },
                )
                claimed.append((row, False))
            else:
                claimed.append((row, True))
        claimed += [(row, False) for row in Transfer.objects.bulk_create(new)]
    return claimed


def _transfer_existing(row: Transfer):
    """A transfer already made for this row (a crashed run's), found by transfer_group + metadata."""
    found = stripe_client().v1.transfers.list({"transfer_group": transfer_group_for(row.booking_id), "limit": 10})
    for transfer in found.data:
        if metadata_of(transfer).get("transfer_id") == str(row.pk):
            return transfer
    return None


def _transfer_send(row: Transfer, *, resumed: bool):
    with stripe_errors():
        existing = _transfer_existing(row) if resumed else None
        if existing is not None:
            return existing
        params = {
            "amount": row.amount_cents,
            "currency": row.currency,
            "destination": row.destination,
            "transfer_group": transfer_group_for(row.booking_id),
            "metadata": {"booking_id": str(row.booking_id), "transfer_id": str(row.pk)},
        }
        if row.source_transaction:
            params["source_transaction"] = row.source_transaction
        return stripe_client().v1.transfers.create(params, {"idempotency_key": row.idempotency_key})


def transfers_record(*, made: list[tuple[int, str]]) -> list[Transfer]:
    """Record Stripe Transfers for our rows, given (row id, Stripe transfer id): PAID + one PAYOUT ledger row each.

    One short transaction for the batch. Idempotent: rows already PAID (by a concurrent run or the
    webhook) are skipped; returns the rows recorded by this call.
    """
    stripe_ids = dict(made)
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Transfer.objects.select_for_update()
            .filter(pk__in=sorted(stripe_ids), status=Transfer.Status.PENDING)
            .order_by("pk")
        )
        for row in rows:
            TRANSFER_MACHINE.check(row, Transfer.Status.PAID, role=SYSTEM)
            row.status = Transfer.Status.PAID
            row.stripe_transfer_id = stripe_ids[row.pk]
            row.error = ""
            row.updated_at = now
        # One portable UPDATE of the locked rows, each move checked against TRANSFER_MACHINE above (the
        # batch form of `transfer_transition`); only the Stripe id differs per row, so one CASE
        # (bulk_update's CASE per row and field costs more Python than the rest of a payout).
        Transfer.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=Transfer.Status.PAID,
            error="",
            updated_at=now,
            stripe_transfer_id=Case(*(When(pk=row.pk, then=Value(row.stripe_transfer_id)) for row in rows)),
        )
        categories = dict(
            Booking.objects.filter(pk__in={row.booking_id for row in rows}).values_list("pk", "category_id")
        )
        entries = LedgerEntry.objects.bulk_create(
            LedgerEntry(
                booking_id=row.booking_id,
                provider_id=row.provider_id,
                category_id=categories[row.booking_id],
                kind=K.PAYOUT,
                amount_cents=row.amount_cents,
                currency=row.currency,
                stripe_object_id=row.stripe_transfer_id,
                idempotency_key=f"payout-transfer-{row.pk}",
                note=f"Transfer to {row.destination}",
            )
            for row in rows
        )
        ledger_rollup_apply(entries)
        balance_apply(entries)
    return rows


def _transfer_fail(row: Transfer, error: str) -> None:
    """Stripe refused the transfer: FAILED with the reason, unless a webhook recorded it paid meanwhile."""
    with transaction.atomic():
        row = Transfer.objects.select_for_update().get(pk=row.pk)
        if row.status == Transfer.Status.PENDING:
            transfer_transition(transfer=row, to_status=Transfer.Status.FAILED, fields={"error": error[:2000]})


def payouts_run(
    *,
    dry_run: bool = False,
    provider_id: int | None = None,
    progress: Callable[[Candidate], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
    release_held: bool = False,
) -> PayoutSummary:
    """Pay every released, unpaid provider share once. Safe to run concurrently and to re-run.

    Per chunk: claim (one transaction), one Stripe call per booking, record (one transaction per
    RECORD_BATCH transfers). A crash between a Stripe call and its record leaves the row PENDING;
    the next run finds the transfer by transfer_group and records it instead of paying again.
    """
    if release_held and provider_id is None:
        raise ValueError("Held payouts are released for one provider at a time.")
    started = time.perf_counter()
    summary = PayoutSummary()
    run = PayoutRun.objects.create(dry_run=dry_run)
    summary.run_id = run.pk
    candidates = payout_candidates(
        provider_id=provider_id,
        chunk_size=chunk_size,
        skipped=summary.skipped,
        held=summary.held,
        release_held=release_held,
    )
    for chunk in _chunks(candidates, chunk_size):
        if dry_run:
            for candidate in chunk:
                _progress(progress, candidate)
                _count(summary, candidate.provider_id, candidate.amount_cents)
            continue
        by_booking = {c.booking_id: c for c in chunk}
        made: list[tuple[int, str]] = []
        for row, resumed in _transfers_claim(candidates=chunk, run=run):
            _progress(progress, by_booking[row.booking_id])
            stripe_started = time.perf_counter()
            try:
                made.append((row.pk, _transfer_send(row, resumed=resumed).id))
            except stripe.StripeError as error:  # refused (e.g. account disabled): a later run retries
                _transfer_fail(row, str(error.user_message or error))
                summary.failures.append((row.booking_id, str(error.user_message or error)))
            except PaymentServiceUnavailable:  # unreachable: stays PENDING, resumed next run
                Transfer.objects.filter(pk=row.pk, status=Transfer.Status.PENDING).update(error=UNREACHABLE)
                summary.failures.append((row.booking_id, UNREACHABLE))
            summary.stripe_seconds += time.perf_counter() - stripe_started
            if len(made) >= RECORD_BATCH:
                _record(summary, made)
        _record(summary, made)
    if not dry_run:
        _notify_providers(summary)
    summary.elapsed_seconds = time.perf_counter() - started
    PayoutRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(),
        transfers=summary.transfers,
        amount_cents=summary.amount_cents,
        skipped=len(summary.skipped),
        failures=len(summary.failures),
    )
    return summary


def _notify_providers(summary: PayoutSummary) -> None:
    """One message (and email) per provider per run, not one per booking."""
    users = User.objects.in_bulk(list(summary.providers))
    for provider_id, line in summary.providers.items():
        with in_language_of(users[provider_id]):
            text = ngettext(
                "Servizo sent you %(amount)s for %(count)d completed job. It reaches your bank on Stripe's payout "
                "schedule.",
                "Servizo sent you %(amount)s for %(count)d completed jobs. It reaches your bank on Stripe's payout "
                "schedule.",
                line.transfers,
            ) % {"amount": format_money(line.amount_cents, settings.CURRENCY), "count": line.transfers}
        notification_create(
            recipient=users[provider_id], kind="payout", text=text, link=reverse("payments:earnings"), email=True
        )


def _chunks(items: Iterator[Candidate], size: int) -> Iterator[list[Candidate]]:
    chunk: list[Candidate] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _progress(progress: Callable[[Candidate], None] | None, candidate: Candidate) -> None:
    if progress is not None:
        progress(candidate)


def _record(summary: PayoutSummary, made: list[tuple[int, str]]) -> None:
    if made:
        for row in transfers_record(made=made):
            _count(summary, row.provider_id, row.amount_cents)
        made.clear()


def _count(summary: PayoutSummary, provider_id: int, amount: int) -> None:
    summary.transfers += 1
    summary.amount_cents += amount
    line = summary.providers[provider_id]
    line.transfers += 1
    line.amount_cents += amount
