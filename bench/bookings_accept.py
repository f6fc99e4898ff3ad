"""Benchmark: providers racing to accept the same offers (the booking_accept_offer lock).

Creates a throw-away database (`test_<DATABASE NAME>_bench`), then for each of --offers offers
releases --threads providers at once (each thread on its own connection) and prints the
throughput, latency of winners and losers, and how many bookings were made (must equal --offers).

    DATABASE_URL=mysql://... REDIS_URL=redis://... .venv/bin/python bench/bookings_accept.py --offers 50 --threads 10
"""

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servizo.settings.test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=50)
    parser.add_argument("--threads", type=int, default=10)
    args = parser.parse_args()

    setup_test_environment()
    connection.settings_dict["TEST"]["NAME"] = f"test_{connection.settings_dict['NAME']}_bench"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(args.offers, args.threads)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(offers: int, threads: int) -> None:
    from accounts.tests.factories import ProviderFactory
    from bookings.models import Booking
    from bookings.services import booking_accept_offer
    from offers.tests.factories import OfferFactory
    from servizo.exceptions import DomainError

    providers = [ProviderFactory() for _ in range(threads)]
    targets = [OfferFactory() for _ in range(offers)]
    wins: list[float] = []
    losses: list[float] = []
    lock = threading.Lock()

    def accept(offer_id: int, provider, barrier: threading.Barrier) -> None:
        barrier.wait()
        start = time.perf_counter()
        try:
            booking_accept_offer(offer_id=offer_id, provider=provider, terms_version=1)
            bucket = wins
        except DomainError:
            bucket = losses
        finally:
            connection.close()
        with lock:
            bucket.append(time.perf_counter() - start)

    began = time.perf_counter()
    for offer in targets:
        barrier = threading.Barrier(threads)
        workers = [threading.Thread(target=accept, args=(offer.pk, p, barrier)) for p in providers]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    elapsed = time.perf_counter() - began

    def ms(values: list[float], q: float) -> str:
        return f"{statistics.quantiles(values, n=100)[q - 1] * 1000:.1f} ms" if len(values) > 1 else "n/a"

    attempts = offers * threads
    print(f"engine: {connection.vendor}, offers: {offers}, providers racing per offer: {threads}")
    print(f"attempts: {attempts} in {elapsed:.2f} s -> {attempts / elapsed:.0f} accept attempts/s")
    print(f"bookings made: {Booking.objects.count()} (expected {offers}); 'just taken' answers: {len(losses)}")
    print(f"winner latency p50 {ms(wins, 50)}, p95 {ms(wins, 95)}")
    print(f"loser latency  p50 {ms(losses, 50)}, p95 {ms(losses, 95)}")


if __name__ == "__main__":
    main()
