"""In Chromium over daphne: a customer sends a photo in the booking chat; the provider sees it arrive live
as a thumbnail that opens the larger photo."""

import pytest
from playwright.sync_api import expect

from servizo.testing.browser import logged_in_page, screenshot_widths
from servizo.testing.images import image_bytes


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_photo_sent_in_chat_reaches_the_other_side_live(
    asgi_live_server, browser, conversation, tmp_path, artifacts_dir
):
    url = asgi_live_server.url + conversation.get_absolute_url()
    customer = logged_in_page(browser, asgi_live_server.url, conversation.customer)
    provider = logged_in_page(browser, asgi_live_server.url, conversation.provider)
    for page in (customer, provider):
        page.goto(url)
        expect(page.locator("#chat-state")).to_have_text("Connected")
    photo = tmp_path / "boiler.jpg"
    photo.write_bytes(image_bytes("JPEG", size=(1200, 900), color="seagreen"))

    # When the customer types a caption and picks a photo
    customer.locator("#chat-input").fill("The boiler's label")
    customer.locator("#chat-photo").set_input_files(str(photo))

    # Then both sides show the thumbnail with the caption, and it opens the larger photo
    for page, side in ((customer, "mine"), (provider, "theirs")):
        image = page.locator(f".chat-message.{side} img.chat-photo")
        expect(image).to_be_visible()
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") == 320
        expect(page.locator(f".chat-message.{side} .chat-text")).to_have_text("The boiler's label")
    expect(customer.locator("#chat-input")).to_have_value("")
    full = provider.locator(".chat-message.theirs a").first.get_attribute("href")
    assert provider.request.get(asgi_live_server.url + full).headers["content-type"] == "image/jpeg"
    screenshot_widths(provider, "chat-photo", artifacts_dir)
