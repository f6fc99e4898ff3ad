"""Browser journey: a customer posts an offer, a provider accepts it from the feed, the customer pays next."""

import re

import pytest

from accounts.tests.factories import CustomerFactory, ProviderFactory
from bookings.models import Booking
from offers.tests.factories import OfferFactory
from servizo.testing.browser import screenshot_widths

PASSWORD = "pass-1234-word"  # the factories' password


def _logged_in_page(browser, live_server, user):
    page = browser.new_context().new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill('input[name="login"]', user.email)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('#main form button[type="submit"]').first.click()  # not the navbar's language switcher
    page.wait_for_url(re.compile(r"/dashboard/$"))
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_categories")
def test_provider_accepts_an_offer_and_the_customer_sees_the_booking_awaiting_payment(
    live_server, browser, artifacts_dir
):
    customer = CustomerFactory()
    provider = ProviderFactory()
    offer = OfferFactory(customer=customer, title="Replace the bathroom tap")

    # The provider, in their own browser context, accepts the offer.
    provider_page = _logged_in_page(browser, live_server, provider)
    provider_page.goto(f"{live_server.url}/offers/feed/")
    provider_page.locator(f'[data-offer-id="{offer.pk}"]').get_by_role("link").first.click()
    provider_page.locator("#accept-offer").click()  # the site's dialog: price, share, terms
    provider_page.locator("#accept-dialog").get_by_role("button", name="Accept the job").click()
    provider_page.wait_for_url(re.compile(r"/bookings/\d+/$"))
    assert "You accepted the offer" in provider_page.content()
    assert provider_page.locator("#booking-status").inner_text().strip() == "Awaiting payment"

    # The customer finds it on their dashboard, needing payment, and opens it.
    booking = Booking.objects.get(offer=offer)
    customer_page = _logged_in_page(browser, live_server, customer)
    needs_action = customer_page.locator("#bookings-needs-action")
    assert "Replace the bathroom tap" in needs_action.inner_text()
    screenshot_widths(customer_page, "customer-dashboard-bookings", artifacts_dir)
    needs_action.get_by_role("link", name="Replace the bathroom tap").click()
    customer_page.wait_for_url(f"{live_server.url}/bookings/{booking.pk}/")
    assert customer_page.locator("#booking-status").inner_text().strip() == "Awaiting payment"
    assert "Pay by" in customer_page.locator("#pay-by").inner_text()
    assert customer_page.locator("#contact-hidden").is_visible()

    # Cancelling asks for confirmation first.
    customer_page.get_by_role("button", name="Cancel the booking").click()
    dialog = customer_page.locator("#action-cancelled")
    dialog.get_by_role("button", name="Cancel the booking").wait_for()
    screenshot_widths(customer_page, "booking-confirm-cancel", artifacts_dir)
    dialog.get_by_role("button", name="Cancel the booking").click()
    customer_page.wait_for_url(f"{live_server.url}/bookings/{booking.pk}/")
    assert customer_page.locator("#booking-status").inner_text().strip() == "Cancelled"
    screenshot_widths(customer_page, "booking-detail", artifacts_dir)
