import pytest

from servizo.testing.browser import screenshot_widths


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_landing_page_renders_in_chromium_at_phone_and_desktop_width(live_server, page, artifacts_dir):
    page.goto(live_server.url)

    assert page.get_by_role("heading", name="Skilled hands, smart service.").is_visible()
    screenshot_widths(page, "landing", artifacts_dir)
    assert (artifacts_dir / "landing-phone.png").stat().st_size > 0
