"""Benchmark: the provider directory search at 100,000 providers over 5,000 places.

Creates a throw-away MariaDB database (`test_<DATABASE NAME>_directory_bench`, dropped at the end
unless --keep-db), loads the 5,000 most populous cities of the packaged GeoNames set (places.loader),
bulk-inserts 10 providers and counts each search's queries, then grows to --providers providers
(`directory.tests.factories.listings_bulk_create`: two trades each, a base place among the cities,
a radius of 5-100 km, varied ratings, jobs and rates) and, for --searches random searches (a trade or
all, one of the cities or none, a sort, sometimes a minimum rating or a price level):

- times the directory's database work (the selector's id query, the page's rows and its trades:
  exactly what the page runs) and the whole page through Django's test Client, and prints p50/p95
  with the process CPU time next to the wall time, and the load average: the machine may be shared;
- runs MariaDB's ANALYZE FORMAT=JSON on each search's id query (the one that searches) and prints
  p50/p95 of the rows it read and of the server's own time for it: rows read do not depend on load.

Query counts are compared on fixed searches that have results at both sizes (the 10 providers all
work from the most populous city; the others spread over every city), each with a warm cache: they
must be equal, search by search.

    DATABASE_URL=mysql://servizo:servizo@127.0.0.1:3306/servizo REDIS_URL=redis://127.0.0.1:6379/4 \\
        .venv/bin/python bench/directory.py [--providers 100000] [--places 5000] [--searches 400]
"""

import argparse
import json
import logging
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servizo.settings.test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=100_000)
    parser.add_argument("--places", type=int, default=5_000)
    parser.add_argument("--searches", type=int, default=400)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    setup_test_environment()
    logging.getLogger("servizo.request").setLevel(logging.WARNING)  # one line per request otherwise
    connection.settings_dict["TEST"]["NAME"] = f"test_{connection.settings_dict['NAME']}_directory_bench"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(args)
    finally:
        if not args.keep_db:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def _searches(count: int, trades: list[int], places: list, seed: int = 7) -> list[dict]:
    rnd = random.Random(seed)
    searches = []
    for _ in range(count):
        place = rnd.choice([None, *[rnd.choice(places)] * 3])  # three in four searches name a place
        searches.append(
            {
                "trade": rnd.choice([None, *trades]),
                "place": place.pk if place else None,
                "sort": rnd.choice(["rating", "jobs", "distance"] if place else ["rating", "jobs"]),
                "min_rating": rnd.choice([None, None, 400, 450]),
                "price": rnd.choice([None, None, 1, 2, 3]),
                "page": rnd.choice([1, 1, 1, 2]),
            }
        )
    return searches


def _query_string(search: dict) -> str:
    return "&".join(f"{key}={value}" for key, value in search.items() if value is not None)


def _selector_kwargs(search: dict, places_by_id: dict) -> dict:
    return {
        "trade": search["trade"],
        "place": places_by_id.get(search["place"]),
        "sort": search["sort"],
        "min_rating_x100": search["min_rating"],
        "price_level": search["price"],
    }


