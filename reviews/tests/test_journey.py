import pytest
from django.urls import reverse

from bookings.tests.factories import BookingFactory
from reviews.tests.factories import complete_booking
from servizo.testing.browser import screenshot_widths

PASSWORD = "pass-1234-word"  # UserFactory's


def log_in(page, base_url: str, user) -> None:
    page.goto(base_url + reverse("account_login"))
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"**{reverse('dashboard')}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_customer_reviews_a_completed_job_the_provider_replies_and_the_profile_shows_it(
    seeded_categories, live_server, page, browser, customer, provider, artifacts_dir
):
    # Given a booking brought to completed through booking_transition (no booking page on this branch)
    booking = complete_booking(BookingFactory(offer__customer=customer, provider=provider, title="Fix the porch light"))

    # When the customer follows the dashboard prompt and leaves 5★ with a comment
    log_in(page, live_server.url, customer)
    panel = page.locator("#reviews-customer-panel")
    assert panel.get_by_text("Rate your last jobs").is_visible()
    panel.get_by_role("link", name="Rate").click()
    page.wait_for_url(f"**{reverse('reviews:create', args=[booking.pk])}")
    page.get_by_label("★★★★★ 5 — Excellent").check()
    page.get_by_label("Comment (optional)").fill("On time, tidy, and the light works perfectly.")
    screenshot_widths(page, "review-form", artifacts_dir)
    page.get_by_role("button", name="Publish review").click()

    # Then the review is on the provider's profile
    page.wait_for_url(f"**{reverse('reviews:provider_profile', args=[provider.pk])}*")
    assert page.get_by_text("Thank you! Your review is published.").is_visible()
    assert page.get_by_text("On time, tidy, and the light works perfectly.").is_visible()

    # When the provider replies from their dashboard
    provider_page = browser.new_context().new_page()
    log_in(provider_page, live_server.url, provider)
    provider_page.locator("#reviews-provider-panel").get_by_role("link", name="Reply").click()
    provider_page.get_by_label("Your public reply").fill("Thank you, it was a pleasure!")
    provider_page.get_by_role("button", name="Publish reply").click()
    provider_page.wait_for_url(f"**{reverse('reviews:provider_profile', args=[provider.pk])}*")
    provider_page.context.close()

    # Then anyone sees 5.0 (1 review) with the comment and the reply
    page.goto(live_server.url + reverse("reviews:provider_profile", args=[provider.pk]))
    assert page.locator("#rating-average").inner_text() == "5.0"
    assert page.locator("#rating-count").inner_text() == "1 review"
    assert page.locator(".review-reply").get_by_text("Thank you, it was a pleasure!").is_visible()
    assert page.locator("#completed-jobs").inner_text() == "1"
    assert page.get_by_text("Verified provider").is_visible() and page.get_by_text("Electrician").is_visible()
    screenshot_widths(page, "provider-profile", artifacts_dir)
