"""The browser's part of time zones: the signup guess and times written by JavaScript (chat)."""

import pytest
from django.urls import reverse

from accounts.tests.factories import CustomerFactory
from servizo.testing.browser import log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_signup_form_sends_the_browser_zone(live_server, browser):
    context = browser.new_context(timezone_id="Asia/Karachi")
    page = context.new_page()

    page.goto(live_server.url + reverse("signup_customer"))

    assert page.locator("input[name=time_zone]").input_value() == "Asia/Karachi"
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_javascript_writes_times_like_the_server_in_the_user_zone_not_the_browser_zone(live_server, browser):
    user = CustomerFactory(time_zone="America/New_York")
    context = browser.new_context(timezone_id="Asia/Tokyo")  # travelling: the profile's zone wins
    log_in(context, live_server.url, user)
    page = context.new_page()
    page.goto(live_server.url + reverse("dashboard"))

    def when(iso: str, date: bool = True) -> str:
        return page.evaluate("([iso, date]) => Servizo.formatWhen(iso, {date})", [iso, date])

    winter, summer = "2026-12-01T07:00:00Z", "2026-07-01T07:00:00Z"
    assert when(winter) == "1 Dec 2026, 02:00 EST"
    assert when(winter, date=False) == "02:00 EST"
    assert when(summer) == "1 Jul 2026, 03:00 EDT"
    context.close()
