"""The quote journey in Chromium on the daphne live server: a quote reaches the customer's open page live."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import ProviderFactory
from bookings.models import Booking
from offers.tests.factories import OfferFactory
from servizo.testing.browser import logged_in_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_categories"),
]


def test_a_provider_quotes_the_customer_sees_it_live_and_books_it(browser, asgi_live_server):
    url = asgi_live_server.url
    offer = OfferFactory(title="Hang three shelves", price_cents=12000)
    provider = ProviderFactory()

    # Given the customer's offer page open, with no quotes yet
    page = logged_in_page(browser, url, offer.customer)
    page.goto(f"{url}/offers/{offer.pk}/")
    expect(page.locator("#no-quotes")).to_be_visible()
    page.wait_for_timeout(1000)  # the notification socket connects

    # When a provider sends a quote from the offer page
    pro = logged_in_page(browser, url, provider)
    pro.goto(f"{url}/offers/{offer.pk}/")
    pro.locator("#send-quote-toggle").click()
    pro.fill("input[name=price_cents]", "95")
    pro.select_option("select[name=time_window]", "evening")
    pro.fill("textarea[name=message]", "I bring the <b>drill</b>.")
    pro.locator("#send-quote").click()
    expect(pro.locator("#my-quote-status")).to_have_text("Pending")

    # Then it appears on the customer's page without a reload, escaped, with the provider's rating
    quote = page.locator(".quote")
    expect(quote).to_have_count(1)
    expect(quote).to_contain_text("$95.00")
    expect(quote).to_contain_text("I bring the <b>drill</b>.")
    expect(quote.locator(".provider-rating")).to_contain_text("No reviews yet")

    # And accepting it (after the site's dialog with the terms) books the quoted terms and leads to payment
    quote.locator(".accept-quote").click()
    page.get_by_role("button", name="Book and pay").click()
    page.wait_for_url(re.compile(r"/bookings/\d+/$"))
    booking = Booking.objects.get()
    assert (booking.provider, booking.price_cents, booking.time_window) == (provider, 9500, "evening")
    pro.reload()
    expect(pro.locator("#my-quote-status")).to_have_count(0)  # the offer is booked: gone from providers
