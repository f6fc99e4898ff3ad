"""In Chromium: the cancel dialog shows the policy's amounts before confirming, then the page shows the refund."""

import pytest
from playwright.sync_api import expect

from bookings.models import Booking
from servizo.testing.browser import logged_in_page, screenshot_widths

from .test_cancellation import make_late

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_categories"),
]


def test_customer_sees_the_late_fee_in_the_cancel_dialog_and_then_the_refund(
    live_server, localstripe, browser, paid_booking, artifacts_dir
):
    # Given a paid $120.00 booking past its free-cancellation deadline
    booking = make_late(paid_booking)
    page = logged_in_page(browser, live_server.url, booking.customer)
    page.goto(f"{live_server.url}{booking.get_absolute_url()}")

    # When the customer opens the cancel dialog, it says what happens to the money
    page.get_by_role("button", name="Cancel the booking").click()
    dialog = page.locator("#action-cancelled")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#cancellation-terms")).to_contain_text(
        "You get $90.00 back to your card; $24.00 goes to the provider as a late-cancellation fee"
    )
    expect(dialog.get_by_role("link", name="Cancellation policy")).to_be_visible()
    screenshot_widths(page, "cancel-dialog-late-fee", artifacts_dir)

    # And confirms with a reason
    dialog.get_by_label("Reason (required)").fill("Plans changed")
    dialog.get_by_role("button", name="Cancel the booking").click()

    # Then the refund was made by itself and the booking page shows it with Stripe's status
    expect(page.get_by_text("Done: the booking is now resolved.")).to_be_visible()
    refund = page.locator("[data-refund]")
    expect(refund).to_contain_text("Refunded")
    expect(refund).to_contain_text("$90.00 back to the customer's card")
    expect(refund.locator("[data-refund-status]")).to_have_text("succeeded")
    screenshot_widths(page, "cancel-refunded", artifacts_dir)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.RESOLVED
