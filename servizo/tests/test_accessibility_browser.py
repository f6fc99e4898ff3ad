"""axe-core in Chromium on the main pages: no serious or critical accessibility violation.

axe is vendored for tests only (servizo/testing/vendor/axe-core, from the npm registry) and injected
into each page; one browser and one live server serve every page, for speed.
"""

from pathlib import Path

import pytest
from django.urls import reverse

from accounts.tests.factories import ProviderFactory
from bookings.models import Booking
from chat.tests.factories import ConversationFactory
from offers.tests.factories import OfferFactory
from servizo.testing.browser import logged_in_page

AXE = Path(__file__).resolve().parent.parent / "testing" / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_categories"),
]


def blocking_violations(page, url: str) -> list[str]:
    """axe's serious and critical findings on `url`, one line each (rule, impact, first elements)."""
    page.goto(url)
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{url}: {v['id']} ({v['impact']}) {v['help']}: {[node['target'] for node in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def test_main_pages_have_no_serious_accessibility_violations(live_server, browser, customer, staff_user):
    base = live_server.url
    provider = ProviderFactory()
    conversation = ConversationFactory(
        booking__offer__customer=customer, booking__provider=provider, booking__status=Booking.Status.SCHEDULED
    )
    booking = conversation.booking
    offer = OfferFactory(customer=customer)
    pages = {
        None: [
            reverse("home"),
            reverse("account_signup"),
            reverse("signup_customer"),
            reverse("signup_provider"),
            reverse("account_login"),
            reverse("terms"),
        ],
        customer: [
            reverse("home"),
            reverse("dashboard"),
            reverse("offers:create"),
            reverse("offers:detail", args=[offer.pk]),
            booking.get_absolute_url(),
            conversation.get_absolute_url(),
            reverse("reviews:provider_profile", args=[provider.pk]),
        ],
        provider: [reverse("dashboard"), reverse("offers:feed"), reverse("offers:detail", args=[offer.pk])],
        staff_user: [reverse("admin:index")],
    }
    found = []
    for user, paths in pages.items():
        page = logged_in_page(browser, base, user) if user else browser.new_context().new_page()
        for path in paths:
            found += blocking_violations(page, base + path)
        page.context.close()

    assert found == [], "\n".join(found)


def test_keyboard_users_get_a_skip_link_and_a_visible_focus_outline(live_server, page, artifacts_dir):
    page.goto(live_server.url)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement") and skip.bounding_box()["width"] > 50
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"

    button = page.locator(".hero").get_by_role("link", name="I need a service")
    button.focus()
    style, width = button.evaluate("el => [getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineWidth]")
    assert style == "solid" and float(width.removesuffix("px")) >= 3
    page.screenshot(path=str(artifacts_dir / "landing-focus-outline-desktop.png"))
