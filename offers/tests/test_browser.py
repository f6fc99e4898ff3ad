"""Offer journeys in Chromium over the WSGI live server.

The live feed journey runs on a daphne live server (`asgi_live_server`) over the Redis layer.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import CustomerFactory, ProviderFactory
from offers.models import Offer
from servizo.testing.browser import logged_in_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_categories"),
]


def _fill_offer_form(
    page, *, title: str, description: str, city: str, day: datetime.date, price: str, pick: str = "Florence, IT"
) -> None:
    """Fill the rest of the offer form (category already chosen), typing `city` and picking `pick`, and publish."""
    page.fill("input[name=title]", title)
    page.fill("textarea[name=description]", description)
    page.fill("input[name=address]", "Via Roma 1")
    page.locator("input[name=place_text]").press_sequentially(city)
    page.locator("[data-place-results] button", has_text=pick).first.click()
    expect(page.locator("input[name=place_text]")).to_have_value(pick)
    expect(page.locator("#place-reach")).to_contain_text("serve")
    page.fill("input[name=preferred_date]", day.isoformat())
    page.fill("input[name=price_cents]", price)
    page.get_by_role("button", name="Publish offer").click()
    page.get_by_text("Your offer is live").wait_for()


def test_customer_posts_an_offer_a_provider_accepts_it_and_the_booking_awaits_payment(browser, live_server, florences):
    customer, provider = CustomerFactory(), ProviderFactory(base_place=florences["IT"])
    day = timezone.localdate() + datetime.timedelta(days=4)

    # Given the customer on the offer form, the category's suggested price shows as a hint
    page = logged_in_page(browser, live_server.url, customer)
    page.goto(f"{live_server.url}/offers/new/")
    page.select_option("select[name=category]", label="Plumber")
    assert page.locator("#price-hint").text_content() == "Typical price for this category: $75.00"

    # When they type "Firenze", pick Florence, Italy (not one of the US Florences) and publish the offer
    _fill_offer_form(
        page, title="Leaking kitchen tap", description="Drips all night.", city="Firenze", day=day, price="70.50"
    )
    page.get_by_text("1 provider in plumber serves Florence, IT.").wait_for()

    # Then they land on its page, and a matching provider sees it in the feed
    offer = Offer.objects.get()
    assert offer.price_cents == 7050
    feed = logged_in_page(browser, live_server.url, provider)
    feed.goto(f"{live_server.url}/offers/feed/")
    card = feed.locator(f'[data-offer-id="{offer.pk}"]')
    assert "Leaking kitchen tap" in card.text_content()
    assert "$70.50" in card.text_content()

    # And when the provider accepts it, the customer sees a booking awaiting payment
    card.get_by_role("link").first.click()
    feed.locator("#accept-offer").click()  # the site's dialog: price, share, terms
    feed.locator("#accept-dialog").get_by_role("button", name="Accept the job").click()
    feed.wait_for_url(re.compile(r"/bookings/\d+/$"))
    page.goto(f"{live_server.url}/dashboard/")
    needs_action = page.locator("#bookings-needs-action")
    assert "Leaking kitchen tap" in needs_action.inner_text()
    assert "Pay by" in needs_action.inner_text()


def test_an_offer_published_while_the_feed_is_open_appears_and_leaves_without_reload(browser, asgi_live_server):
    customer, provider = CustomerFactory(), ProviderFactory()
    day = timezone.localdate() + datetime.timedelta(days=5)

    # Given a provider with the feed open and its live socket connected (over daphne and Redis)
    feed = logged_in_page(browser, asgi_live_server.url, provider)
    feed.goto(f"{asgi_live_server.url}/offers/feed/")
    expect(feed.locator("#feed-status")).to_have_text("Live")
    expect(feed.locator("#feed-empty")).to_be_visible()

    # When the customer publishes a matching offer whose title carries markup
    page = logged_in_page(browser, asgi_live_server.url, customer)
    page.goto(f"{asgi_live_server.url}/offers/new/")
    page.select_option("select[name=category]", label="Electrician")
    _fill_offer_form(
        page,
        title="Sparks <b>behind</b> the socket",
        description="Smells of burning.",
        city="florence",
        day=day,
        price="90",
    )
    offer = Offer.objects.get()

    # Then the card appears at the top of the open feed, highlighted, its title shown as text
    card = feed.locator(f'[data-offer-id="{offer.pk}"]')
    expect(card).to_be_visible()
    expect(card).to_have_class(re.compile("card-highlight"))
    expect(card).to_contain_text("Sparks <b>behind</b> the socket")
    expect(feed.locator("#offer-feed b")).to_have_count(0)
    expect(feed.locator("#feed-empty")).to_be_hidden()

    # And when the customer withdraws it, it leaves the feed
    page.goto(f"{asgi_live_server.url}/offers/{offer.pk}/withdraw/")
    page.get_by_role("button", name="Yes, withdraw it").click()
    expect(card).to_have_count(0)
    expect(feed.locator("#feed-empty")).to_be_visible()


def test_an_edited_offer_updates_open_feeds_and_an_accept_on_the_old_terms_shows_the_new_ones(
    browser, asgi_live_server
):
    customer, provider = CustomerFactory(), ProviderFactory()
    url = asgi_live_server.url
    day = timezone.localdate() + datetime.timedelta(days=5)
    page = logged_in_page(browser, url, customer)
    page.goto(f"{url}/offers/new/")
    page.select_option("select[name=category]", label="Electrician")
    _fill_offer_form(page, title="Rewire the hall", description="Old wiring.", city="Florence", day=day, price="60")
    offer = Offer.objects.get()

    # Given the provider's feed open twice (all offers, and "at least $50") and the offer's page open
    feed = logged_in_page(browser, url, provider)
    feed.goto(f"{url}/offers/feed/")
    filtered = feed.context.new_page()
    filtered.goto(f"{url}/offers/feed/?min_price=50")
    detail = feed.context.new_page()
    detail.goto(f"{url}/offers/{offer.pk}/")
    for socket_page in (feed, filtered):
        expect(socket_page.locator("#feed-status")).to_have_text("Live")
        expect(socket_page.locator(f'[data-offer-id="{offer.pk}"]')).to_contain_text("$60.00")

    # When the customer lowers the price to $40.00
    page.goto(f"{url}/offers/{offer.pk}/edit/")
    page.fill("input[name=price_cents]", "40")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Offer updated.").wait_for()

    # Then the open feed shows the new price, marked as changed, and the "$50+" feed drops the card
    card = feed.locator(f'[data-offer-id="{offer.pk}"]')
    expect(card).to_contain_text("$40.00")
    expect(card).to_contain_text("Terms changed")
    expect(filtered.locator(f'[data-offer-id="{offer.pk}"]')).to_have_count(0)

    # And accepting from the page opened at $60.00 books nothing and shows the $40.00 terms
    detail.locator("#accept-offer").click()  # the site's dialog: price, share, terms
    detail.locator("#accept-dialog").get_by_role("button", name="Accept the job").click()
    expect(detail.get_by_text("The customer changed this offer since you opened it: now $40.00")).to_be_visible()
    expect(detail.locator("#accept-offer")).to_have_text("Accept for $40.00 · you get $32.00")
    assert not offer.bookings.exists()


def _in_urdu(page, base_url: str):
    """The page's browser context with the language switcher's cookie set to Urdu."""
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ur", "url": base_url}])
    return page


def test_customer_posts_an_offer_in_urdu_and_a_provider_reads_it_in_urdu(browser, live_server, florences):
    customer, provider = CustomerFactory(), ProviderFactory(base_place=florences["IT"])
    day = timezone.localdate() + datetime.timedelta(days=4)

    # Given the customer on the offer form in Urdu, the categories carry their Urdu names
    page = _in_urdu(logged_in_page(browser, live_server.url, customer), live_server.url)
    page.goto(f"{live_server.url}/offers/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("پیشکش شائع کریں")
    page.select_option("select[name=category]", label="پلمبر")

    # When they fill the form and publish it
    page.fill("input[name=title]", "Leaking kitchen tap")
    page.fill("textarea[name=description]", "Drips all night.")
    page.fill("input[name=address]", "Via Roma 1")
    page.locator("input[name=place_text]").press_sequentially("Firenze")
    page.locator("[data-place-results] button", has_text="Florence, IT").first.click()
    expect(page.locator("#place-reach")).to_contain_text("شعبہ پلمبر کا 1 کاریگر کام کرتا ہے")
    page.fill("input[name=preferred_date]", day.isoformat())
    page.fill("input[name=price_cents]", "70.50")
    page.get_by_role("button", name="پیشکش شائع کریں").click()

    # Then the confirmation is in Urdu, and so is the card in the provider's Urdu feed
    page.get_by_text("آپ کی پیشکش شائع ہو گئی ہے۔").wait_for()
    offer = Offer.objects.get()
    feed = _in_urdu(logged_in_page(browser, live_server.url, provider), live_server.url)
    feed.goto(f"{live_server.url}/offers/feed/")
    card = feed.locator(f'[data-offer-id="{offer.pk}"]')
    expect(card).to_contain_text("پلمبر")
    expect(card).to_contain_text("آپ کو")
    expect(feed.get_by_role("heading", level=1)).to_have_text("پیشکشوں کی فیڈ")
