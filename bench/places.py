"""Benchmark: the distance-matched provider feed at 10 and at 100,000 rows (issue 15).

Creates a throw-away MariaDB database (`servizo_bench_places`, dropped at the end unless --keep-db) and
builds two scales in turn: small (10 providers, 10 open offers over 5 places) and large (100,000 approved providers
and 100,000 open offers, both spread over the 5,000 most populous places of Europe from the packaged
dataset; radii 5-100 km, one to three trades each; bulk-inserted). At each scale, for --samples
providers picked at random it reads the feed's first page as the page does (`offers.selectors.offer_feed`
through `servizo.pagination.page_of`, the provider's trades prefetched as the filter form does) and
prints the query count, p50/p95 wall time and p50/p95 CPU time (process_time: the machine is shared,
so wall time includes other processes' load; `uptime` is printed with the figures). At the large scale
it also prints MariaDB's ANALYZE of the feed's queries for one provider (`servizo.testing.explain`).
Also timed: the "N providers serve this place" count shown before publishing (`offer_reach`).

    DATABASE_URL=mysql://servizo:servizo@127.0.0.1:3306/servizo .venv/bin/python bench/places.py [--samples 200]
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "servizo_bench_places"
SCALES = {
    "small": {"places": 5, "providers": 10, "offers": 10},  # few places, so small pages have rows too
    "large": {"places": 5_000, "providers": 100_000, "offers": 100_000},
}
RADII = [5, 10, 25, 25, 25, 50, 100]
BATCH = 5_000
PAGE = 20


def build(*, places: int, providers: int, offers: int, seed: int = 15) -> None:
    """Bulk-insert places, approved providers (with trades) and open offers, spread over the places."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import ProviderProfile, ServiceCategory, User
    from offers.models import Offer
    from places.loader import dataset, load_places
    from places.models import Place

    rng = random.Random(seed)
    europe = _european_countries()
    cities = sorted((c for c in dataset().values() if c["countrycode"] in europe), key=lambda c: -c["population"])
    load_places(cities[:places])
    place_ids = list(Place.objects.values_list("pk", flat=True))
    categories = list(ServiceCategory.objects.values_list("pk", flat=True))
    now = timezone.now()

    customers = User.objects.bulk_create(
        [User(email=f"c{n}@bench.example", full_name=f"C {n}", role="customer", password="!") for n in range(1_000)]
    )
    for start in range(0, providers, BATCH):
        size = min(BATCH, providers - start)
        users = User.objects.bulk_create(
            User(email=f"p{start + n}@bench.example", full_name="P", role="provider", password="!") for n in range(size)
        )
        profiles = ProviderProfile.objects.bulk_create(
            ProviderProfile(
                user=user,
                base_place_id=rng.choice(place_ids),
                service_radius_km=rng.choice(RADII),
                status=ProviderProfile.Status.APPROVED,
            )
            for user in users
        )
        through = ProviderProfile.categories.through
        through.objects.bulk_create(
            through(providerprofile_id=profile.pk, servicecategory_id=category)
            for profile in profiles
            for category in rng.sample(categories, rng.randint(1, 3))
        )
    for start in range(0, offers, BATCH):
        Offer.objects.bulk_create(
            Offer(
                customer=rng.choice(customers),
                category_id=rng.choice(categories),
                title=f"Job {start + n}",
                description="Bench",
                address="Via Roma 1",
                place_id=rng.choice(place_ids),
                preferred_date=(now + timedelta(days=3)).date(),
                price_cents=10_000,
                expires_at=now + timedelta(days=2),
            )
            for n in range(min(BATCH, offers - start))
        )


def _european_countries() -> set[str]:
    import json

    from places.loader import DATA_DIR

    with (DATA_DIR / "countries.json").open(encoding="utf-8") as file:
        return {code for code, country in json.load(file).items() if country["continentcode"] == "EU"}


def feed_page(provider_id: int):
    """The feed's first page as the page reads it (the request's user, the trades the filter form prefetches)."""
    from django.db.models import prefetch_related_objects

    from accounts.models import User
    from offers.selectors import offer_feed
    from servizo.pagination import page_of

    provider = User.objects.select_related("provider_profile__base_place").get(pk=provider_id)
    prefetch_related_objects([provider.provider_profile], "categories")
    return page_of(offer_feed(provider=provider), per_page=PAGE, number=1)


