"""One currency per deployment, in its minor unit end to end: PKR (two decimals) and JPY (none, test-only)."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from bookings.services import booking_accept_offer
from bookings.tests.factories import BookingFactory
from offers.tests.factories import OfferFactory
from payments.models import LedgerEntry
from payments.reports import revenue_report
from payments.services.checkout import payment_start
from payments.services.ledger import ledger_record
from payments.stripe_gateway import stripe_client
from payments.tests.conftest import walk
from servizo.money import CurrencyMismatch

pytestmark = pytest.mark.django_db
S = Booking.Status
K = LedgerEntry.Kind


@pytest.mark.parametrize(
    ("currency", "price", "shown", "csv_gross", "csv_commission"),
    [
        ("pkr", 2_500_050, "25,000.50 PKR", "25000.50", "5000.10"),  # Rs 25,000.50 in paisa
        ("jpy", 12_345, "¥12,345", "12345", "2469"),  # whole yen: 20 % of 12,345 = 2,469 (half up)
    ],
)
def test_a_booking_is_charged_recorded_and_reported_in_the_platforms_currency(
    settings, client, pay, connected_provider, finance_user, currency, price, shown, csv_gross, csv_commission
):
    settings.CURRENCY = currency
    booking = BookingFactory(provider=connected_provider, offer__currency=currency, offer__price_cents=price)

    # Charged at Stripe in the minor unit
    payment = pay(booking)
    intent = stripe_client().v1.payment_intents.retrieve(payment.payment_intent_id)
    assert (intent.amount, intent.currency) == (price, currency)
    walk(booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.COMPLETED)

    # Recorded in the ledger in the minor unit
    entries = {entry.kind: entry for entry in booking.ledger_entries.all()}
    assert {entry.currency for entry in entries.values()} == {currency}
    commission = entries[K.RELEASE_COMMISSION].amount_cents
    assert entries[K.CHARGE_ESCROW].amount_cents == price == commission + entries[K.RELEASE_PROVIDER].amount_cents

    # Reported in the minor unit, shown and exported with the currency's decimals
    today = timezone.localdate()
    report = revenue_report(start=today, end=today)
    assert (report.currency, report.totals.gross, report.totals.commission) == (currency, price, commission)
    client.force_login(finance_user)
    query = {"preset": "custom", "start": today.isoformat(), "end": today.isoformat(), "grouping": "day"}
    page = client.get(reverse("admin:revenue_report"), query).content.decode()
    assert shown in page
    download = client.get(reverse("admin:revenue_report"), {**query, "format": "csv"}).content.decode()
    total = next(line for line in csv.reader(io.StringIO(download)) if line[:2] == ["Total", "All"])
    assert (total[3], total[6], total[-1]) == (csv_gross, csv_commission, currency.upper())
    # The receipt too
    client.force_login(booking.customer)
    assert shown in client.get(reverse("payments:receipt", args=[booking.pk])).content.decode()


def test_mixing_currencies_is_refused_for_offers_payments_and_ledger_writes(settings, save_card, customer, provider):
    """An offer and a booking left in USD after the deployment moved to PKR: not accepted, charged nor recorded."""
    booking = BookingFactory(offer__customer=customer)  # usd
    offer = OfferFactory()  # usd, open
    method = save_card(customer)
    settings.CURRENCY = "pkr"

    with pytest.raises(CurrencyMismatch, match="in USD, but this site works in PKR only"):
        booking_accept_offer(offer_id=offer.pk, provider=provider, terms_version=offer.terms_version)
    with pytest.raises(CurrencyMismatch, match="in USD, but this site works in PKR only"):
        payment_start(booking_id=booking.pk, customer=customer, payment_method_id=method)
    with pytest.raises(CurrencyMismatch, match="in USD, but this site works in PKR only"):
        ledger_record(booking=booking, kind=K.CHARGE_ESCROW, amount_cents=100, idempotency_key="mixed-currency")

    assert not booking.payments.exists() and not LedgerEntry.objects.exists()
    offer.refresh_from_db()
    assert offer.is_open
