"""Receipts: a gap-free number per paid attempt, the platform's business details, a PDF, and who may read them."""

import contextlib
import re
import threading
import zlib

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import CustomerFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from payments.models import LedgerEntry, Payment, ReceiptSequence, Settlement
from payments.services.checkout import PaymentDeclined, payment_record_intent
from payments.stripe_gateway import stripe_client
from payments.tests.conftest import DECLINED_WHEN_CHARGED, walk

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
K = LedgerEntry.Kind


def number(n: int) -> str:
    return f"SRV-{YEAR}-{n:06d}"


def test_each_paid_attempt_gets_the_next_number_and_a_decline_takes_none(pay):
    first = pay(BookingFactory())
    with pytest.raises(PaymentDeclined):
        pay(BookingFactory(), DECLINED_WHEN_CHARGED)
    second = pay(BookingFactory())

    assert (first.receipt_number, second.receipt_number) == (number(1), number(2))
    assert Payment.objects.get(status=Payment.Status.FAILED).receipt_number is None
    assert ReceiptSequence.objects.get(series="SRV", year=YEAR).last_number == 2


def test_each_refund_row_gets_the_next_credit_note_number_and_other_rows_none(paid_booking):
    from payments.services.ledger import ledger_record

    with transaction.atomic():
        first = ledger_record(booking=paid_booking, kind=K.REFUND, amount_cents=500, idempotency_key="refund-a")
        again = ledger_record(booking=paid_booking, kind=K.REFUND, amount_cents=500, idempotency_key="refund-a")
        second = ledger_record(booking=paid_booking, kind=K.REFUND, amount_cents=700, idempotency_key="refund-b")

    assert (first.credit_note_number, again.credit_note_number) == (f"CN-{YEAR}-000001",) * 2
    assert second.credit_note_number == f"CN-{YEAR}-000002"
    assert paid_booking.ledger_entries.get(kind=K.CHARGE_ESCROW).credit_note_number is None
    assert ReceiptSequence.objects.get(series="SRV").last_number == 1  # receipts count apart


def test_recording_the_success_again_keeps_the_number(pay):
    payment = pay(BookingFactory())
    intent = stripe_client().v1.payment_intents.retrieve(payment.payment_intent_id)

    again = payment_record_intent(payment_id=payment.pk, intent=intent)

    assert again.receipt_number == number(1) and ReceiptSequence.objects.get().last_number == 1


@pytest.mark.django_db(transaction=True)
def test_payments_recorded_at_once_get_distinct_consecutive_numbers(pay, seeded_categories):
    """Four payments recorded in parallel threads (own connections, real MariaDB or SQLite): no number is
    given twice and none is skipped, because the year's counter row is locked in each payment's transaction."""
    payments = [pay(BookingFactory()) for _ in range(4)]  # paid at Stripe; now forget our success records
    Payment.objects.update(status=Payment.Status.PROCESSING, receipt_number=None)
    Booking.objects.update(status=Booking.Status.AWAITING_PAYMENT)
    ReceiptSequence.objects.update(last_number=0)
    intents = [stripe_client().v1.payment_intents.retrieve(p.payment_intent_id) for p in payments]
    barrier, errors = threading.Barrier(len(payments)), []

    def record(payment, intent):
        try:
            barrier.wait(timeout=10)
            payment_record_intent(payment_id=payment.pk, intent=intent)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=pair) for pair in zip(payments, intents, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = sorted(Payment.objects.values_list("receipt_number", flat=True))
    assert numbers == [number(n) for n in range(1, 5)]


@pytest.fixture
def issuer(settings):
    settings.PLATFORM_LEGAL_NAME = "Servizo Test S.r.l."
    settings.PLATFORM_ADDRESS = "Via Roma 1\n50100 Firenze"
    settings.PLATFORM_TAX_ID = "IT01234567890"


@pytest.mark.usefixtures("issuer")
def test_the_receipt_shows_the_business_the_number_and_the_lines(client, paid_booking, staff_user):
    from payments.services.settlements import settlement_create

    walk(paid_booking, Booking.Status.CANCELLED)
    settlement_create(
        booking_id=paid_booking.pk, decision=Settlement.Decision.SPLIT, refund_cents=2000, reason="x", actor=staff_user
    )
    payment = paid_booking.payments.get()
    client.force_login(paid_booking.customer)

    body = client.get(reverse("payments:receipt", args=[paid_booking.pk])).content.decode()

    assert "Servizo Test S.r.l." in body and "Via Roma 1<br>50100 Firenze" in body and "IT01234567890" in body
    assert f'id="receipt-number">{number(1)}<' in body
    assert "$120.00" in body and "−$20.00" in body and 'id="receipt-total">$100.00<' in body
    assert f"(credit note CN-{YEAR}-000001)" in body  # the refund's own number, from its own series
    assert "$24.00" not in body  # the commission is not the customer's business
    # The Stripe id appears once, as the small payment reference.
    assert body.count(payment.payment_intent_id) == 1 and "Payment reference" in body
    assert reverse("payments:receipt_pdf", args=[paid_booking.pk]) in body


def pdf_text_streams(pdf: bytes) -> bytes:
    """The PDF's content, its Flate streams inflated (enough to find a string WeasyPrint wrote)."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        with contextlib.suppress(zlib.error):  # fonts and images
            chunks.append(zlib.decompress(match.group(1)))
    return b"\n".join(chunks)


@pytest.mark.usefixtures("issuer")
def test_the_pdf_is_a_real_pdf_of_the_same_receipt(client, paid_booking):
    client.force_login(paid_booking.customer)

    response = client.get(reverse("payments:receipt_pdf", args=[paid_booking.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="receipt-{number(1)}.pdf"'
    pdf = response.content
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    content = pdf_text_streams(pdf)
    # The document title (metadata) names the receipt; the issuer is its author.
    assert f"Receipt {number(1)}".encode() in content or f"Receipt {number(1)}".encode("utf-16-be") in content
    assert b"Servizo Test S.r.l." in content or "Servizo Test S.r.l.".encode("utf-16-be") in content


@pytest.mark.parametrize(
    ("who", "status"),
    [("customer", 200), ("provider", 200), ("support", 200), ("plain_staff", 404), ("stranger", 404)],
)
def test_only_the_parties_and_staff_who_read_bookings_get_a_receipt(client, paid_booking, who, status, request):
    users = {
        "customer": lambda: paid_booking.customer,
        "provider": lambda: paid_booking.provider,
        "support": lambda: request.getfixturevalue("support_user"),
        "plain_staff": lambda: request.getfixturevalue("plain_staff"),
        "stranger": CustomerFactory,
    }
    client.force_login(users[who]())

    page = client.get(reverse("payments:receipt", args=[paid_booking.pk]))
    pdf = client.get(reverse("payments:receipt_pdf", args=[paid_booking.pk]))

    assert (page.status_code, pdf.status_code) == (status, status)


def test_an_unpaid_booking_has_no_receipt(client, localstripe):
    booking = BookingFactory()
    client.force_login(booking.customer)

    assert client.get(reverse("payments:receipt", args=[booking.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("payments:receipt", args=[booking.pk])).status_code == 302  # to the login page
