"""scripts/backup.sh and scripts/restore.sh: a history with every kind of money movement and an
identity document, backed up while the database is live, restored into a fresh database where
`audit_ledger` (Stripe checks included, against the same localstripe) finds nothing wrong."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from payments.models import LedgerEntry
from payments.services.payouts import payouts_run
from payments.services.settlements import settlement_create
from payments.tests.conftest import walk

ROOT = Path(__file__).resolve().parents[2]
S = Booking.Status
pytestmark = [
    pytest.mark.django_db(transaction=True),  # the dump reads what is committed
    pytest.mark.skipif(connection.vendor != "mysql", reason="backups are MariaDB dumps"),
]


def _database_url(name: str) -> str:
    db = connection.settings_dict
    return f"mysql://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{name}"


def _run(*args: str, database: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATABASE_URL": _database_url(database), **env}
    return subprocess.run(args, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)


@pytest.fixture
def restored_database():
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


def test_a_backup_restores_into_a_fresh_database_that_passes_the_ledger_audit(
    seeded_categories, pay, connect_provider, staff_user, localstripe, restored_database, tmp_path
):
    # Given charges, a release, a payout, a partial and a full refund, and a provider's document
    provider = connect_provider()
    bookings = [BookingFactory(provider=provider) for _ in range(3)]
    for booking in bookings:
        pay(booking)
    walk(bookings[0], S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.COMPLETED)
    payouts_run()
    walk(bookings[1], S.CANCELLED)
    settlement_create(booking_id=bookings[1].pk, decision="split", refund_cents=999, reason="x", actor=staff_user)
    walk(bookings[2], S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.COMPLETED)
    settlement_create(booking_id=bookings[2].pk, decision="refund_all", reason="y", actor=staff_user)
    profile = provider.provider_profile
    profile.document.save("licence.pdf", ContentFile(b"%PDF-1.4 licence"))
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
    assert {"charge_escrow", "release_provider", "payout", "refund"} <= kinds, kinds

    # When it is backed up and restored into a new database and media directory
    media = settings.PRIVATE_MEDIA_ROOT
    backup = _run(
        "scripts/backup.sh", str(tmp_path / "backups"), database=connection.settings_dict["NAME"],
        PRIVATE_MEDIA_ROOT=str(media),
    )  # fmt: skip
    assert backup.returncode == 0, backup.stderr
    archive = backup.stdout.strip()
    restored_media = tmp_path / "restored-media"
    restore = _run("scripts/restore.sh", archive, restored_database, str(restored_media), database="unused")
    assert restore.returncode == 0, restore.stderr

    # Then the restored ledger passes the audit (Stripe included) and the document came back
    audit = _run(
        sys.executable, "manage.py", "audit_ledger", database=restored_database,
        DJANGO_SETTINGS_MODULE="servizo.settings.base", STRIPE_API_BASE=localstripe.base_url,
        PRIVATE_MEDIA_ROOT=str(restored_media),
    )  # fmt: skip
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "Ledger is consistent." in audit.stdout
    assert (restored_media / profile.document.name).read_bytes() == b"%PDF-1.4 licence"
    # ... and a second restore never overwrites the database it made
    again = _run("scripts/restore.sh", archive, restored_database, str(tmp_path / "again"), database="unused")
    assert again.returncode != 0
    assert "exists" in again.stderr
