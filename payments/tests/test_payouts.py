import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection

from accounts.tests.factories import ProviderFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from payments.models import LedgerEntry, Transfer, transfer_group_for
from payments.selectors import provider_balance
from payments.services import payouts
from payments.services.payouts import payouts_run
from payments.stripe_gateway import stripe_client
from payments.tests.conftest import walk

S = Booking.Status


def stripe_transfers(booking) -> list:
    return stripe_client().v1.transfers.list({"transfer_group": transfer_group_for(booking.pk)}).data


def completed_bookings(pay, provider, count: int) -> list[Booking]:
    bookings = []
    for _ in range(count):
        booking = BookingFactory(provider=provider)
        pay(booking)
        bookings.append(walk(booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.COMPLETED))
    return bookings


@pytest.mark.django_db
def test_payout_sends_one_transfer_per_booking_with_its_charge(
    completed_booking, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        summary = payouts_run()

    [transfer] = stripe_transfers(completed_booking)
    payment = completed_booking.payments.get(status="succeeded")
    assert (transfer.amount, transfer.destination) == (
        9600,
        completed_booking.provider.provider_profile.stripe_account_id,
    )
    assert transfer.source_transaction == payment.charge_id
    assert summary.transfers == 1 and summary.amount_cents == 9600 and not summary.failures
    balance = provider_balance(provider=completed_booking.provider)
    assert (balance.available, balance.paid_out) == (0, 9600)
    assert LedgerEntry.objects.get(kind="payout").stripe_object_id == transfer.id
    [mail] = mailoutbox
    assert mail.to == [completed_booking.provider.email] and "$96.00 for 1 completed job" in mail.subject
    # Run again: nothing left to pay.
    assert payouts_run().transfers == 0
    assert len(stripe_transfers(completed_booking)) == 1


@pytest.mark.django_db
def test_dry_run_changes_nothing(completed_booking):
    summary = payouts_run(dry_run=True)

    assert summary.transfers == 1 and summary.amount_cents == 9600
    assert not Transfer.objects.exists() and not stripe_transfers(completed_booking)


@pytest.mark.django_db
def test_held_or_disputed_money_is_not_paid_out(paid_booking):
    walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.DISPUTED)

    assert payouts_run().transfers == 0


@pytest.mark.django_db
def test_providers_without_payouts_are_skipped_and_listed(pay, capsys):
    provider = ProviderFactory(user__full_name="Nora Noaccount")
    [booking] = completed_bookings(pay, provider, 1)

    call_command("payouts")

    out = capsys.readouterr().out
    assert "Nora Noaccount" in out and "skipped" in out and "1 provider(s) skipped" in out
    assert not stripe_transfers(booking)


@pytest.mark.django_db
def test_provider_option_limits_the_run(pay, connect_provider, completed_booking, capsys):
    [other] = completed_bookings(pay, connect_provider(), 1)

    call_command("payouts", "--provider", str(completed_booking.provider_id))

    assert len(stripe_transfers(completed_booking)) == 1 and not stripe_transfers(other)
    assert "Transferred 1 booking share(s), $96.00" in capsys.readouterr().out


@pytest.mark.django_db
def test_refused_transfer_fails_the_command_and_is_retried_later(pay, localstripe):
    """The profile says enabled but Stripe's account cannot take transfers yet: non-zero exit, retry works."""
    import requests

    from payments.services.connect import connect_onboarding_link

    provider = ProviderFactory()
    url = connect_onboarding_link(provider=provider, refresh_url="http://t/r", return_url="http://t/ok")
    provider.provider_profile.refresh_from_db()
    provider.provider_profile.payouts_enabled = True
    provider.provider_profile.save()
    [booking] = completed_bookings(pay, provider, 1)

    with pytest.raises(CommandError, match="1 transfer"):
        call_command("payouts")
    assert Transfer.objects.get().status == Transfer.Status.FAILED

    requests.post(url, allow_redirects=False, timeout=5)  # onboarding completed
    assert payouts_run().transfers == 1
    row = Transfer.objects.get()
    assert row.status == Transfer.Status.PAID and row.idempotency_key.endswith("-transfer-2")
    assert len(stripe_transfers(booking)) == 1


@pytest.mark.django_db
def test_database_refuses_a_second_transfer_row_for_a_booking(completed_booking):
    payouts_run()

    with pytest.raises(IntegrityError):
        Transfer.objects.create(
            booking=completed_booking, provider=completed_booking.provider, amount_cents=1, currency="usd",
            destination="acct_x", idempotency_key="another-key",
        )  # fmt: skip


@pytest.mark.django_db
def test_run_killed_after_stripe_answered_is_resumed_without_a_second_transfer(pay, connected_provider, monkeypatch):
    bookings = completed_bookings(pay, connected_provider, 3)
    real_send = payouts._transfer_send
    calls = {"n": 0}

    def die_after_second(row, *, resumed):
        calls["n"] += 1
        transfer = real_send(row, resumed=resumed)
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed between the Stripe call and the database write")
        return transfer

    monkeypatch.setattr(payouts, "_transfer_send", die_after_second)
    with pytest.raises(KeyboardInterrupt):
        payouts_run()
    monkeypatch.undo()
    # Two transfers exist at Stripe, none recorded; the third booking was claimed but never sent.
    assert Transfer.objects.filter(status=Transfer.Status.PENDING).count() == 3

    summary = payouts_run()

    assert summary.transfers == 3
    for booking in bookings:
        assert len(stripe_transfers(booking)) == 1
    assert LedgerEntry.objects.filter(kind="payout").count() == 3
    call_command("audit_ledger")


