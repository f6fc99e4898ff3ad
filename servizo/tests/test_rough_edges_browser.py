"""Issue 16's rough edges, seen in Chromium at phone and desktop widths (screenshots in artifacts/)."""

import pytest
from playwright.sync_api import expect

from accounts.models import ProviderProfile
from accounts.tests.factories import ProviderFactory
from chat.tests.factories import ConversationFactory
from offers.models import Offer
from offers.tests.factories import OfferFactory
from servizo.testing.browser import PHONE, logged_in_page, screenshot_widths

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_categories"),
]


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_provider_accepts_in_the_sites_dialog_and_applicants_see_what_opens_later(
    live_server, browser, provider, artifacts_dir
):
    # An applicant's menu has no Jobs or Earnings; the feed says when it opens
    applicant = logged_in_page(browser, live_server.url, ProviderFactory(status=ProviderProfile.Status.PENDING))
    applicant.goto(f"{live_server.url}/offers/feed/")
    expect(applicant.get_by_role("heading", name="Available after your application is approved")).to_be_visible()
    expect(applicant.locator("#mainNav").get_by_role("link", name="Jobs")).to_have_count(0)
    expect(applicant.locator("#mainNav").get_by_role("link", name="Earnings")).to_have_count(0)
    screenshot_widths(applicant, "pending-provider-feed", artifacts_dir)

    # Accept opens the site's dialog with price, date, share and the terms, not the browser's box
    offer = OfferFactory(price_cents=12000)
    page = logged_in_page(browser, live_server.url, provider)
    page.on("dialog", lambda dialog: pytest.fail(f"native dialog: {dialog.message}"))
    page.goto(f"{live_server.url}/offers/{offer.pk}/")
    page.locator("#accept-offer").click()
    dialog = page.locator("#accept-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-accept-share]")).to_contain_text("$96.00")
    expect(dialog.locator("[data-accept-price]")).to_contain_text("$120.00")
    expect(dialog.get_by_role("link", name="Cancellation policy")).to_be_visible()
    screenshot_widths(page, "accept-dialog", artifacts_dir)
    dialog.get_by_role("button", name="Accept the job").click()
    expect(page.get_by_text("You accepted the offer.")).to_be_visible()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED


def test_new_customer_dashboard_post_again_and_the_toast_clear_of_send_on_phones(
    live_server, browser, customer, artifacts_dir
):
    page = logged_in_page(browser, live_server.url, customer)
    page.goto(f"{live_server.url}/dashboard/")
    cta = page.locator("#first-offer-cta")
    expect(cta.get_by_role("link", name="Post an offer")).to_be_visible()
    expect(page.get_by_role("navigation", name="Filter history by state")).to_have_count(0)
    page.set_viewport_size(PHONE)
    assert cta.bounding_box()["y"] < 400  # the next action is on the first phone screen
    screenshot_widths(page, "new-customer-dashboard", artifacts_dir)

    withdrawn = OfferFactory(customer=customer, title="Paint the hall", status=Offer.Status.WITHDRAWN)
    page.goto(f"{live_server.url}/offers/{withdrawn.pk}/")
    page.get_by_role("link", name="Post again").click()
    expect(page.get_by_label("Short title")).to_have_value("Paint the hall")
    expect(page.get_by_label("Preferred date")).to_have_value("")
    screenshot_widths(page, "post-again-form", artifacts_dir)

    # A toast on a phone stays clear of the chat's Send button
    conversation = ConversationFactory(booking__offer__customer=customer)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + conversation.get_absolute_url())
    page.evaluate("Servizo.showToast('New message from Paolo: on my way, see you at nine', '/messages/')")
    toast = page.locator("#toast-container .toast")
    expect(toast).to_be_visible()
    page.locator("#chat-send").scroll_into_view_if_needed()
    assert not _overlap(toast.bounding_box(), page.locator("#chat-send").bounding_box())
    page.screenshot(path=str(artifacts_dir / "chat-toast-phone.png"))


def test_operator_reviews_from_the_providers_page_and_the_dashboard_is_a_grid(
    live_server, browser, staff_user, artifacts_dir
):
    applicant = ProviderFactory(status=ProviderProfile.Status.PENDING).provider_profile
    page = logged_in_page(browser, live_server.url, staff_user)
    page.set_viewport_size({"width": 1366, "height": 768})

    page.goto(f"{live_server.url}/admin/")
    cards = page.locator("#dashboard-figures .console-card")
    boxes = [cards.nth(i).bounding_box() for i in range(cards.count())]
    assert len(boxes) >= 4
    assert len({round(box["width"]) for box in boxes}) == 1  # one grid, even columns
    assert len({round(box["y"]) for box in boxes}) < len(boxes) / 2  # rows of several, not pairs down the side
    chart = page.locator(".console-chart").bounding_box()
    grid = page.locator("#dashboard-figures").bounding_box()
    assert abs(chart["width"] - grid["width"]) < 2 and grid["width"] > 800
    page.screenshot(path=str(artifacts_dir / "admin-dashboard-1366.png"), full_page=True)

    page.goto(f"{live_server.url}/admin/accounts/providerprofile/")
    page.screenshot(path=str(artifacts_dir / "admin-provider-queue-1366.png"), full_page=True)
    cell = page.locator("td.field-submitted").first
    expect(cell).to_contain_text(":")  # the time is there, under the date
    results = page.locator("#changelist .results")
    widths = results.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] <= widths[1], widths  # nothing hidden behind a scrollbar
    right_edges = "el => [el.getBoundingClientRect().right, el.closest('.results').getBoundingClientRect().right]"
    cell_right, visible_right = cell.evaluate(right_edges)
    assert cell_right <= visible_right

    page.goto(f"{live_server.url}/admin/accounts/providerprofile/{applicant.pk}/change/")
    page.screenshot(path=str(artifacts_dir / "admin-provider-detail-1366.png"), full_page=True)
    page.locator("#review-buttons").get_by_role("button", name="Approve").click()
    expect(page.get_by_text("1 provider now approved")).to_be_visible()
    applicant.refresh_from_db()
    assert applicant.status == ProviderProfile.Status.APPROVED

    page.goto(f"{live_server.url}/admin/payments/payoutrun/add/")  # no one may add a payout run by hand
    expect(page.locator("#admin-403")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "admin-403-1366.png"), full_page=True)
