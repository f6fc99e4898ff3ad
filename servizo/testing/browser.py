"""pytest plugin: Playwright driving Debian's Chromium (never a downloaded browser).

Browser tests are marked `@pytest.mark.browser` (sorted last by the root conftest) and use
pytest-playwright's `page`/`browser` fixtures with pytest-django's `live_server`.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "artifacts"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--headless=new",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def artifacts_dir() -> Path:
    """Git-ignored folder for screenshots taken by journeys."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def log_in(context, base_url: str, user) -> None:
    """Give a browser context `user`'s session cookie (journeys that test the login form itself use the form)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def logged_in_page(browser, base_url: str, user):
    """A page in a fresh browser context, logged in as `user`."""
    context = browser.new_context()
    log_in(context, base_url, user)
    return context.new_page()


def screenshot_widths(page, name: str, directory: Path) -> None:
    """Save `name`-phone.png and `name`-desktop.png of the current page."""
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(directory / f"{name}-{label}.png"), full_page=True)
