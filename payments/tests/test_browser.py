"""Journeys in real Chromium: the pay page with localstripe's mock Stripe.js, then the money path to payout."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from servizo.testing.browser import log_in, logged_in_page, screenshot_widths

from .conftest import THREE_D_SECURE, VISA, walk

S = Booking.Status
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_categories"),
]


def type_card(page, number: str) -> None:
    card = page.locator("#card-element")
    card.locator('input[placeholder="number"]').fill(number)
    card.locator('input[placeholder="exp_month"]').fill("12")
    card.locator('input[placeholder="exp_year"]').fill("30")  # the mock prefixes "20"
    card.locator('input[placeholder="cvc"]').fill("123")
    card.locator('input[placeholder="postal_code"]').fill("50100")


def test_customer_pays_with_4242_and_the_money_reaches_the_provider(
    live_server, localstripe, browser, connected_provider, staff_user, artifacts_dir
):
    booking = BookingFactory(provider=connected_provider)
    customer_context = browser.new_context()
    log_in(customer_context, live_server.url, booking.customer)
    page = customer_context.new_page()

    # The customer pays on the pay page with the mock Stripe.js card element.
    page.goto(f"{live_server.url}/payments/booking/{booking.pk}/pay/")
    expect(page.locator("#booking-price")).to_have_text("$120.00")
    type_card(page, VISA)
    screenshot_widths(page, "pay-page", artifacts_dir)
    page.get_by_role("button", name="Pay $120.00").click()

    expect(page.get_by_text("Payment received")).to_be_visible(timeout=15_000)
    booking.refresh_from_db()
    assert booking.status == S.SCHEDULED

    # Both parties confirm (the booking pages belong to the bookings app).
    walk(booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.COMPLETED)

    # The provider sees 80 % available, then paid out after `payouts`.
    provider_context = browser.new_context()
    log_in(provider_context, live_server.url, connected_provider)
    provider_page = provider_context.new_page()
    provider_page.goto(f"{live_server.url}/payments/earnings/")
    expect(provider_page.locator("#earnings-available")).to_have_text("$96.00")
    call_command("payouts")
    provider_page.reload()
    expect(provider_page.locator("#earnings-paid-out")).to_have_text("$96.00")
    expect(provider_page.locator("#earnings-available")).to_have_text("$0.00")

    # The admin shows the 20 % commission.
    staff_context = browser.new_context()
    log_in(staff_context, live_server.url, staff_user)
    admin_page = staff_context.new_page()
    admin_page.goto(f"{live_server.url}/admin/payments/ledgerentry/")
    expect(admin_page.locator("#commission-total")).to_contain_text("$24.00")


def test_customer_completes_three_d_secure(live_server, localstripe, browser, artifacts_dir):
    booking = BookingFactory()
    context = browser.new_context()
    log_in(context, live_server.url, booking.customer)
    page = context.new_page()
    page.goto(f"{live_server.url}/payments/booking/{booking.pk}/pay/")

    type_card(page, THREE_D_SECURE)
    page.get_by_role("button", name="Pay $120.00").click()
    # The bank asks when the card is saved and again for the payment.
    page.get_by_role("button", name="Complete authentication").click()
    page.wait_for_url(re.compile(r"/pay/$"))
    page.get_by_role("button", name="Complete authentication").click(timeout=15_000)

    expect(page.get_by_text("Payment received")).to_be_visible(timeout=15_000)
    screenshot_widths(page, "pay-3ds-done", artifacts_dir)
    booking.refresh_from_db()
    assert booking.status == S.SCHEDULED


def test_declined_card_shows_the_message_and_the_booking_stays_payable(live_server, localstripe, browser):
    booking = BookingFactory()
    context = browser.new_context()
    log_in(context, live_server.url, booking.customer)
    page = context.new_page()
    page.goto(f"{live_server.url}/payments/booking/{booking.pk}/pay/")

    type_card(page, "4000000000000002")  # declined when saved
    page.get_by_role("button", name="Pay $120.00").click()

    expect(page.locator("#card-errors")).to_have_text("Your card was declined.")
    page.get_by_role("link", name="Try another card").click()
    type_card(page, VISA)
    page.get_by_role("button", name="Pay $120.00").click()
    expect(page.get_by_text("Payment received")).to_be_visible(timeout=15_000)


def test_paying_updates_the_providers_open_booking_page_and_links_onwards(
    localstripe, asgi_live_server, browser, artifacts_dir
):
    """Over daphne (WebSocket): the provider's booking page reloads itself when the customer pays."""
    booking = BookingFactory()
    provider_page = logged_in_page(browser, asgi_live_server.url, booking.provider)
    with provider_page.expect_websocket():
        provider_page.goto(f"{asgi_live_server.url}/bookings/{booking.pk}/")
    expect(provider_page.locator("#pay-by")).to_contain_text("Waiting for the customer to pay")

    page = logged_in_page(browser, asgi_live_server.url, booking.customer)
    page.goto(f"{asgi_live_server.url}/payments/booking/{booking.pk}/pay/")
    expect(page.get_by_label("Save this card for next time")).not_to_be_checked()
    type_card(page, VISA)
    page.get_by_role("button", name="Pay $120.00").click()

    expect(page.locator("#payment-next")).to_be_visible(timeout=15_000)
    screenshot_widths(page, "pay-done-links", artifacts_dir)
    expect(page.get_by_role("link", name="Go to the booking")).to_have_attribute("href", f"/bookings/{booking.pk}/")
    expect(page.locator("#payment-next").get_by_role("link", name=re.compile("Message"))).to_have_attribute(
        "href", f"/messages/booking/{booking.pk}/"
    )
    expect(provider_page.locator("#booking-payment-panel")).to_contain_text("Held in escrow: $120.00", timeout=10_000)
    expect(provider_page.locator("#pay-by")).to_have_count(0)

    page.get_by_role("link", name=re.compile("View receipt")).click()
    expect(page.locator("#receipt-number")).to_have_text(re.compile(r"SRV-\d{4}-000001"))
    screenshot_widths(page, "receipt", artifacts_dir)
