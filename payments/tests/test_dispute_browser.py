"""The dispute journey in real Chromium: the customer reports with a photo, the provider responds,
Support splits the payment on the settle page, and both parties see the outcome on the booking page."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from bookings.models import Booking
from disputes.models import Dispute
from payments.selectors import booking_balance
from servizo.testing.browser import logged_in_page, screenshot_widths

from .conftest import walk

S = Booking.Status
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_categories"),
]


def _photo(path, color: str) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), color).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def _thumbnails_loaded(page, scope: str) -> None:
    thumbnails = page.locator(f"{scope} [data-dispute-photos] img")
    expect(thumbnails.first).to_be_visible()
    # Loaded, not only laid out: the photo arrives after the page (a broken one never gets a width).
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnails.first.element_handle())


def test_dispute_from_report_to_split(live_server, browser, paid_booking, support_user, artifacts_dir, tmp_path):
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED)
    booking_url = f"{live_server.url}{booking.get_absolute_url()}"

    # The customer reports a problem with a photo.
    customer = logged_in_page(browser, live_server.url, booking.customer)
    customer.goto(booking_url)
    customer.get_by_role("link", name="Report a problem").click()
    customer.get_by_label("The job was not finished").check()
    customer.get_by_label("Describe the problem").fill("Two of the four ceiling lights were not installed.")
    customer.locator("input[type=file]").set_input_files(_photo(tmp_path / "ceiling.jpg", "orange"))
    screenshot_widths(customer, "dispute-report-form", artifacts_dir)
    customer.get_by_role("button", name="Report the problem").click()
    panel = customer.locator("#dispute-panel")
    expect(panel).to_contain_text("Waiting for the provider's response")
    expect(panel).to_contain_text("What happens next")
    _thumbnails_loaded(customer, "#dispute-description")
    screenshot_widths(customer, "dispute-customer-opened", artifacts_dir)

    # The provider sees the panel and responds once, with a photo.
    provider = logged_in_page(browser, live_server.url, booking.provider)
    provider.goto(booking_url)
    expect(provider.locator("#dispute-description")).to_contain_text("ceiling lights")
    provider.locator("#dispute-respond").click()
    provider.get_by_label("Your account of what happened").fill("Two fittings the customer bought were missing.")
    provider.locator("input[type=file]").set_input_files(_photo(tmp_path / "box.jpg", "navy"))
    provider.get_by_role("button", name="Send my response").click()
    expect(provider.locator("#dispute-status")).to_have_text("Waiting for Servizo's decision")
    expect(provider.locator("#dispute-respond")).to_have_count(0)
    _thumbnails_loaded(provider, "#dispute-response")
    screenshot_widths(provider, "dispute-provider-responded", artifacts_dir)

    # Support reads both sides on the settle page and splits: $60.00 back, with a reason.
    staff = logged_in_page(browser, live_server.url, support_user)
    staff.goto(f"{live_server.url}/admin/payments/bookingdecision/{booking.pk}/settle/")
    expect(staff.locator("#settle-complaint")).to_contain_text("ceiling lights")
    expect(staff.locator("#settle-response")).to_contain_text("fittings")
    expect(staff.locator("#settle-suggestion")).to_contain_text("Refund $60.00 to the customer")
    _thumbnails_loaded(staff, "#settle-response")
    screenshot_widths(staff, "dispute-settle-page", artifacts_dir)
    staff.locator("select[name=decision]").select_option("split")
    staff.locator("input[name=refund_amount]").fill("60.00")
    staff.locator("textarea[name=reason]").fill("Half the lights were installed; half the price goes back.")
    staff.locator("input[name=confirm]").check()
    staff.get_by_role("button", name="Settle and email both parties").click()
    expect(staff.get_by_text("$60.00 refunded")).to_be_visible()

    # Both parties see the outcome and the reason.
    for page, name in ((customer, "dispute-customer-outcome"), (provider, "dispute-provider-outcome")):
        page.goto(booking_url)
        expect(page.locator("#dispute-status")).to_have_text("Decided")
        expect(page.locator("#dispute-decision")).to_contain_text("half the price goes back")
        screenshot_widths(page, name, artifacts_dir)
    expect(customer.locator("#reviews-booking-panel")).to_contain_text("Leave a review")

    balance = booking_balance(booking_id=booking.pk)
    assert (balance.refunded, balance.released_provider, balance.held) == (6000, 4800, 0)
    assert Dispute.objects.get(booking=booking).status == Dispute.Status.DECIDED
