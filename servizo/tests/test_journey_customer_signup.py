import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from servizo.testing.browser import screenshot_widths

PASSWORD = "Sunny-kitchen-2026"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_categories")
def test_visitor_signs_up_as_customer_verifies_email_and_reaches_the_dashboard(live_server, page, artifacts_dir):
    # Given a visitor on the landing page
    page.goto(live_server.url)
    expect(page.get_by_role("heading", name="Skilled hands, smart service.")).to_be_visible()
    screenshot_widths(page, "landing", artifacts_dir)

    # When they choose "I need a service" and fill in the form
    page.get_by_role("link", name="Sign up").click()
    page.get_by_role("link", name=re.compile("I need a service")).click()
    page.get_by_label("Email").fill("giulia@example.com")
    page.get_by_label("Password", exact=False).first.fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_label("Full name").fill("Giulia Verdi")
    page.get_by_label("I agree to the terms of service").check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    # And confirm the address with the link from the email
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    # Then they can log in and see the customer dashboard
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("giulia@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Hello, Giulia")).to_be_visible()
    expect(page.locator("#customer-dashboard")).to_be_attached()
    screenshot_widths(page, "customer-dashboard", artifacts_dir)
    assert (artifacts_dir / "customer-dashboard-phone.png").stat().st_size > 0
