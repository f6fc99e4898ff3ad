"""Benchmark: the commission and revenue report over 1,000,000 ledger rows on MariaDB.

Creates a throw-away database (`test_<DATABASE NAME>_report_bench`), bulk-inserts --bookings
bookings and four ledger rows each (INSERT ... SELECT from MariaDB's sequence engine; 9 in 10
bookings completed and paid out, 1 in 10 30 % refunded and the rest released), spread over
--days days, then times the report over the last 365 days for each grouping (best of --repeat),
the dashboard figures and the payouts page's balances, and prints the figures.

    DATABASE_URL=mysql://... REDIS_URL=redis://... .venv/bin/python bench/report.py

With BENCH_EXPLAIN=1 it also prints each report query's time and MariaDB's plan for it.

Figures with the ledger rollups (issue 12), MariaDB 10.11, 1,000,000 rows, 365-day range, --repeat 5,
min / median / max ms. The machine (2 cores) was shared with 7 other agents' test runs throughout:
`uptime` load average before -> after each run; at this load times vary by 2-3x between repeats.
Pair A ran back to back (after, then before, ~1 minute apart; both printed the same gross
3,383,601,690 and commission 660,382,791 cents); pair B earlier, under heavier load.

                                  A: before       A: after       B: before         B: after
                                  7.0 -> 5.2      7.0 -> 7.0     3.7 -> 7.5        10.0 -> 9.3
    report, 365 days by day     1189/1404/2414   252/281/554   2738/4678/6160    363/ 569/1143
    report, 365 days by week     924/ 953/1125   244/312/346   1182/2419/4112    635/ 832/1050
    report, 365 days by month    905/1255/1550   233/294/337   1839/3425/5655    165/ 633/ 759
    report, this month by day     89/ 111/ 137    42/ 47/153    345/ 464/ 730     42/ 119/ 217
    dashboard figures             63/  67/  88     7/ 13/ 20    142/ 211/ 313     29/  50/  60
    payouts balances (top 100)   464/ 560/ 770    27/ 28/ 31   1201/1279/1883     52/  80/ 182

After: periods, categories and totals read LedgerDaily (365 days x 7 categories x 4 kinds, ~10k
rows); the top providers read ProviderLedgerMonthly for the 11 whole months and the ledger's report
index only for the two partial months at the ends (~1/6 of the range), which is most of the time
left, with escrow held (the booking index); the payouts balances sum ProviderLedgerMonthly (13
months x 500 providers x 3 kinds). Building the rollups from the 1M rows (`ledger_rollup_rebuild`,
what migration 0004 runs) took 11-30 s.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servizo.settings.test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=250_000, help="4 ledger rows each (default: 1,000,000 rows)")
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--providers", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards (to EXPLAIN by hand).")
    args = parser.parse_args()

    setup_test_environment()
    connection.settings_dict["TEST"]["NAME"] = f"test_{connection.settings_dict['NAME']}_report_bench"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        load(args.bookings, args.days, args.providers)
        measure(args.repeat)
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def load(bookings: int, days: int, providers: int) -> None:
    from accounts.models import ServiceCategory, User
    from bookings.models import Booking
    from offers.tests.factories import OfferFactory
    from payments.models import LedgerEntry
    from payments.services.rollup import ledger_rollup_rebuild

    started = time.perf_counter()
    users = User.objects.bulk_create(
        User(email=f"provider{n}@bench.example", full_name=f"Provider {n}", role=User.Role.PROVIDER, password="!")
        for n in range(providers)
    )
    first_provider = users[0].pk
    offer = OfferFactory()
    categories = sorted(ServiceCategory.objects.values_list("pk", flat=True))
    booking_table, ledger_table = Booking._meta.db_table, LedgerEntry._meta.db_table
    seconds = days * 86400
    with connection.cursor() as cursor:
        # Booking n: provider n % providers, category n % len(categories), price 50-250 dollars,
        # paid `seconds * n / bookings` seconds after the start of the period.
        cursor.execute(
            f"""
            INSERT INTO {booking_table} (id, offer_id, customer_id, provider_id, category_id, title, description,
                price_cents, currency, commission_rate_bp, address, city, scheduled_date, time_window, status,
                pay_by, created_at, updated_at)
            SELECT seq, %s, %s, %s + seq %% %s, ELT(1 + seq %% %s, {", ".join(map(str, categories))}),
                CONCAT('Job ', seq), '', 5000 + (seq * 37) %% 20000, 'usd', 2000, 'Via Roma 1', 'Florence',
                CURDATE(), 'flexible', 'completed', NOW(), NOW(), NOW()
            FROM seq_1_to_{bookings}
            """,
            [offer.pk, offer.customer_id, first_provider, providers, len(categories)],
        )
        # Four rows per booking (r = 0..3), a day apart: the charge; then either release to provider and
        # commission and the payout, or (1 booking in 10) a 30 % refund and the release of the rest.
        refunded = "b.id % 10 = 0"
        kept = "(b.price_cents - b.price_cents * 3 DIV 10)"
        cursor.execute(
            f"""
            INSERT INTO {ledger_table} (booking_id, provider_id, category_id, kind, amount_cents, currency,
                stripe_object_id, idempotency_key, note, created_at)
            SELECT b.id, b.provider_id, b.category_id,
                ELT(1 + t.r, 'charge_escrow',
                    IF({refunded}, 'refund', 'release_provider'),
                    IF({refunded}, 'release_provider', 'release_commission'),
                    IF({refunded}, 'release_commission', 'payout')),
                CASE
                    WHEN t.r = 0 THEN b.price_cents
                    WHEN {refunded} AND t.r = 1 THEN b.price_cents * 3 DIV 10
                    WHEN {refunded} AND t.r = 2 THEN {kept} - ({kept} * 2000 + 5000) DIV 10000
                    WHEN {refunded} THEN ({kept} * 2000 + 5000) DIV 10000
                    WHEN t.r = 2 THEN (b.price_cents * 2000 + 5000) DIV 10000
                    ELSE b.price_cents - (b.price_cents * 2000 + 5000) DIV 10000
                END,
                'usd', '', CONCAT('bench-', t.seq), '',
                NOW() - INTERVAL {seconds + 3 * 86400} SECOND
                    + INTERVAL ({seconds} * b.id DIV {bookings} + t.r * 86400) SECOND
            FROM (SELECT seq, seq DIV 4 + 1 AS booking_id, seq % 4 AS r FROM seq_0_to_{bookings * 4 - 1}) t
            JOIN {booking_table} b ON b.id = t.booking_id
            """
        )
        cursor.execute(f"ANALYZE TABLE {ledger_table}, {booking_table}")
    rollup_started = time.perf_counter()
    ledger_rollup_rebuild()  # the rows above bypassed ledger_record, as the backfill migration's do
    print(f"rolled up in {time.perf_counter() - rollup_started:.1f} s")
    print(
        f"loaded {LedgerEntry.objects.count():,} ledger rows for {bookings:,} bookings and {providers} providers "
        f"over {days} days in {time.perf_counter() - started:.1f} s"
    )


def measure(repeat: int) -> None:
    from django.utils import timezone

    from console.dashboard import dashboard_figures
    from payments.reports import GROUPINGS, provider_available_balances, revenue_report

    def best(fn) -> tuple[str, object]:
        """'min / median / max ms' over `repeat` runs, and the last result."""
        times, result = [], None
        for _ in range(repeat):
            began = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - began)
        return " / ".join(f"{t * 1000:5.0f}" for t in (min(times), statistics.median(times), max(times))), result

    today = timezone.localdate()
    start = today - timedelta(days=364)
    for grouping in GROUPINGS:
        timing, report = best(lambda g=grouping: revenue_report(start=start, end=today, grouping=g))
        print(
            f"report, last 365 days by {grouping:<5}: {timing} ms "
            f"({len(report.periods)} periods, {len(report.categories)} categories, {len(report.providers)} providers; "
            f"gross {report.totals.gross:,} commission {report.totals.commission:,} cents)"
        )
    if os.environ.get("BENCH_EXPLAIN"):
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            revenue_report(start=start, end=today, grouping="month")
        for query in queries.captured_queries:
            print(query["time"], query["sql"][:3000])
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN " + query["sql"])
                for row in cursor.fetchall():
                    print("   ", row)
    timing, report = best(lambda: revenue_report(start=today.replace(day=1), end=today, grouping="day"))
    print(f"report, this month by day       : {timing} ms")
    timing, _ = best(dashboard_figures)
    print(f"dashboard figures               : {timing} ms")
    timing, _ = best(provider_available_balances)
    print(f"payouts page balances (top 100) : {timing} ms")


if __name__ == "__main__":
    main()
