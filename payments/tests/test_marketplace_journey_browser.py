"""Issue 15's journey in Chromium: a customer finds a provider in the directory, requests them, the provider
quotes, the customer accepts the quote and pays (localstripe's mock Stripe.js)."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import ServiceCategory
from accounts.tests.factories import CustomerFactory
from bookings.models import Booking
from directory.tests.factories import listed_provider
from offers.models import Offer, Quote
from servizo.testing.browser import logged_in_page, screenshot_widths

from .conftest import VISA
from .test_browser import type_card

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_categories"),
]


def pick_place(page, scope: str, typed: str, label: str) -> None:
    """Type into a place field inside `scope` and choose `label` from the typeahead."""
    page.locator(f"{scope} input[name$=place_text]").press_sequentially(typed)
    page.locator(f"{scope} [data-place-results] button", has_text=label).first.click()


def test_customer_finds_a_plumber_requests_them_accepts_their_quote_and_pays(
    live_server, localstripe, browser, florences, artifacts_dir
):
    plumbing = ServiceCategory.objects.get(slug="plumber")
    provider = listed_provider(base_place=florences["IT"], categories=[plumbing], user__full_name="Marco Rossi")
    customer = CustomerFactory()
    url = live_server.url

    # Given the customer searching the directory for a plumber near "Firenze"
    page = logged_in_page(browser, url, customer)
    page.goto(f"{url}/providers/")
    page.select_option("#directory-filters select[name=trade]", label="Plumber")
    pick_place(page, "#directory-filters", "Firenze", "Florence, IT")
    page.get_by_role("button", name="Search").click()
    card = page.locator(f'.provider-card[data-provider="{provider.pk}"]')
    expect(card).to_contain_text("Marco Rossi")
    screenshot_widths(page, "journey-directory", artifacts_dir)

    # When they open the profile and request this provider (them alone for the first hours)
    card.get_by_role("link", name="Marco Rossi").click()
    page.locator("#request-provider").click()
    expect(page.locator("#requested-provider")).to_contain_text("Marco Rossi")
    page.select_option("select[name=category]", label="Plumber")
    page.fill("input[name=title]", "Blocked drain")
    page.fill("textarea[name=description]", "The kitchen sink drains slowly.")
    page.fill("input[name=address]", "Via Roma 1")
    page.fill("input[name=preferred_date]", (timezone.localdate() + datetime.timedelta(days=3)).isoformat())
    page.fill("input[name=price_cents]", "80")
    page.get_by_role("button", name="Publish offer").click()
    expect(page.get_by_text("Your offer is sent to Marco Rossi")).to_be_visible()
    offer = Offer.objects.get()
    assert offer.requested_provider == provider and offer.place == florences["IT"]

    # Then the provider quotes their own price from the offer page
    pro = logged_in_page(browser, url, provider)
    pro.goto(f"{url}/offers/{offer.pk}/")
    pro.locator("#send-quote-toggle").click()
    pro.fill("input[name=price_cents]", "95")
    pro.fill("textarea[name=message]", "Includes a new trap.")
    pro.locator("#send-quote").click()
    expect(pro.locator("#my-quote-status")).to_have_text("Pending")

    # And the customer sees the quote with the provider's distance, accepts it in the dialog and pays it
    page.goto(f"{url}/offers/{offer.pk}/")
    quote = page.locator(".quote")
    expect(quote).to_contain_text("$95.00")
    expect(quote.locator(".quote-distance")).to_have_text("0 km away")
    quote.locator(".accept-quote").click()
    page.get_by_role("button", name="Book and pay").click()
    page.wait_for_url(re.compile(r"/bookings/\d+/$"))
    booking = Booking.objects.get()
    assert (booking.provider, booking.price_cents) == (provider, 9500)
    assert Quote.objects.get().status == Quote.Status.ACCEPTED

    page.goto(f"{url}/payments/booking/{booking.pk}/pay/")
    type_card(page, VISA)
    page.get_by_role("button", name="Pay $95.00").click()
    expect(page.get_by_text("Payment received")).to_be_visible(timeout=15_000)
    screenshot_widths(page, "journey-paid", artifacts_dir)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.SCHEDULED
