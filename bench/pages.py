"""Benchmark: the cost of each main page, small data against large, next to a bare Django view.

For each scale it creates a throw-away MariaDB database (`servizo_bench_pages`, dropped at the end
unless --keep-db), bulk-inserts the data (`build`: an active customer and an approved provider in
Florence; large = 10,000 open offers, 10,000 bookings across every status with their ledger rows,
2,000 reviews, 1,000 conversations of 4 messages; small = a handful of each), then:

- counts each page's queries in-process (Django's test Client + CaptureQueriesContext): "render/hit",
  rendered (servizo.pagecache off, fragment caches warm) and served from the page cache;
- serves the database with the production settings (`bench.settings`: production plus the
  `/bench/bare/` URL and, for the bench's own logins only, the MD5 password hasher) under gunicorn,
  2 sync workers on 127.0.0.1, and runs `wrk -t1 -c8 -d<duration>s --latency` on each page,
  interleaved with the bare view (bare, page, bare, page, ...) for --rounds rounds; each page's
  ratio is to the bare run just before it. Prints min / median / max req/s, the median p50 / p99,
  and `uptime` before each scale: the machine is shared, so read the figures with the load.

Sessions are made with the test Client's force_login against the same database and sent to
gunicorn as the `sessionid` cookie, with `X-Forwarded-Proto: https` (SECURE_SSL_REDIRECT is off).
Needs wrk (Debian: `apt-get install wrk`) and MariaDB + Redis:

    DATABASE_URL=mysql://servizo:servizo@127.0.0.1:3306/servizo REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/pages.py [--duration 5] [--rounds 3] [--scale both] [--pages feed earnings]

The cache keys get a per-run, per-scale prefix, so no cached fragment crosses scales or runs. Signed-in
pages come from servizo.pagecache after their first request (each wrk run's first request for a page
renders it: a round outlasts PAGE_CACHE_SECONDS); `--no-page-cache` serves every request rendered.
"""

import argparse
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
# Override with BENCH_DB to run beside another bench (the name must match the MariaDB grant, servizo%).
BENCH_DB = os.environ.get("BENCH_DB", "servizo_bench_pages")
SCALES = {
    "small": {"open_offers": 5, "bookings": 20, "reviews": 3, "conversations": 4, "other_users": 0},
    "large": {
        "open_offers": 10_000,
        "bookings": 10_000,
        "reviews": 2_000,
        "conversations": 1_000,
        "other_users": 2_000,
    },
}
# Page key -> (label, who is signed in, URL name, which id the URL takes).
PAGES = {
    "landing-anon": ("landing, anonymous", None, "home", None),
    "landing": ("landing, signed in", "customer", "home", None),
    "feed": ("offer feed", "provider", "offers:feed", None),
    "my-offers": ("my offers", "customer", "offers:mine", None),
    "bookings-customer": ("bookings list, customer", "customer", "bookings:list", None),
    "bookings-provider": ("bookings list, provider", "provider", "bookings:list", None),
    "booking-detail": ("booking detail", "customer", "bookings:detail", "booking"),
    "dashboard-customer": ("customer dashboard", "customer", "dashboard", None),
    "dashboard-provider": ("provider dashboard", "provider", "dashboard", None),
    "profile": ("provider profile", "customer", "reviews:provider_profile", "provider"),
    "chat": ("chat list", "provider", "chat:list", None),
    "earnings": ("earnings", "provider", "payments:earnings", None),
    "admin": ("admin index", "staff", "admin:index", None),
    "admin-bookings": ("admin bookings", "staff", "admin:bookings_booking_changelist", None),
}
BARE = "/bench/bare/"


@dataclass
class Actors:
    customer: object
    provider: object
    staff: object
    booking: object  # a paid, upcoming booking (the booking detail page)


