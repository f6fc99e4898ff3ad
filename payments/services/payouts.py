"""Provider payouts: one Stripe Transfer per booking, exactly once.

Exactly-once rests on three locks, none of which is trusted alone:
1. the database: Transfer.booking is unique; a run claims a booking by inserting its Transfer
   row (PENDING) under the booking's row lock before calling Stripe;
2. Stripe's idempotency key `servizo-booking-<id>-transfer-<attempt>` from our ids;
3. a PENDING row found later (a crashed or concurrent run) is resumed by first looking for a
   transfer already made for it (`transfer_group` + our row id in metadata) and adopting it.
The outcome is recorded in a short transaction (row → PAID, one PAYOUT ledger row).

Bookings are streamed in chunks by primary key (keyset), never all at once.
"""

import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import stripe
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import ProviderProfile
from bookings.models import Booking
from payments.models import LedgerEntry, Payment, PayoutRun, Settlement, Transfer, transfer_group_for
from payments.services.ledger import ledger_record
from payments.stripe_gateway import PaymentServiceUnavailable, metadata_of, stripe_client, stripe_errors

K = LedgerEntry.Kind
CHUNK_SIZE = 500


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
    failures: list[tuple[int, str]] = field(default_factory=list)  # (booking id, error)
    stripe_seconds: float = 0.0
    elapsed_seconds: float = 0.0


def _released_unpaid(*, provider_id: int | None, after: int, limit: int):
    """Bookings with a released provider share and no paid transfer, by booking id (one query)."""
    rows = LedgerEntry.objects.filter(kind=K.RELEASE_PROVIDER, booking_id__gt=after)
    if provider_id is not None:
        rows = rows.filter(provider_id=provider_id)
    rows = rows.exclude(booking__transfer__status=Transfer.Status.PAID).exclude(
        booking__settlements__status=Settlement.Status.PENDING
    )
    return list(
        rows.values("booking_id", "provider_id", "currency")
        .annotate(amount=Sum("amount_cents"))
        .filter(amount__gt=0)
        .order_by("booking_id")[:limit]
    )


def payout_candidates(
    *, provider_id: int | None = None, chunk_size: int = CHUNK_SIZE, skipped: dict[int, str] | None = None
) -> Iterator[Candidate]:
    """Stream what is owed, chunk by chunk. Providers who cannot receive payouts go to `skipped`."""
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
                "user_id", "stripe_account_id", "payouts_enabled"
            )
        }
        charges = dict(
            Payment.objects.filter(booking_id__in=booking_ids, status=Payment.Status.SUCCEEDED).values_list(
                "booking_id", "charge_id"
            )
        )
        for row in rows:
            account = accounts.get(row["provider_id"])
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


def payout_candidate_count(*, provider_id: int | None = None) -> int:
    """How many bookings are owed (one aggregate query; for the progress bar)."""
    rows = LedgerEntry.objects.filter(kind=K.RELEASE_PROVIDER)
    if provider_id is not None:
        rows = rows.filter(provider_id=provider_id)
    rows = rows.exclude(booking__transfer__status=Transfer.Status.PAID)
    return rows.values("booking_id").annotate(amount=Sum("amount_cents")).filter(amount__gt=0).count()


def _transfer_claim(*, candidate: Candidate, run: PayoutRun) -> tuple[Transfer | None, bool]:
    """Claim the booking for this run. Returns (row, resumed) or (None, False) if nothing to do."""
    with transaction.atomic():
        Booking.objects.select_for_update().only("id").get(pk=candidate.booking_id)  # serialises with settlements
        if Settlement.objects.filter(booking_id=candidate.booking_id, status=Settlement.Status.PENDING).exists():
            return None, False
        row = Transfer.objects.select_for_update().filter(booking_id=candidate.booking_id).first()
        if row is None:
            row = Transfer.objects.create(
                booking_id=candidate.booking_id,
                provider_id=candidate.provider_id,
                run=run,
                amount_cents=candidate.amount_cents,
                currency=candidate.currency,
                destination=candidate.destination,
                source_transaction=candidate.source_transaction,
                idempotency_key=f"servizo-booking-{candidate.booking_id}-transfer-1",
            )
            return row, False
        if row.status == Transfer.Status.PAID:
            return None, False
        if row.status == Transfer.Status.FAILED:  # Stripe refused last time: a new attempt, a new key
            attempt = int(row.idempotency_key.rsplit("-", 1)[1]) + 1
            row.idempotency_key = f"servizo-booking-{candidate.booking_id}-transfer-{attempt}"
            row.status = Transfer.Status.PENDING
            row.amount_cents = candidate.amount_cents
            row.destination = candidate.destination
            row.run = run
            row.error = ""
            row.save()
            return row, False
        return row, True


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


