"""Issue 16's journey in Urdu, in Chromium: a customer switches the site to Urdu with the navbar's switcher, the
pages turn right to left, and they post an offer (a price typed in Urdu digits) on a form without an English label
and find it on their offers page.

Fields are filled by name, not label, so the journey holds whatever the apps' strings are translated to.
Screenshots: artifacts/journey-urdu-{phone,desktop}.png.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import ServiceCategory
from accounts.tests.factories import CustomerFactory, ProviderFactory
from offers.models import Offer
from servizo.testing.browser import DESKTOP, logged_in_page, screenshot_widths
from servizo.tests.test_accessibility_browser import blocking_violations
from servizo.tests.test_urdu_sweep import ALLOWED, english_words

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_categories"),
]


def test_a_customer_switches_to_urdu_and_posts_an_offer_right_to_left(browser, live_server, florences, artifacts_dir):
    customer = CustomerFactory(language="")
    ProviderFactory(base_place=florences["IT"])  # someone serves Florence: the form publishes at once
    plumbing = ServiceCategory.objects.get(slug="plumber")
    url = live_server.url

    # Given the customer on their English dashboard
    page = logged_in_page(browser, url, customer)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{url}/dashboard/")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")

    # When they press "اردو" in the navbar's switcher
    page.locator(".language-switcher button[value=ur]").click()

    # Then the same page comes back in Urdu, right to left, with Bootstrap's RTL build, and the choice is saved
    page.wait_for_url(f"{url}/dashboard/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    expect(page.locator("#mainNav")).to_contain_text("فراہم کنندہ تلاش کریں")  # "Find a provider"
    expect(page.locator("#mainNav")).to_contain_text("ڈیش بورڈ")  # "Dashboard"
    assert page.locator('link[href$="bootstrap.rtl.min.css"]').count() == 1
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    customer.refresh_from_db()
    assert customer.language == "ur"
    # (times the browser writes, in chat and live cards, name the month in Urdu like the server's)
    assert page.evaluate("Servizo.formatWhen('2026-11-30T16:52:00Z')") == "30 نومبر 2026, 16:52 UTC"

    # When they post an offer, typing the price in Urdu digits with the Arabic decimal mark
    page.goto(f"{url}/offers/new/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text("پیشکش شائع کریں")  # "Post an offer"
    labels = page.locator("#offer-form label:visible, #offer-form legend:visible").all_inner_texts()
    assert len(labels) >= 6 and not [label for label in labels if LATIN_WORD.search(label)], labels
    # ...nor anything else the form shows once its scripts ran (the sweep's reading of visible text)
    assert english_words(page.locator("#offer-form").inner_html(), ALLOWED) == {}
    page.select_option("select[name=category]", value=str(plumbing.pk))
    page.fill("input[name=title]", "باورچی خانے کا نل ٹپکتا ہے")
    page.fill("textarea[name=description]", "رات بھر پانی ٹپکتا ہے۔")
    page.fill("input[name=address]", "Via Roma 1")
    page.locator("input[name=place_text]").press_sequentially("Firenze")
    page.locator("[data-place-results] button", has_text="Florence, IT").first.click()
    expect(page.locator("input[name=place_text]")).to_have_value("Florence, IT")
    page.fill("input[name=preferred_date]", (timezone.localdate() + datetime.timedelta(days=4)).isoformat())
    page.fill("input[name=price_cents]", "۷۰٫۵۰")
    page.locator("#offer-form button[type=submit]").click()

    # Then the offer is stored with the price read exactly, and it is on their offers page, still in Urdu
    page.wait_for_url(re.compile(r"/offers/\d+/$"))
    offer = Offer.objects.get()
    assert (offer.customer, offer.price_cents) == (customer, 7050)
    page.goto(f"{url}/offers/")
    expect(page.locator("h1")).to_have_text("میری پیشکشیں")  # "My offers"
    expect(page.locator("main")).to_contain_text("باورچی خانے کا نل ٹپکتا ہے")
    assert english_words(page.locator("main").inner_html(), ALLOWED, ["Florence, IT", "Via Roma 1"]) == {}
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#mainNav")).to_contain_text("فراہم کنندہ تلاش کریں")
    screenshot_widths(page, "journey-urdu", artifacts_dir)


def test_the_switcher_works_on_a_phone_inside_the_collapsed_menu(browser, live_server):
    page = browser.new_page(viewport={"width": 375, "height": 812})
    page.goto(f"{live_server.url}/")

    page.locator(".navbar-toggler").click()
    page.locator(".language-switcher button[value=ur]").click()

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator(".navbar-toggler").click()
    page.locator(".language-switcher button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("h1")).to_have_text("Skilled hands, smart service.")


def test_urdu_pages_have_no_serious_accessibility_violations(browser, live_server, customer):
    visitor = browser.new_page(locale="ur-PK")  # Accept-Language: ur-PK, served in Urdu
    problems = blocking_violations(visitor, f"{live_server.url}/")
    assert visitor.locator("html").get_attribute("lang") == "ur"

    customer.language = "ur"
    customer.save(update_fields=["language"])
    page = logged_in_page(browser, live_server.url, customer)
    for path in ("/dashboard/", "/notifications/", "/offers/new/"):
        problems += blocking_violations(page, f"{live_server.url}{path}")
        assert page.locator("html").get_attribute("dir") == "rtl"

    assert not problems, "\n".join(problems)