def build(
    *, open_offers: int, bookings: int, reviews: int, conversations: int, other_users: int = 0, messages: int = 4
) -> Actors:
    """Bulk-insert one customer's and one provider's history; returns who to sign in as.

    Every booking has its own accepted offer and the ledger rows its status implies (charge into
    escrow once paid; release to provider and commission when completed or resolved, a payout for
    every other completed one; a full refund when refunded). Reviews go on completed bookings,
    conversations on bookings (the provider has read all but the last message in every third).
    `other_users` accounts make the user table the size of a marketplace's: with three users MariaDB joins
    the table by a full scan into a join buffer, which drops an index's order and sorts what a LIMIT
    would have cut short (a plan a real user table never gets).
    Maintained aggregates the apps keep on their writes are filled here too, the way their migrations
    backfill them (reputation, booking status counts, chat counters, ledger rollups, provider balances).
    """
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone

    from accounts.models import ProviderProfile, ServiceCategory, User
    from bookings.models import Booking
    from chat.models import Conversation, Message
    from offers.models import Offer
    from payments.models import LedgerEntry
    from places.loader import FLORENCE, place_by_geoname_id
    from reviews.models import Review
    from reviews.services import reputation_refresh

    now, S, K = timezone.now(), Booking.Status, LedgerEntry.Kind
    categories = list(ServiceCategory.objects.filter(is_active=True)) or [
        ServiceCategory.objects.create(name="Plumber", slug="plumber")
    ]
    customer = User.objects.create_user(email="customer@bench.example", full_name="Bench Customer", role="customer")
    provider = User.objects.create_user(email="provider@bench.example", full_name="Bench Provider", role="provider")
    staff = User.objects.create_superuser(email="staff@bench.example", full_name="Bench Staff", password=None)
    florence = place_by_geoname_id(FLORENCE)
    profile = ProviderProfile.objects.create(
        user=provider,
        base_place=florence,
        service_area="Florence",
        status=ProviderProfile.Status.APPROVED,
        reviewed_at=now,
        stripe_account_id="acct_bench",
        payouts_enabled=True,
    )
    profile.categories.set(categories)
    User.objects.bulk_create(
        (User(email=f"user{n}@bench.example", full_name=f"User {n}", role="customer") for n in range(other_users)),
        batch_size=2000,
    )

    def offer(n: int, status: str) -> Offer:
        return Offer(
            customer=customer,
            category=categories[n % len(categories)],
            title=f"Job {n}",
            description="Fix the tap in the kitchen.",
            address="Via Roma 1",
            place=florence,
            preferred_date=(now + timedelta(days=3 + n % 30)).date(),
            price_cents=5_000 + (n * 37) % 20_000,
            expires_at=now + timedelta(days=30),
            status=status,
        )

    Offer.objects.bulk_create((offer(n, Offer.Status.OPEN) for n in range(open_offers)), batch_size=2000)
    accepted = Offer.objects.bulk_create((offer(n, Offer.Status.ACCEPTED) for n in range(bookings)), batch_size=2000)
    # 20 % upcoming or awaiting the customer, 25 % stopped (cancelled, disputed, refunded, resolved), 55 % completed.
    cycle = [S.AWAITING_PAYMENT, S.SCHEDULED, S.SCHEDULED, S.IN_PROGRESS, S.PROVIDER_COMPLETED]
    cycle += [S.CANCELLED, S.DISPUTED, S.REFUNDED, S.RESOLVED, S.CANCELLED] + [S.COMPLETED] * 10
    rows = Booking.objects.bulk_create(
        (
            Booking(
                offer=o,
                customer=customer,
                provider=provider,
                category_id=o.category_id,
                title=o.title,
                description=o.description,
                price_cents=o.price_cents,
                currency=o.currency,
                commission_rate_bp=2000,
                address=o.address,
                city=florence.label,
                scheduled_date=o.preferred_date,
                time_window=o.time_window,
                status=cycle[n % len(cycle)],
                pay_by=now + timedelta(hours=24),
                provider_completed_at=now if cycle[n % len(cycle)] in (S.PROVIDER_COMPLETED, S.COMPLETED) else None,
                completed_at=now if cycle[n % len(cycle)] == S.COMPLETED else None,
            )
            for n, o in enumerate(accepted)
        ),
        batch_size=2000,
    )

    def ledger(b: Booking, kind: str, amount: int) -> LedgerEntry:
        return LedgerEntry(
            booking=b,
            provider=provider,
            category_id=b.category_id,
            kind=kind,
            amount_cents=amount,
            currency=b.currency,
            idempotency_key=f"bench-{b.pk}-{kind}",
        )

    entries = []
    for n, b in enumerate(rows):
        if b.status == S.AWAITING_PAYMENT:
            continue
        commission = (b.price_cents * b.commission_rate_bp + 5000) // 10000
        entries.append(ledger(b, K.CHARGE_ESCROW, b.price_cents))
        if b.status == S.REFUNDED:
            entries.append(ledger(b, K.REFUND, b.price_cents))
        elif b.status in (S.COMPLETED, S.RESOLVED):
            entries += [ledger(b, K.RELEASE_PROVIDER, b.price_cents - commission)]
            entries += [ledger(b, K.RELEASE_COMMISSION, commission)]
            if b.status == S.COMPLETED and n % 2:
                entries.append(ledger(b, K.PAYOUT, b.price_cents - commission))
    LedgerEntry.objects.bulk_create(entries, batch_size=2000)

    completed = [b for b in rows if b.status == S.COMPLETED]
    assert len(completed) >= reviews, f"{reviews} reviews need as many completed bookings (have {len(completed)})"
    Review.objects.bulk_create(
        (
            Review(booking=b, customer=customer, provider=provider, rating=5 - n % 5, comment=f"Review {n}")
            for n, b in enumerate(completed[:reviews])
        ),
        batch_size=2000,
    )
    with transaction.atomic():
        reputation_refresh(provider_id=provider.pk)

    talks = Conversation.objects.bulk_create(
        (
            Conversation(offer_id=b.offer_id, booking=b, customer=customer, provider=provider)
            for b in rows[:conversations]
        ),
        batch_size=2000,
    )
    Message.objects.bulk_create(
        (
            Message(conversation=c, sender=(customer, provider)[m % 2], text=f"Message {m} about {c.offer_id}")
            for c in talks
            for m in range(messages)
        ),
        batch_size=2000,
    )
    last_ids = dict(Message.objects.filter(conversation__in=talks).values_list("conversation").annotate(last=Max("id")))
    for n, c in enumerate(talks):
        c.customer_read_up_to = last_ids[c.pk]
        c.provider_read_up_to = last_ids[c.pk] - (n % 3 == 0)
    Conversation.objects.bulk_update(talks, ["customer_read_up_to", "provider_read_up_to"], batch_size=2000)
    _fill_maintained_aggregates()
    upcoming = next(b for b in reversed(rows) if b.status == S.SCHEDULED)
    return Actors(customer=customer, provider=provider, staff=staff, booking=upcoming)


