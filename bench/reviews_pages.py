"""Benchmark: queries and latency of the reviews pages as reviews grow (10, 200, 2,000).

Pages: the public provider profile (anonymous, page 1 and the last page sorted by lowest
rating) and a customer's "Your reviews" list (one provider per review). Runs on a throwaway
database `test_<your database>_bench` (created and dropped here), requests go through
Django's test client in-process (WSGI handler, DEBUG off, no network), 50 timed requests
after 5 warm-up ones. Prints queries per request and median / 95th-percentile milliseconds.

    DATABASE_URL=mysql://… REDIS_URL=redis://… .venv/bin/python bench/reviews_pages.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servizo.settings.test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

SIZES = (10, 200, 2000)
RUNS, WARMUP = 50, 5


def measure(client: Client, url: str) -> tuple[int, float, float]:
    for _ in range(WARMUP):
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    query_count = len(queries)  # read now: the next request resets the log
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    return query_count, statistics.median(timings), statistics.quantiles(timings, n=20)[18]


def main() -> None:
    from accounts.tests.factories import CustomerFactory, ProviderFactory
    from reviews.tests.factories import reviews_bulk_create

    print(f"{'reviews':>8}  {'page':<34} {'queries':>7}  {'median ms':>9}  {'p95 ms':>7}")
    for size in SIZES:
        provider, customer = ProviderFactory(), CustomerFactory()
        reviews_bulk_create(count=size, provider=provider)
        reviews_bulk_create(count=size, customer=customer)
        profile = reverse("reviews:provider_profile", args=[provider.pk])
        last_page = (size + 9) // 10
        anonymous, signed_in = Client(), Client()
        signed_in.force_login(customer)
        for label, client, url in (
            ("profile, page 1", anonymous, profile),
            (f"profile, lowest first, page {last_page}", anonymous, f"{profile}?sort=lowest&page={last_page}"),
            ("your reviews (customer), page 1", signed_in, reverse("reviews:mine")),
        ):
            count, median, p95 = measure(client, url)
            print(f"{size:>8}  {label:<34} {count:>7}  {median:>9.1f}  {p95:>7.1f}")


if __name__ == "__main__":
    setup_test_environment()
    connection.settings_dict["TEST"]["NAME"] = f"test_{connection.settings_dict['NAME']}_bench"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        main()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
