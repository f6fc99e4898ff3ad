import pytest
from django.core.management import CommandError, call_command

from bookings.models import Booking
from payments.models import LedgerEntry
from payments.services.payouts import payouts_run
from payments.services.settlements import settlement_create
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