def _fill_maintained_aggregates() -> None:
    """Booking status counts, chat counters, ledger rollups, provider balances and the decision queue from
    the bulk-inserted rows (their backfills)."""
    from importlib import import_module

    from django.apps import apps as django_apps

    from payments.services.rollup import ledger_rollup_rebuild

    import_module("bookings.migrations.0005_booking_status_counts").backfill(django_apps, None)
    import_module("chat.migrations.0003_backfill_counters").backfill(django_apps, None)
    ledger_rollup_rebuild()
    import_module("payments.migrations.0005_provider_balance").backfill(django_apps, None)
    import_module("payments.migrations.0009_decision_queue").backfill(django_apps, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=list(PAGES), metavar="PAGE", help=" ".join(PAGES))
    parser.add_argument("--scale", choices=["small", "large", "both"], default="both")
    parser.add_argument(
        "--no-page-cache", action="store_true", help="serve with PAGE_CACHE_SECONDS=0: every request renders"
    )
    parser.add_argument("--keep-db", action="store_true", help=f"keep {BENCH_DB} (the last scale) afterwards")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")

    tmp = Path(tempfile.mkdtemp(prefix="servizo-bench-pages-"))
    env = production_env(tmp) | ({"PAGE_CACHE_SECONDS": "0"} if args.no_page_cache else {})
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("collectstatic", interactive=False, verbosity=0)
    scales = ["small", "large"] if args.scale == "both" else [args.scale]
    results = {}
    old_name, created = connection.settings_dict["NAME"], False
    try:
        for scale in scales:
            prefix = f"bench-pages-{secrets.token_hex(4)}-{scale}"
            connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            created = True
            began = time.perf_counter()
            actors = build(**SCALES[scale])
            print(f"[{scale}] built in {time.perf_counter() - began:.1f} s", flush=True)
            results[scale] = measure_scale(scale, actors, args, env | {"BENCH_CACHE_PREFIX": prefix})
            if scale != scales[-1]:
                connection.creation.destroy_test_db(old_name, verbosity=0)
                created = False
    finally:
        if created and not args.keep_db:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    report(results, args.pages, scales)