def measure(label: str, provider_ids: list[int]) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    walls, cpus, counts, rows = [], [], set(), []
    for provider_id in provider_ids:
        with CaptureQueriesContext(connection) as captured:
            wall, cpu = time.perf_counter(), time.process_time()
            page = feed_page(provider_id)
            cpus.append(time.process_time() - cpu)
            walls.append(time.perf_counter() - wall)
        counts.add(len(captured))
        rows.append(len(page.object_list))
    result = {
        "queries": sorted(counts),  # a page with rows reads them by id (servizo.pagination): one more
        "wall": _p50_p95(walls),
        "cpu": _p50_p95(cpus),
        "rows": statistics.median(rows),
    }
    print(
        f"[{label}] feed, {len(provider_ids)} providers: queries {result['queries']}, "
        f"wall p50 {result['wall'][0]:.1f} ms p95 {result['wall'][1]:.1f} ms, "
        f"CPU p50 {result['cpu'][0]:.1f} ms p95 {result['cpu'][1]:.1f} ms, median rows on page {result['rows']}",
        flush=True,
    )
    return result


def measure_reach(label: str, samples: int) -> None:
    from accounts.models import ServiceCategory
    from offers.selectors import offer_reach
    from places.models import Place

    rng = random.Random(7)
    places = list(Place.objects.all()[:5000])
    categories = list(ServiceCategory.objects.all())
    walls, cpus = [], []
    for _ in range(samples):
        wall, cpu = time.perf_counter(), time.process_time()
        offer_reach(category=rng.choice(categories), place=rng.choice(places))
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    (w50, w95), (c50, c95) = _p50_p95(walls), _p50_p95(cpus)
    print(f"[{label}] reach count: wall p50 {w50:.1f} ms p95 {w95:.1f} ms, CPU p50 {c50:.1f} ms p95 {c95:.1f} ms")


def explain(provider_id: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from servizo.testing.explain import bad_plans, plan_rows

    with CaptureQueriesContext(connection) as captured:
        feed_page(provider_id)
    for query in captured.captured_queries[-2:]:
        print("  " + query["sql"][:160] + " ...")
        for step in plan_rows(query["sql"]):
            print(f"    {step['table']:<28} {step['type']:<8} key={step['key']} rows={step['rows']} {step['Extra']}")
    with bad_plans() as problems:
        feed_page(provider_id)
    print("  plan problems (servizo.testing.explain.bad_plans):", problems or "none")


def _p50_p95(seconds: list[float]) -> tuple[float, float]:
    ordered = sorted(seconds)
    return 1000 * statistics.median(ordered), 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--scale", choices=[*SCALES, "both"], default="both")
    args = parser.parse_args()
    url = urlsplit(os.environ.get("DATABASE_URL", "mysql://servizo:servizo@127.0.0.1:3306/servizo"))
    if not url.scheme.startswith("mysql"):
        sys.exit("bench/places.py measures MariaDB: set DATABASE_URL=mysql://...")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="servizo.settings.base",
        DATABASE_URL=url._replace(path=f"/{BENCH_DB}").geturl(),
        TEST_DATABASE_NAME=BENCH_DB,
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from accounts.models import User

    old_name = connection.settings_dict["NAME"]
    try:
        for scale, sizes in SCALES.items():
            if args.scale not in (scale, "both"):
                continue
            connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            began = time.perf_counter()
            build(**sizes)
            print(f"[{scale}] built {sizes} in {time.perf_counter() - began:.0f} s", flush=True)
            print("  load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
            ids = list(User.objects.filter(role="provider").values_list("pk", flat=True))
            sample = random.Random(1).sample(ids, min(args.samples, len(ids)))
            feed_page(sample[0])  # warm the connection and the caches
            measure(scale, sample)
            measure_reach(scale, min(args.samples, 100))
            if scale == "large":
                explain(sample[0])
            if scale != "large" or not args.keep_db:
                connection.creation.destroy_test_db(old_name, verbosity=0)
    finally:
        connection.close()


if __name__ == "__main__":
    main()
