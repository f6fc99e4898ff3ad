"""The payments pages, receipts and card errors in Urdu (the viewer's language), right to left."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from bookings.tests.factories import BookingFactory
from payments.models import Payment
from payments.selectors import receipt_for
from payments.tests.conftest import DECLINED_WHEN_CHARGED
from payments.tests.test_receipts import number, pdf_text_streams
from payments.tests.test_views import saved_setup
from servizo.money import format_money

pytestmark = pytest.mark.django_db


def test_the_pay_page_in_urdu(urdu_client, localstripe):
    booking = BookingFactory()
    urdu_client.force_login(booking.customer)

    body = urdu_client.get(reverse("payments:pay", args=[booking.pk])).content.decode()

    assert '<h1 class="h3 mb-4">اپنی بکنگ کی ادائیگی کریں</h1>' in body
    assert "یہ کارڈ اگلی بار کے لیے محفوظ کریں" in body and "کارڈ کی تفصیلات" in body
    with translation.override("ur"):
        price = format_money(booking.price_cents, booking.currency)
    assert f'<button class="btn btn-primary" type="submit" id="pay-button">{price} ادا کریں</button>' in body
    # pay.js shows the page's own messages, translated by the server.
    assert 'data-not-saved-message="آپ کا کارڈ محفوظ نہیں ہو سکا۔"' in body
    assert "Pay for your booking" not in body and "Save this card" not in body


def test_a_declined_card_is_told_in_urdu_and_stored_as_stripe_wrote_it(urdu_client, localstripe):
    booking = BookingFactory()
    urdu_client.force_login(booking.customer)
    setup = saved_setup(localstripe, booking.customer, DECLINED_WHEN_CHARGED)

    response = urdu_client.post(reverse("payments:pay", args=[booking.pk]), {"setup_intent": setup}, follow=True)

    body = response.content.decode()
    assert [str(m) for m in response.context["messages"]] == ["آپ کا کارڈ مسترد کر دیا گیا۔"]
    assert "پچھلی کوشش مسترد ہوئی: آپ کا کارڈ مسترد کر دیا گیا۔ آپ دوبارہ کوشش کر سکتے ہیں۔" in body
    assert "declined" not in body
    assert Payment.objects.get(booking=booking).failure_message == "Your card was declined."


def test_the_earnings_page_in_urdu(urdu_client, pay, connected_provider):
    pay(BookingFactory(provider=connected_provider))
    urdu_client.force_login(connected_provider)

    body = urdu_client.get(reverse("payments:earnings")).content.decode()

    assert '<h1 class="h3 mb-4">کمائی</h1>' in body
    assert '<th class="text-end">آپ کا حصہ</th>' in body and "<th>صورتِ حال</th>" in body
    assert '<span class="badge text-bg-warning">ایسکرو میں</span>' in body  # the line's state: held
    assert "Your share" not in body and ">held<" not in body


@pytest.fixture
def urdu_receipt(urdu_client, paid_booking, settings):
    settings.PLATFORM_LEGAL_NAME = "Servizo Test S.r.l."
    settings.PLATFORM_ADDRESS = "Via Roma 1\n50100 Firenze"
    settings.PLATFORM_TAX_ID = "IT01234567890"
    urdu_client.force_login(paid_booking.customer)
    return paid_booking


def test_the_receipt_page_in_urdu(urdu_client, urdu_receipt):
    body = urdu_client.get(reverse("payments:receipt", args=[urdu_receipt.pk])).content.decode()

    assert f"<title>رسید {number(1)}" in body
    assert '<div class="receipt-title h4 mb-1">رسید</div>' in body
    assert '<dt class="col-4">بل بنام</dt>' in body and "ٹیکس نمبر:" in body
    assert "<th>کل ادا شدہ رقم</th>" in body
    assert "PDF ڈاؤن لوڈ کریں" in body
    assert "Total paid" not in body and "Billed to" not in body


def test_the_receipt_pdf_in_urdu_is_right_to_left_in_an_urdu_font(urdu_client, urdu_receipt):
    receipt = receipt_for(user=urdu_receipt.customer, booking_id=urdu_receipt.pk)
    with translation.override("ur"):
        html = render_to_string("payments/receipt_pdf.html", {"receipt": receipt})
    assert '<html lang="ur" dir="rtl">' in html and "<th>کل ادا شدہ رقم</th>" in html

    response = urdu_client.get(reverse("payments:receipt_pdf", args=[urdu_receipt.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = pdf_text_streams(response.content)
    # The title (metadata, UTF-16 hex) is the Urdu one; the document says it is Urdu.
    assert f"رسید {number(1)}".encode("utf-16-be").hex().encode() in content
    assert b"/Lang (ur)" in content
    # The Urdu words are set in Debian's Noto Nastaliq Urdu (fonts-noto-core), not in boxes of a Latin font.
    assert b"+Noto-Nastaliq-Urdu" in content


def test_the_receipt_pdf_in_english_stays_left_to_right(client, urdu_receipt, settings):
    client.defaults.pop("HTTP_ACCEPT_LANGUAGE")  # the same client, back to an English browser
    content = pdf_text_streams(client.get(reverse("payments:receipt_pdf", args=[urdu_receipt.pk])).content)

    assert f"Receipt {number(1)}".encode() in content and b"/Lang (en)" in content
    assert b"Noto-Nastaliq-Urdu" not in content