def production_env(tmp: Path) -> dict[str, str]:
    """The environment production settings demand, pointed at the bench database and local services."""
    url = urlsplit(os.environ.get("DATABASE_URL", "mysql://servizo:servizo@127.0.0.1:3306/servizo"))
    if not url.scheme.startswith("mysql"):
        sys.exit("bench/pages.py measures MariaDB: set DATABASE_URL=mysql://...")
    (tmp / "private").mkdir()
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": url._replace(path=f"/{BENCH_DB}").geturl(),
        "TEST_DATABASE_NAME": BENCH_DB,  # create_test_db makes (and drops) exactly this database
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "SECRET_KEY": "bench-pages-" + secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SITE_URL": "https://localhost",
        "EMAIL_URL": "smtp://127.0.0.1:2525",
        "DEFAULT_FROM_EMAIL": "Servizo <no-reply@servizo.example>",
        "PLATFORM_LEGAL_NAME": "Servizo Bench Ltd",
        "PLATFORM_ADDRESS": "1 Bench Street",
        "PLATFORM_TAX_ID": "BENCH-1",
        "PRIVATE_MEDIA_ROOT": str(tmp / "private"),
        "BENCH_STATIC_ROOT": str(Path(tempfile.gettempdir()) / "servizo-bench-static"),
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_bench",
        "STRIPE_WEBHOOK_SECRET": "whsec_bench",
        "STRIPE_API_BASE": "https://api.stripe.invalid",
        "STRIPE_JS_URL": "https://js.stripe.com/v3/",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
    }


def page_urls(actors: Actors) -> dict[str, tuple[str, object]]:
    from django.urls import reverse

    ids = {"booking": actors.booking.pk, "provider": actors.provider.pk}
    return {
        key: (reverse(name, args=[ids[arg]] if arg else []), who and getattr(actors, who))
        for key, (_, who, name, arg) in PAGES.items()
    }