@pytest.mark.django_db
def test_run_killed_before_calling_stripe_is_resumed(completed_booking, monkeypatch):
    def die(*args, **kwargs):
        raise KeyboardInterrupt("killed after claiming")

    monkeypatch.setattr(payouts, "_transfer_send", die)
    with pytest.raises(KeyboardInterrupt):
        payouts_run()
    monkeypatch.undo()

    assert payouts_run().transfers == 1
    assert len(stripe_transfers(completed_booking)) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_pay_each_booking_once(seeded_categories, pay, connected_provider):
    bookings = completed_bookings(pay, connected_provider, 8)
    start = threading.Barrier(3)
    results = []

    def run():
        try:
            start.wait()
            results.append(payouts_run(chunk_size=3))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(r.transfers for r in results) == 8
    assert not any(r.failures for r in results)
    for booking in bookings:
        assert len(stripe_transfers(booking)) == 1
    assert LedgerEntry.objects.filter(kind="payout").count() == 8
    assert provider_balance(provider=connected_provider).paid_out == 8 * 9600


@pytest.mark.django_db
def test_resume_does_not_rely_on_stripes_idempotency_key(completed_booking, monkeypatch):
    """Even if Stripe had forgotten the key (24 h on Stripe), the rerun finds the transfer by transfer_group."""

    def die(**kwargs):
        raise KeyboardInterrupt("killed before recording")

    monkeypatch.setattr(payouts, "transfers_record", die)
    with pytest.raises(KeyboardInterrupt):
        payouts_run()
    monkeypatch.undo()
    Transfer.objects.update(idempotency_key="servizo-key-stripe-no-longer-remembers")

    assert payouts_run().transfers == 1

    assert len(stripe_transfers(completed_booking)) == 1
    assert Transfer.objects.get().stripe_transfer_id == stripe_transfers(completed_booking)[0].id


@pytest.mark.django_db(transaction=True)
def test_payouts_process_killed_mid_run_then_rerun_pays_each_booking_once(seeded_categories, pay, connected_provider):
    """A real `manage.py payouts` process is SIGKILLed after Stripe made some transfers, before it recorded them."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from django.conf import settings

    bookings = completed_bookings(pay, connected_provider, 40)
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"mysql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "servizo.settings.test",
        "DATABASE_URL": url,
        "STRIPE_API_BASE": settings.STRIPE_API_BASE,
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "payouts"], cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and sum(len(stripe_transfers(b)) for b in bookings[:3]) < 3:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    made_before_kill = sum(len(stripe_transfers(b)) for b in bookings)
    recorded_before_kill = Transfer.objects.filter(status=Transfer.Status.PAID).count()
    assert made_before_kill > recorded_before_kill  # killed between Stripe calls and the database write

    payouts_run()

    for booking in bookings:
        assert len(stripe_transfers(booking)) == 1
    assert LedgerEntry.objects.filter(kind="payout").count() == len(bookings)
    call_command("audit_ledger")


@pytest.mark.django_db
def test_payouts_dry_run_command_prints_what_would_be_paid(completed_booking, capsys):
    call_command("payouts", "--dry-run")

    out = capsys.readouterr().out
    assert "Would transfer 1 booking share(s), $96.00, to 1 provider(s)" in out
    assert completed_booking.provider.full_name[:40] in out
    assert not Transfer.objects.exists()


@pytest.mark.django_db
def test_payouts_command_then_webhook_refund_earnings_and_audit_on_this_database(
    client, completed_booking, staff_user, capsys
):
    """The whole life of a payout on whichever database the suite runs on (`make test` runs it on SQLite too).

    On SQLite the run used to crash after Stripe had made the transfer: rows stayed pending, no payout
    ledger row, the transfer webhook answered 500, a later refund was refused and earnings showed $0.
    """
    from payments.models import Settlement
    from payments.services.settlements import settlement_create
    from payments.tests.test_webhooks import events_for, post_event

    call_command("payouts")

    [transfer] = stripe_transfers(completed_booking)
    row = Transfer.objects.get(booking=completed_booking)
    assert (row.status, row.stripe_transfer_id) == (Transfer.Status.PAID, transfer.id)
    assert LedgerEntry.objects.get(booking=completed_booking, kind="payout").amount_cents == 9600
    [event] = [e for e in events_for(transfer.id) if e["type"] == "transfer.created"]
    assert post_event(client, event).status_code == 200
    client.force_login(completed_booking.provider)
    assert client.get("/payments/earnings/").context["balance"].paid_out == 9600

    settlement = settlement_create(
        booking_id=completed_booking.pk, decision="split", refund_cents=6000, reason="Partly redone", actor=staff_user
    )

    assert settlement.status == Settlement.Status.SUCCEEDED and settlement.reversal_cents == 4800
    assert provider_balance(provider=completed_booking.provider).paid_out == 4800
    call_command("audit_ledger")
    assert "Ledger is consistent." in capsys.readouterr().out
