"""The maintained provider balance: equal to the ledger's sums after every money path, audited, backfilled."""

import pytest
from django.apps import apps
from django.core.management import CommandError, ManagementUtility, call_command
from django.db.models import F

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from payments.models import LedgerEntry, ProviderBalance
from payments.selectors import ProviderMoney, provider_balance, provider_balances_from_ledger
from payments.services.ledger import ledger_record
from payments.services.payouts import payouts_run
from payments.services.settlements import settlement_create
from payments.tests.conftest import walk

pytestmark = pytest.mark.django_db
S = Booking.Status
K = LedgerEntry.Kind


def ledger_says(provider) -> ProviderMoney:
    return provider_balances_from_ledger(LedgerEntry.objects.filter(provider=provider)).get(
        (provider.pk, "usd"), ProviderMoney(0, 0, 0)
    )


def test_maintained_balance_equals_the_ledger_after_every_money_path(pay, connected_provider, staff_user):
    rates = (2000, 1500, 2000, 3333)
    bookings = [BookingFactory(provider=connected_provider, commission_rate_bp=rate) for rate in rates]
    figures = []

    def check():
        figures.append(provider_balance(provider=connected_provider))
        assert figures[-1] == ledger_says(connected_provider)

    for booking in bookings:
        pay(booking)
        check()
    walk(bookings[0], S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.COMPLETED)  # released, then paid out
    check()
    walk(bookings[1], S.CANCELLED)  # still held, waiting for a decision; then split
    check()
    settlement_create(booking_id=bookings[1].pk, decision="split", refund_cents=999, reason="x", actor=staff_user)
    check()
    walk(bookings[2], S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.COMPLETED)
    payouts_run()
    check()
    settlement_create(booking_id=bookings[2].pk, decision="refund_all", reason="y", actor=staff_user)  # reversal
    check()
    walk(bookings[3], S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.DISPUTED)
    settlement_create(booking_id=bookings[3].pk, decision="release_all", reason="z", actor=staff_user)
    check()
    # Every kind of movement happened, so the figures above were not all zero.
    assert {figure.held > 0 for figure in figures} == {True, False}
    assert any(figure.paid_out > 0 for figure in figures) and any(figure.available > 0 for figure in figures)
    call_command("audit_ledger")


def test_held_follows_the_booking_status_and_each_booking_rate(provider):
    """Held counts the provider's share per booking (rounding per booking), only while the booking holds money."""
    scheduled = BookingFactory(provider=provider, status=S.SCHEDULED, commission_rate_bp=2000)
    awaiting = BookingFactory(provider=provider, status=S.AWAITING_PAYMENT, commission_rate_bp=2000)
    odd = BookingFactory(provider=provider, status=S.DISPUTED, commission_rate_bp=3333)
    for n, (booking, amount) in enumerate(((scheduled, 12000), (awaiting, 5000), (odd, 1001))):
        ledger_record(booking=booking, kind=K.CHARGE_ESCROW, amount_cents=amount, idempotency_key=f"t-{n}")
    ledger_record(booking=odd, kind=K.REFUND, amount_cents=1, idempotency_key="t-refund")

    assert provider_balance(provider=provider) == ledger_says(provider)
    assert provider_balance(provider=provider).held == 9600 + 667


def test_audit_exits_1_when_a_maintained_balance_is_tampered_with(completed_booking, capsys):
    ProviderBalance.objects.filter(provider=completed_booking.provider).update(available_cents=F("available_cents") + 1)

    with pytest.raises(CommandError, match="1 discrepancies"):
        call_command("audit_ledger", "--skip-stripe")
    assert "maintained balance in usd is held 0 / available 9601 / paid out 0" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "audit_ledger", "--skip-stripe"]).execute()
    assert exited.value.code == 1


def test_the_migration_backfills_every_balance_from_the_ledger(completed_booking, pay):
    pay(BookingFactory(provider=completed_booking.provider))
    unpaid = BookingFactory()  # another provider, no money yet
    backfill = __import__("payments.migrations.0005_provider_balance", fromlist=["backfill"]).backfill
    before = provider_balance(provider=completed_booking.provider)
    ProviderBalance.objects.all().delete()

    backfill(apps, None)

    assert provider_balance(provider=completed_booking.provider) == before == ProviderMoney(9600, 9600, 0)
    assert ProviderBalance.objects.filter(provider=unpaid.provider, held_cents=0, available_cents=0).exists()
    call_command("audit_ledger", "--skip-stripe")


def test_a_new_booking_opens_its_providers_balance_row(provider, customer):
    from bookings.services import booking_accept_offer
    from offers.tests.factories import OfferFactory

    offer = OfferFactory(customer=customer)
    assert not ProviderBalance.objects.filter(provider=provider).exists()

    booking_accept_offer(offer_id=offer.pk, provider=provider, terms_version=1)

    assert ProviderBalance.objects.filter(provider=provider, currency="usd", held_cents=0).exists()