def measure_scale(scale: str, actors: Actors, args, env: dict[str, str]) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings

    urls = page_urls(actors)
    cookies, queries = {}, {}
    caches = {alias: {**config, "KEY_PREFIX": env["BENCH_CACHE_PREFIX"]} for alias, config in settings.CACHES.items()}
    with override_settings(CACHES=caches):
        for key in args.pages:
            url, user = urls[key]
            client = Client()
            if user:
                client.force_login(user)
                cookies[key] = client.cookies[settings.SESSION_COOKIE_NAME].value
            with override_settings(PAGE_CACHE_SECONDS=0):  # a render, with the fragment caches warm
                assert client.get(url, secure=True).status_code == 200, f"{key}: {url}"
                rendered = _count_queries(client, url, key)
            assert client.get(url, secure=True).status_code == 200  # stores the page (servizo.pagecache)
            queries[key] = f"{rendered}/{_count_queries(client, url, key)}"
    connection.close()  # gunicorn's workers must see the committed data; no open transaction here

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "servizo.wsgi:application",
            "--workers=2",
            "--worker-class=sync",
            f"--bind=127.0.0.1:{port}",
            "--timeout=120",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=os.environ | env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + BARE, server)
        for key in args.pages:  # a wrong cookie or a redirect would time the login page instead
            status = get_status(base + urls[key][0], cookies.get(key))
            assert status == 200, f"{key}: {urls[key][0]} answered {status} under gunicorn"
        load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        print(f"[{scale}] {load}", flush=True)
        runs = {key: [] for key in args.pages}
        for round_ in range(args.rounds):
            for key in args.pages:
                bare = wrk(base + BARE, None, args.duration)
                page = wrk(base + urls[key][0], cookies.get(key), args.duration)
                drain(base + BARE, page)
                runs[key].append(page | {"ratio": page["rps"] / bare["rps"] if bare["rps"] else 0, "bare": bare["rps"]})
                print(
                    f"[{scale}] round {round_ + 1} {key:<19} {page['rps']:8.1f} req/s "
                    f"(bare {bare['rps']:7.1f}) {page['requests']:5d} requests, "
                    f"p50 {page['p50']:7.1f} ms p99 {page['p99']:7.1f} ms",
                    flush=True,
                )
        load_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        print(f"[{scale}] after: {load_after}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"queries": queries, "runs": runs, "load": load, "load_after": load_after}


def _count_queries(client, url: str, key: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, secure=True)
    assert response.status_code == 200, f"{key}: {url} -> {response.status_code}"
    return len(captured)


def drain(url: str, run: dict) -> None:
    """Wait out the requests wrk left queued: the sync workers still serve them after wrk stops.

    Up to 8 (one per connection) shared by 2 workers; without this the next bare run measures them.
    """
    time.sleep(min(4 * run["p99"] / 1000, 60))
    get_status(url, None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url: str, session: str | None) -> urllib.request.Request:
    headers = {"X-Forwarded-Proto": "https"} | ({"Cookie": f"sessionid={session}"} if session else {})
    return urllib.request.Request(url, headers=headers)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get_status(url: str, session: str | None) -> int:
    try:
        with urllib.request.build_opener(NoRedirect).open(request(url, session), timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_until_up(url: str, server: subprocess.Popen) -> None:
    for _ in range(150):
        if server.poll() is not None:
            sys.exit("gunicorn exited")
        try:
            if get_status(url, None) == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("gunicorn did not come up")


def wrk(url: str, session: str | None, duration: int) -> dict:
    """One `wrk -t1 -c8` run: req/s and p50 / p99 in ms; refuses runs with errors or non-2xx answers."""
    headers = ["-H", "X-Forwarded-Proto: https"] + (["-H", f"Cookie: sessionid={session}"] if session else [])
    command = ["wrk", "-t1", "-c8", f"-d{duration}s", "--latency", "--timeout", "60s", *headers, url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk {url}: errors\n{out}")
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency_ms(re.search(r"\s50%\s+([\d.]+\w+)", out).group(1)),
        "p99": latency_ms(re.search(r"\s99%\s+([\d.]+\w+)", out).group(1)),
    }


def latency_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def report(results: dict, pages: list[str], scales: list[str]) -> None:
    """One row per page: queries, req/s (min/median/max over rounds), ratio to bare, p50/p99 per scale.

    `n` is the fewest requests a page completed in one run: below about 10 the run was too short
    for that page (wrk drops the requests still in flight when it stops), so give it --duration.
    """
    print()
    for scale in scales:
        print(f"{scale}: before {results[scale]['load']}; after {results[scale]['load_after']}")
    head = f"{'page':<25} {'queries':>9}"  # on a render / from the page cache
    for scale in scales:
        head += f" | {scale + ' req/s min/med/max':>26} {'ratio':>6} {'bare':>6} {'p50/p99 ms':>15} {'n':>4}"
    if len(scales) == 2:
        head += " | large/small"
    print(head)
    for key in pages:
        line = f"{PAGES[key][0]:<25} {'/'.join(str(results[s]['queries'][key]) for s in scales):>9}"
        for scale in scales:
            runs = results[scale]["runs"][key]
            rps = sorted(r["rps"] for r in runs)
            median = statistics.median
            line += f" | {rps[0]:8.1f} {median(rps):8.1f} {rps[-1]:8.1f} {median(r['ratio'] for r in runs):6.3f}"
            line += f" {median(r['bare'] for r in runs):6.0f}"
            line += f" {median(r['p50'] for r in runs):7.1f}/{median(r['p99'] for r in runs):7.1f}"
            line += f" {min(r['requests'] for r in runs):4d}"
        if len(scales) == 2:
            small, large = (statistics.median(r["rps"] for r in results[s]["runs"][key]) for s in scales)
            line += f" | {large / small:11.2f}"
        print(line)


if __name__ == "__main__":
    main()
