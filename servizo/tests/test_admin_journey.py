"""Browser journey through the operator console (WSGI live server, Debian Chromium)."""

import re

import pytest

from accounts.models import ProviderProfile
from accounts.tests.factories import ProviderFactory
from servizo.testing.browser import screenshot_widths

PASSWORD = "pass-1234-word"  # the factories' password


def _admin_page(browser, live_server, user):
    page = browser.new_context().new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_support_approves_a_provider_and_finance_sees_the_commission(
    live_server, browser, artifacts_dir, seeded_categories, support_user, finance_user, completed_booking
):
    applicant = ProviderFactory(status=ProviderProfile.Status.PENDING)

    # Support opens the approval queue from the dashboard figure and approves the application.
    page = _admin_page(browser, live_server, support_user)
    assert page.locator("#figure-providers-pending .console-card-value").inner_text() == "1"
    page.locator("#figure-providers-pending").click()
    row = page.locator("#result_list tr", has_text=applicant.email)
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "approve")
    page.get_by_role("button", name="Go").click()
    assert "1 provider now approved" in page.locator("ul.messagelist").inner_text()
    applicant.provider_profile.refresh_from_db()
    assert applicant.provider_profile.status == ProviderProfile.Status.APPROVED

    # Finance opens this month's report from the dashboard and finds the booking's 20 % commission.
    page = _admin_page(browser, live_server, finance_user)
    page.locator("#figure-commission-this-month").click()
    page.wait_for_url(re.compile(r"/admin/reports/revenue/"))
    total = page.locator('table[data-section="Total"] tr.report-row')
    assert total.locator("td").nth(4).inner_text() == "$24.00"
    assert page.locator("#report-chart").is_visible()
    screenshot_widths(page, "admin-revenue-report", artifacts_dir)
