"""The ledger rollups (LedgerDaily, ProviderLedgerMonthly): maintained with each ledger write, rebuilt by migration.

`ledger_rollup_apply` runs in the transaction that inserts the ledger rows, so a rollup row
always equals the sum of its ledger rows as seen by any transaction; audit_ledger checks that.
"""

from collections import Counter
from collections.abc import Iterable
from datetime import date

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Count, DateField, F, Model, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from payments.models import LedgerDaily, LedgerEntry, ProviderLedgerMonthly


def ledger_day(entry: LedgerEntry) -> date:
    """The day a ledger row counts on: its `created_at` date in TIME_ZONE (what TruncDate gives the report)."""
    return timezone.localtime(entry.created_at, timezone.get_default_timezone()).date()


# Each rollup's key fields, as named on the rollup (ledger rows give day and month via ledger_day).
ROLLUP_KEYS = {
    LedgerDaily: ("day", "currency", "kind", "category_id"),
    ProviderLedgerMonthly: ("month", "provider_id", "currency", "kind"),
}


def _rollup_keys(entries: Iterable[LedgerEntry]) -> dict[tuple[type[Model], tuple], Counter]:
    """{(rollup model, key values): Counter(amount_cents, entries)} for the given ledger rows."""
    sums: dict[tuple[type[Model], tuple], Counter] = {}
    for entry in entries:
        day = ledger_day(entry)
        values = {"day": day, "month": day.replace(day=1)}
        for model, names in ROLLUP_KEYS.items():
            key = tuple(values[name] if name in values else getattr(entry, name) for name in names)
            sums.setdefault((model, key), Counter()).update(amount_cents=entry.amount_cents, entries=1)
    return sums


def ledger_rollup_apply(entries: Iterable[LedgerEntry]) -> None:
    """Add newly inserted ledger rows to the rollups, inside the transaction that inserted them.

    Portable upsert: UPDATE ... SET x = x + n; if no row matched, INSERT in a savepoint; if a
    concurrent transaction inserted the same key first (unique constraint), UPDATE again, which
    waits for and then sees its row. Keys are applied in one sorted order so two writers cannot
    deadlock on each other's rollup rows.
    """
    assert transaction.get_connection().in_atomic_block, "call inside the ledger write's transaction"
    for (model, key), sums in sorted(_rollup_keys(entries).items(), key=lambda item: (item[0][0].__name__, item[0][1])):
        fields = dict(zip(ROLLUP_KEYS[model], key, strict=True))
        rows = model.objects.filter(**fields)
        add = {"amount_cents": F("amount_cents") + sums["amount_cents"], "entries": F("entries") + sums["entries"]}
        if rows.update(**add):
            continue
        try:
            with transaction.atomic():
                model.objects.create(**fields, **sums)
        except IntegrityError:
            rows.update(**add)


def rollup_from_ledger(ledger_entry: type[Model]) -> dict[type[Model], dict[tuple, tuple[int, int]]]:
    """{rollup model: {key: (amount_cents, entries)}} computed directly from the ledger (grouped in the database).

    Takes the LedgerEntry model so the backfill migration can pass its historical model; keys are
    tuples in the field order of `rollup_fields`.
    """
    tz = timezone.get_default_timezone()
    rows = ledger_entry.objects.order_by().annotate(
        day=TruncDate("created_at", tzinfo=tz), month=TruncMonth("created_at", tzinfo=tz, output_field=DateField())
    )
    return {
        model: {
            tuple(row[name] for name in names): (row["amount"], row["n"])
            for row in rows.values(*names).annotate(n=Count("*"), amount=Sum("amount_cents"))
        }
        for model, names in ROLLUP_KEYS.items()
    }


def ledger_rollup_rebuild(*, get_model=apps.get_model, batch_size: int = 5000) -> None:
    """Replace both rollups by sums computed from the ledger: the backfill migration and bench/report.py.

    `get_model` is the migration's `apps.get_model` there (historical models), the app registry's otherwise.
    """
    computed = rollup_from_ledger(get_model("payments", "LedgerEntry"))
    for model, sums in computed.items():
        rollup = get_model("payments", model.__name__)
        rollup.objects.all().delete()
        rollup.objects.bulk_create(
            (
                rollup(**dict(zip(ROLLUP_KEYS[model], key, strict=True)), amount_cents=amount, entries=n)
                for key, (amount, n) in sums.items()
            ),
            batch_size=batch_size,
        )
