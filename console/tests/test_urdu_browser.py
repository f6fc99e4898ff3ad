"""The operator console in Urdu in Chromium (issue 16): right to left, the dashboard grid mirrored."""

import pytest
from playwright.sync_api import expect

from accounts.models import ProviderProfile
from accounts.tests.factories import ProviderFactory
from servizo.testing.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("urdu_catalog")
def test_dashboard_and_the_provider_queue_in_urdu_right_to_left(live_server, browser, staff_user, artifacts_dir):
    ProviderFactory(status=ProviderProfile.Status.PENDING)
    context = browser.new_context(locale="ur-PK")  # the browser asks for Urdu (Accept-Language)
    log_in(context, live_server.url, staff_user)
    page = context.new_page()
    page.set_viewport_size({"width": 1366, "height": 768})

    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#figure-providers-pending")).to_contain_text("منظوری کے منتظر فراہم کنندگان")
    expect(page.locator(".console-chart h2")).to_have_text("مجموعی رقم اور کمیشن، پچھلے 30 دن")
    first, second = (page.locator("#dashboard-figures .console-card").nth(i).bounding_box() for i in (0, 1))
    assert first["y"] == second["y"] and first["x"] > second["x"]  # the grid starts on the right
    page.screenshot(path=str(artifacts_dir / "admin-dashboard-urdu-1366.png"), full_page=True)

    page.goto(f"{live_server.url}/admin/accounts/providerprofile/")
    expect(page.locator("select[name=action]")).to_contain_text("منتخب فراہم کنندگان کو منظور کریں")
    page.screenshot(path=str(artifacts_dir / "admin-provider-queue-urdu-1366.png"), full_page=True)
    context.close()
