"""In Chromium: a customer attaches photos to an offer, sees their thumbnails, and a matching provider
sees the first one on the feed card and all of them on the offer page."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import CustomerFactory, ProviderFactory
from offers.models import Offer
from offers.tests.test_browser import _fill_offer_form
from servizo.testing.browser import logged_in_page, screenshot_widths
from servizo.testing.images import image_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_categories"),
]


def _loaded(locator) -> None:
    """Every image in `locator` is shown: the browser fetched and decoded it (naturalWidth > 0)."""
    expect(locator.first).to_be_visible()
    for image in locator.all():
        image.scroll_into_view_if_needed()
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") > 0


def test_customer_attaches_photos_and_both_sides_see_the_thumbnails(browser, live_server, tmp_path, artifacts_dir):
    customer, provider = CustomerFactory(), ProviderFactory()
    files = []
    for name, fmt, color in (("tap.jpg", "JPEG", "steelblue"), ("sink.png", "PNG", "orange")):
        path = tmp_path / name
        path.write_bytes(image_bytes(fmt, size=(1200, 900), color=color))
        files.append(str(path))

    # Given the customer on the offer form, when they attach two photos and publish
    page = logged_in_page(browser, live_server.url, customer)
    page.goto(f"{live_server.url}/offers/new/")
    page.select_option("select[name=category]", label="Plumber")
    page.set_input_files("input[name=photos]", files)
    _fill_offer_form(
        page,
        title="Leaking tap",
        description="See the photos.",
        city="Florence",
        day=timezone.localdate() + datetime.timedelta(days=3),
        price="60",
    )

    # Then the offer page shows both thumbnails, each opening the larger photo
    offer = Offer.objects.get()
    thumbnails = page.locator("[data-offer-photos] img")
    expect(thumbnails).to_have_count(2)
    _loaded(thumbnails)
    assert [p.pk for p in offer.photos.all()] == [
        int(href.split("/")[-2])
        for href in page.locator("[data-offer-photos] a").evaluate_all("a => a.map(x => x.href)")
    ]
    screenshot_widths(page, "offer-photos", artifacts_dir)

    # And a matching provider sees the first photo on the feed card and both on the offer page
    feed = logged_in_page(browser, live_server.url, provider)
    feed.goto(f"{live_server.url}/offers/feed/")
    _loaded(feed.locator(f'[data-offer-id="{offer.pk}"] [data-offer-thumbnail]'))
    screenshot_widths(feed, "offer-photos-feed", artifacts_dir)
    feed.goto(f"{live_server.url}/offers/{offer.pk}/")
    _loaded(feed.locator("[data-offer-photos] img"))

    # And the customer removes one photo on the edit page
    page.goto(f"{live_server.url}/offers/{offer.pk}/edit/")
    page.locator("#offer-photos input[type=checkbox]").first.check()
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Offer updated.").wait_for()
    expect(page.locator("[data-offer-photos] img")).to_have_count(1)
