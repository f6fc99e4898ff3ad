import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from bookings.models import Booking
from payments.models import LedgerEntry
from payments.services.payouts import payouts_run
from payments.services.settlements import settlement_create
from payments.tasks import audit_ledger
from payments.tests.conftest import walk

pytestmark = pytest.mark.django_db
S = Booking.Status


def test_audit_is_clean_after_every_money_path(pay, connected_provider, staff_user, capsys):
    from bookings.tests.factories import BookingFactory

    bookings = [BookingFactory(provider=connected_provider) for _ in range(4)]
    for booking in bookings:
        pay(booking)
    walk(bookings[0], S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.COMPLETED)
    walk(bookings[1], S.CANCELLED)
    settlement_create(booking_id=bookings[1].pk, decision="split", refund_cents=999, reason="x", actor=staff_user)
    walk(bookings[2], S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.COMPLETED)
    payouts_run()
    settlement_create(booking_id=bookings[2].pk, decision="refund_all", reason="y", actor=staff_user)

    call_command("audit_ledger")

    assert "Ledger is consistent." in capsys.readouterr().out


def test_audit_fails_on_a_ledger_that_does_not_match_stripe(paid_booking, capsys):
    LedgerEntry.objects.create(
        booking=paid_booking, provider=paid_booking.provider, category=paid_booking.category,
        kind="refund", amount_cents=500, currency="usd", idempotency_key="made-up-refund",
    )  # fmt: skip

    with pytest.raises(CommandError, match="discrepanc"):
        call_command("audit_ledger")

    assert "Stripe refunded 0, ledger 500" in capsys.readouterr().out


def test_audit_fails_on_negative_balances_without_asking_stripe(paid_booking, capsys):
    walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.COMPLETED)
    LedgerEntry.objects.create(
        booking=paid_booking, provider=paid_booking.provider, category=paid_booking.category,
        kind="payout", amount_cents=20000, currency="usd", idempotency_key="made-up-payout",
    )  # fmt: skip

    with pytest.raises(CommandError):
        call_command("audit_ledger", "--skip-stripe")

    assert "is more than released" in capsys.readouterr().out


def test_ledger_rows_cannot_be_edited_or_deleted(paid_booking):
    entry = LedgerEntry.objects.get(booking=paid_booking)

    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()


def test_audit_fails_when_stripe_made_a_transfer_the_ledger_lacks(completed_booking, monkeypatch, capsys):
    """Exactly what the SQLite payouts crash left: Stripe transferred, our row stayed pending, no payout row."""
    from payments.models import Transfer
    from payments.services import payouts

    def crash(**kwargs):
        raise ValueError("Unique fields that can trigger the upsert must be provided.")

    monkeypatch.setattr(payouts, "transfers_record", crash)
    with pytest.raises(ValueError):
        payouts_run()
    monkeypatch.undo()
    assert Transfer.objects.get(booking=completed_booking).status == Transfer.Status.PENDING
    assert not LedgerEntry.objects.filter(kind="payout").exists()

    with pytest.raises(CommandError, match="1 discrepanc"):
        call_command("audit_ledger")

    assert "is not in the ledger (our transfer row is pending)" in capsys.readouterr().out
    payouts_run()  # the next run adopts the transfer
    call_command("audit_ledger")


def test_audit_fails_on_a_transfer_row_pending_longer_than_a_run(completed_booking, settings, capsys):
    """A run that died before calling Stripe: nothing at Stripe, only a stale PENDING row (checked without Stripe)."""
    from datetime import timedelta

    from django.utils import timezone

    from payments.models import Transfer

    row = Transfer.objects.create(
        booking=completed_booking, provider=completed_booking.provider, amount_cents=9600, currency="usd",
        destination=completed_booking.provider.provider_profile.stripe_account_id, idempotency_key="k-transfer-1",
    )  # fmt: skip
    call_command("audit_ledger")  # pending for a moment: a run in progress
    Transfer.objects.filter(pk=row.pk).update(updated_at=timezone.now() - settings.PAYOUT_PENDING_MAX_AGE)

    with pytest.raises(CommandError, match="1 discrepanc"):
        call_command("audit_ledger", "--skip-stripe")

    assert f"transfer row {row.pk} is still pending" in capsys.readouterr().out
    settings.PAYOUT_PENDING_MAX_AGE += timedelta(minutes=1)
    call_command("audit_ledger")


def test_the_nightly_audit_emails_finance_on_a_discrepancy(paid_booking, finance_user, settings, mailoutbox):
    """Given a refund Stripe never made in the ledger, the scheduled audit mails FINANCE_EMAILS and Finance staff."""
    settings.FINANCE_EMAILS = ["books@servizo.test"]
    LedgerEntry.objects.create(
        booking=paid_booking, provider=paid_booking.provider, category=paid_booking.category,
        kind="refund", amount_cents=500, currency="usd", idempotency_key="made-up-refund",
    )  # fmt: skip

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert audit_ledger.delay().get() >= 1

    [alert] = mailoutbox
    assert alert.to == ["books@servizo.test", finance_user.email]
    assert "discrepancies" in alert.subject and "Stripe refunded 0, ledger 500" in alert.body


def test_a_clean_nightly_audit_mails_nobody(paid_booking, finance_user, mailoutbox):
    assert audit_ledger.delay().get() == 0
    assert not mailoutbox
