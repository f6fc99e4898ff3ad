"""Benchmark: each page's CPU per request in-process, and the rows MariaDB read for it, on kept bench data.

For a loaded machine, where wall-clock req/s says more about the neighbours than about the page:
Django's CPU time (`time.process_time()`) over `--requests` requests of the test Client, median of
`--rounds` rounds, plus the queries and the rows MariaDB's handlers read per request
(`Handler_read_*` session counters; MariaDB's own CPU is not in the process time). Runs on a database
kept by `bench/pages.py --keep-db` (its `BENCH_DB`), with the bench's production settings:

    BENCH_DB=servizo_bench_pages_large .venv/bin/python bench/pages.py --keep-db --scale large --pages landing
    BENCH_DB=servizo_bench_pages_large .venv/bin/python bench/pages_cpu.py [--requests 200] [--pages feed chat]

Each run uses a fresh cache-key prefix, then one request per page warms the user's cache entries first
(as the wrk runs of bench/pages.py do).
"""

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.pages import BENCH_DB, PAGES, Actors, page_urls, production_env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per round (default 200)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--plans", action="store_true", help="also print each page's plan problems (bad_plans)")
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=list(PAGES), metavar="PAGE", help=" ".join(PAGES))
    args = parser.parse_args()
    env = production_env(Path(tempfile.mkdtemp(prefix="servizo-bench-cpu-")))
    env["BENCH_CACHE_PREFIX"] = f"bench-cpu-{secrets.token_hex(4)}"
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from servizo.testing.explain import bad_plans

    print(f"{BENCH_DB}: {os.popen('uptime').read().strip()}", flush=True)
    urls = page_urls(actors())
    print(f"{'page':<25} {'queries':>7} {'rows read':>9} {'CPU ms/request median (min-max)':>32}")
    for key in args.pages:
        url, user = urls[key]
        client = Client()
        if user:
            client.force_login(user)
        assert client.get(url, secure=True).status_code == 200, f"{key}: {url}"
        before = handler_reads(connection)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, secure=True).status_code == 200
        queries = len(captured)  # now: every request empties the connection's query log
        rows = handler_reads(connection) - before - handler_reads_overhead(connection)
        if args.plans:
            with bad_plans() as problems:
                client.get(url, secure=True)
            for problem in problems:
                print(f"  plan: {problem}")
        per_request = []
        for _ in range(args.rounds):
            began = time.process_time()
            for _ in range(args.requests):
                client.get(url, secure=True)
            per_request.append((time.process_time() - began) * 1000 / args.requests)
        print(
            f"{PAGES[key][0]:<25} {queries:>7} {rows:>9} {statistics.median(per_request):>14.2f}"
            f" ({min(per_request):.2f}-{max(per_request):.2f})",
            flush=True,
        )
    print(f"after: {os.popen('uptime').read().strip()}")


def actors() -> Actors:
    from accounts.models import User
    from bookings.models import Booking

    by_email = {
        u.email: u for u in User.objects.filter(email__endswith="@bench.example", full_name__startswith="Bench")
    }
    customer = by_email["customer@bench.example"]
    booking = Booking.objects.filter(customer=customer, status=Booking.Status.SCHEDULED).order_by("-pk").first()
    return Actors(customer, by_email["provider@bench.example"], by_email["staff@bench.example"], booking)


def handler_reads(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW SESSION STATUS LIKE 'Handler_read%%'")
        return sum(int(value) for _, value in cursor.fetchall())


def handler_reads_overhead(connection) -> int:
    """What one SHOW STATUS itself adds to the counters."""
    first = handler_reads(connection)
    return handler_reads(connection) - first


if __name__ == "__main__":
    main()
