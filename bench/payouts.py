"""Benchmark `payouts`: N released bookings, one Stripe Transfer each, against a local localstripe.

    DATABASE_URL=mysql://servizo:servizo@127.0.0.1:3306/servizo_payments \
        .venv/bin/python bench/payouts.py --n 10000

Uses its own database (`<DATABASE_URL name>_bench`, emptied first) and starts its own
localstripe (devtools launcher, state in memory). Seeding is outside the measurement: bookings,
succeeded payments and escrow/release ledger rows are bulk-inserted (all bookings share one real
localstripe charge as `source_transaction`; 50 providers with onboarded Express accounts). The
run happens in a fresh child process so its memory is its own, and prints:
- transfers/s over the whole run;
- our own time per booking = (run time - time inside the Stripe SDK calls) / transfers, i.e.
  candidate queries, claim, record and ledger writes (MariaDB round trips included);
- peak RSS of the run process, and its growth over the baseline after Django + SDK start-up.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PROVIDERS = 50
INSERT_BATCH = 5_000


def _bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "mysql://servizo:servizo@127.0.0.1:3306/servizo")
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    return url if name.endswith("_bench") else urlunsplit(parts._replace(path=f"/{name}_bench"))


def _setup_django(stripe_base: str) -> None:
    os.environ["DATABASE_URL"] = _bench_database_url()
    os.environ["STRIPE_API_BASE"] = stripe_base
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servizo.settings.base")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DEBUG"] = "false"  # DEBUG keeps a log of every query
    import django

    django.setup()
    import logging

    logging.getLogger("stripe").setLevel(logging.WARNING)


def _create_database() -> None:
    import MySQLdb

    parts = urlsplit(_bench_database_url())
    connection = MySQLdb.connect(
        host=parts.hostname, port=parts.port or 3306, user=parts.username, password=parts.password or ""
    )
    connection.cursor().execute(f"CREATE DATABASE IF NOT EXISTS `{parts.path.lstrip('/')}` CHARACTER SET utf8mb4")
    connection.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_localstripe() -> tuple[subprocess.Popen, str]:
    import requests

    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.localstripe_server", "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.get(f"{base}/js.stripe.com/v3/", timeout=0.5)
            return process, base
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("localstripe did not start")


def seed(n: int) -> None:
    """Bulk-insert N completed bookings with escrow released (not measured)."""
    from datetime import timedelta

    import requests
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import ProviderProfile, ServiceCategory, User
    from bookings.models import Booking
    from offers.models import Offer
    from payments.models import LedgerEntry, Payment
    from payments.services.connect import connect_account_refresh, connect_onboarding_link
    from payments.stripe_gateway import object_id, stripe_client
    from places.loader import FLORENCE, place_by_geoname_id
    from servizo.money import split_amount

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    category = ServiceCategory.objects.create(name="Bench", slug="bench")
    florence = place_by_geoname_id(FLORENCE)
    customer = User.objects.create_user("bench-customer@example.com", full_name="Bench Customer", role="customer")
    providers = []
    for i in range(PROVIDERS):
        user = User.objects.create_user(f"bench-provider-{i}@example.com", full_name=f"Provider {i}", role="provider")
        ProviderProfile.objects.create(user=user, base_place=florence, status=ProviderProfile.Status.APPROVED)
        url = connect_onboarding_link(provider=user, refresh_url="http://b/r", return_url="http://b/ok")
        requests.post(url, allow_redirects=False, timeout=5)
        user.provider_profile.refresh_from_db()
        connect_account_refresh(account_id=user.provider_profile.stripe_account_id)
        providers.append(user)
    client = stripe_client()
    method = client.v1.payment_methods.create(
        {"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
    )
    intent = client.v1.payment_intents.create(
        {"amount": 12_000, "currency": "usd", "payment_method": method.id, "confirm": True}
    )
    charge_id = object_id(intent.latest_charge)
    now = timezone.now()
    offer = Offer.objects.create(
        customer=customer, category=category, title="Bench job", description="Bench", address="Via Roma 1",
        place=florence, preferred_date=now.date(), price_cents=12_000, currency="usd",
        expires_at=now + timedelta(days=1), status=Offer.Status.ACCEPTED,
    )  # fmt: skip
    provider_share, commission = split_amount(12_000, 2000)
    for start in range(0, n, INSERT_BATCH):
        size = min(INSERT_BATCH, n - start)
        bookings = Booking.objects.bulk_create(
            Booking(
                offer=offer, customer=customer, provider=providers[(start + i) % PROVIDERS], category=category,
                title="Bench job", description="Bench", price_cents=12_000, currency="usd", commission_rate_bp=2000,
                address="Via Roma 1", city="Florence", scheduled_date=now.date(), time_window="flexible",
                status=Booking.Status.COMPLETED, pay_by=now, provider_completed_at=now, completed_at=now,
            )
            for i in range(size)
        )  # fmt: skip
        Payment.objects.bulk_create(
            Payment(
                booking=b, attempt=1, status=Payment.Status.SUCCEEDED, amount_cents=12_000, currency="usd",
                payment_method_id=method.id, payment_intent_id=intent.id, charge_id=charge_id,
                idempotency_key=f"bench-payment-{b.pk}", paid_at=now,
            )
            for b in bookings
        )  # fmt: skip
        LedgerEntry.objects.bulk_create(
            LedgerEntry(
                booking=b, provider_id=b.provider_id, category_id=b.category_id, kind=kind, amount_cents=amount,
                currency="usd", idempotency_key=f"bench-{kind}-{b.pk}",
            )
            for b in bookings
            for kind, amount in (
                (LedgerEntry.Kind.CHARGE_ESCROW, 12_000),
                (LedgerEntry.Kind.RELEASE_PROVIDER, provider_share),
                (LedgerEntry.Kind.RELEASE_COMMISSION, commission),
            )
        )  # fmt: skip


def _memory_kb(field: str) -> int:
    """From /proc/self/status: VmHWM is this process's peak RSS (ru_maxrss would include the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def run_phase() -> None:
    """Child process: run payouts and print figures as JSON."""
    from payments.services.payouts import payouts_run
    from payments.stripe_gateway import stripe_client

    stripe_client().v1.balance.retrieve()  # warm the SDK and its HTTP session
    baseline = _memory_kb("VmHWM")
    summary = payouts_run()
    peak = _memory_kb("VmHWM")
    print(
        json.dumps(
            {
                "transfers": summary.transfers,
                "failures": len(summary.failures),
                "elapsed": summary.elapsed_seconds,
                "stripe": summary.stripe_seconds,
                "baseline_kb": baseline,
                "peak_kb": peak,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--phase", choices=["all", "run"], default="all")
    parser.add_argument("--stripe-base", default="")
    args = parser.parse_args()
    if args.phase == "run":
        _setup_django(args.stripe_base)
        run_phase()
        return
    _create_database()
    localstripe, base = _start_localstripe()
    try:
        _setup_django(base)
        started = time.perf_counter()
        seed(args.n)
        print(f"seeded {args.n} released bookings in {time.perf_counter() - started:.1f} s", flush=True)
        child = subprocess.run(
            [sys.executable, __file__, "--phase", "run", "--stripe-base", base],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ},
        )
        figures = json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        localstripe.terminate()
        localstripe.wait()
    transfers = figures["transfers"]
    own = figures["elapsed"] - figures["stripe"]
    print(f"bookings              {args.n}")
    print(f"transfers             {transfers} ({figures['failures']} failures)")
    print(f"run time              {figures['elapsed']:.1f} s ({figures['stripe']:.1f} s inside Stripe calls)")
    print(f"transfers/s           {transfers / figures['elapsed']:.0f}")
    print(f"our time per booking  {1000 * own / max(transfers, 1):.3f} ms (outside the Stripe HTTP call)")
    print(f"peak RSS              {figures['peak_kb'] / 1024:.1f} MiB")
    print(f"RSS growth during run {(figures['peak_kb'] - figures['baseline_kb']) / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