def _analyze(sql: str) -> tuple[float, float]:
    """Rows the statement read (every table step: loops x rows) and MariaDB's own time for it, in ms."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE FORMAT=JSON {sql}")
        plan = json.loads(cursor.fetchone()[0])

    def steps(node):
        if isinstance(node, dict):
            if "r_rows" in node and "table_name" in node:
                yield node
            for value in node.values():
                yield from steps(value)
        elif isinstance(node, list):
            for value in node:
                yield from steps(value)

    rows = sum((step.get("r_loops") or 1) * (step.get("r_rows") or 0) for step in steps(plan))
    return rows, float(plan["query_block"].get("r_total_time_ms", 0.0))


def run(args) -> None:
    from django.test import Client
    from django.urls import reverse

    from accounts.models import ServiceCategory
    from directory.models import DirectoryListing
    from directory.selectors import directory_search, listings_trades_attach
    from directory.tests.factories import listings_bulk_create
    from places.loader import load_places, select_cities
    from places.models import Place
    from servizo.pagination import page_of

    cities = sorted(select_cities(), key=lambda city: -city["population"])[: args.places]
    load_places(cities)
    places = list(Place.objects.all())
    places_by_id = {place.pk: place for place in places}
    trades = list(ServiceCategory.objects.values_list("pk", flat=True))
    searches = _searches(args.searches, trades, places)
    client, url = Client(), reverse("directory:list")

    def page_queries(search: dict, *, show: bool = False) -> int:
        client.get(f"{url}?{_query_string(search)}")  # warm the category map
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{url}?{_query_string(search)}").status_code == 200
        for query in captured.captured_queries if show else []:
            print(f"    {query['sql'][:110]}")
        return len(captured)

    home = places[0]  # the most populous city
    listings_bulk_create(count=10, trades=trades, places=[home], tag="small")
    own = DirectoryListing.objects.exclude(trade=0).values_list("trade", flat=True)[0]
    fixed = [
        {"sort": "rating"},
        {"sort": "jobs"},
        {"trade": own, "sort": "rating"},
        {"place": home.pk, "sort": "rating"},
        {"place": home.pk, "sort": "distance"},
        {"trade": own, "place": home.pk, "sort": "distance"},
        {"trade": own, "place": home.pk, "sort": "jobs"},
    ]
    small = [page_queries(search) for search in fixed]

    began = time.perf_counter()
    listings_bulk_create(count=args.providers - 10, trades=trades, places=places, tag="large", seed=2)
    print(f"inserted {args.providers - 10:,} more providers in {time.perf_counter() - began:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE TABLE directory_directorylisting")
    rows = DirectoryListing.objects.count()
    print(f"providers: {args.providers:,}, places: {len(places):,}, directory rows: {rows:,}, trades: {len(trades)}")

    large = [page_queries(search) for search in fixed]
    print(f"queries per page, fixed searches, at 10 providers: {small}; at {args.providers:,}: {large}")
    for search, before, after in zip(fixed, small, large, strict=True):
        if before != after:  # seen only with Redis slow under load: the category map refilled; show the queries
            print(f"  ?{_query_string(search)}: {before} -> {after}; again:")
            page_queries(search, show=True)
    everywhere = [page_queries(search) for search in searches]
    print(f"queries per page, the {len(searches)} random searches at {args.providers:,}: max {max(everywhere)}")

    db_wall, db_cpu, page_wall, page_cpu, read, server_ms = [], [], [], [], [], []
    for search in searches:
        wall, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as captured:
            rows = directory_search(**_selector_kwargs(search, places_by_id))
            page = page_of(rows, per_page=20, number=search["page"])
            listings_trades_attach(page)
        db_wall.append(time.perf_counter() - wall)
        db_cpu.append(time.process_time() - cpu)
        rows_read, milliseconds = _analyze(captured.captured_queries[0]["sql"])
        read.append(rows_read)
        server_ms.append(milliseconds / 1000)
        wall, cpu = time.perf_counter(), time.process_time()
        client.get(f"{url}?{_query_string(search)}")
        page_wall.append(time.perf_counter() - wall)
        page_cpu.append(time.process_time() - cpu)

    def ms(values: list[float], q: int) -> str:
        return f"{statistics.quantiles(values, n=100)[q - 1] * 1000:.1f}"

    print(f"load average (1, 5, 15 min): {os.getloadavg()}, cores: {os.cpu_count()}")
    print(f"{len(searches)} searches, ms            p50     p95")
    print(f"  search (3 queries) wall     {ms(db_wall, 50):>6}  {ms(db_wall, 95):>6}")
    print(f"  search, this process CPU    {ms(db_cpu, 50):>6}  {ms(db_cpu, 95):>6}")
    print(f"  whole page wall             {ms(page_wall, 50):>6}  {ms(page_wall, 95):>6}")
    print(f"  whole page, process CPU     {ms(page_cpu, 50):>6}  {ms(page_cpu, 95):>6}")
    print(f"  id query, MariaDB's time    {ms(server_ms, 50):>6}  {ms(server_ms, 95):>6}")
    rows_q = statistics.quantiles(read, n=100)
    print(f"  id query, rows read         {rows_q[49]:>6.0f}  {rows_q[94]:>6.0f}  (max {max(read):.0f})")
    slowest = sorted(zip(db_wall, searches, strict=True), key=lambda pair: -pair[0])[:3]
    for seconds, search in slowest:
        print(f"  slowest search {seconds * 1000:.1f} ms: ?{_query_string(search)}")


if __name__ == "__main__":
    main()