def transfer_record(*, transfer_id: int, stripe_transfer) -> tuple[Transfer, bool]:
    """Record a Stripe Transfer for our row: PAID and one PAYOUT ledger row.

    Idempotent: returns (row, False) when it was already recorded (by a concurrent run or the webhook).
    """
    with transaction.atomic():
        row = Transfer.objects.select_for_update().select_related("booking").get(pk=transfer_id)
        if row.status == Transfer.Status.PAID:
            return row, False
        row.status = Transfer.Status.PAID
        row.stripe_transfer_id = stripe_transfer.id
        row.error = ""
        row.save(update_fields=["status", "stripe_transfer_id", "error", "updated_at"])
        ledger_record(
            booking=row.booking,
            kind=K.PAYOUT,
            amount_cents=row.amount_cents,
            idempotency_key=f"payout-transfer-{row.pk}",
            stripe_object_id=stripe_transfer.id,
            note=f"Transfer to {row.destination}",
        )
    return row, True


def _transfer_fail(row: Transfer, error: str) -> None:
    Transfer.objects.filter(pk=row.pk, status=Transfer.Status.PENDING).update(
        status=Transfer.Status.FAILED, error=error[:2000], updated_at=timezone.now()
    )


def payouts_run(
    *,
    dry_run: bool = False,
    provider_id: int | None = None,
    progress: Callable[[Candidate], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> PayoutSummary:
    """Pay every released, unpaid provider share once. Safe to run concurrently and to re-run."""
    started = time.perf_counter()
    summary = PayoutSummary()
    run = PayoutRun.objects.create(dry_run=dry_run)
    summary.run_id = run.pk
    for candidate in payout_candidates(provider_id=provider_id, chunk_size=chunk_size, skipped=summary.skipped):
        if progress is not None:
            progress(candidate)
        if dry_run:
            _count(summary, candidate.provider_id, candidate.amount_cents)
            continue
        row, resumed = _transfer_claim(candidate=candidate, run=run)
        if row is None:
            continue
        stripe_started = time.perf_counter()
        try:
            stripe_transfer = _transfer_send(row, resumed=resumed)
        except stripe.StripeError as error:  # refused (e.g. account disabled): a later run retries
            summary.stripe_seconds += time.perf_counter() - stripe_started
            _transfer_fail(row, str(error.user_message or error))
            summary.failures.append((row.booking_id, str(error.user_message or error)))
            continue
        except PaymentServiceUnavailable as error:  # Stripe unreachable: the row stays PENDING and is resumed next run
            summary.stripe_seconds += time.perf_counter() - stripe_started
            summary.failures.append((row.booking_id, str(error)))
            continue
        summary.stripe_seconds += time.perf_counter() - stripe_started
        row, recorded = transfer_record(transfer_id=row.pk, stripe_transfer=stripe_transfer)
        if recorded:
            _count(summary, row.provider_id, row.amount_cents)
    summary.elapsed_seconds = time.perf_counter() - started
    PayoutRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(),
        transfers=summary.transfers,
        amount_cents=summary.amount_cents,
        skipped=len(summary.skipped),
        failures=len(summary.failures),
    )
    return summary


def _count(summary: PayoutSummary, provider_id: int, amount: int) -> None:
    summary.transfers += 1
    summary.amount_cents += amount
    line = summary.providers[provider_id]
    line.transfers += 1
    line.amount_cents += amount
