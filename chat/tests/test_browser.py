"""Customer and provider in two Chromium contexts on one booking, over a real daphne server."""

import re

import pytest
from playwright.sync_api import expect

from chat.tests.factories import MessageFactory
from servizo.testing.asgi import stop_asgi_server
from servizo.testing.browser import logged_in_page, screenshot_widths


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_customer_and_provider_chat_live_and_the_unread_badge_follows(
    asgi_live_server, browser, conversation, artifacts_dir
):
    url = asgi_live_server.url + conversation.get_absolute_url()
    customer = logged_in_page(browser, asgi_live_server.url, conversation.customer)
    provider = logged_in_page(browser, asgi_live_server.url, conversation.provider)

    # Given the provider is elsewhere on the site and the customer has the conversation open
    provider.goto(asgi_live_server.url + "/notifications/")
    provider_badge = provider.locator("#chat-unread-badge")
    expect(provider_badge).to_be_hidden()
    customer.goto(url)
    expect(customer.locator("#chat-state")).to_have_text("Connected")

    # When the customer sends a message with markup and a link
    customer.locator("#chat-input").fill("Hello <b>there</b>, photos: https://example.com/p?1.")
    customer.locator("#chat-input").press("Enter")

    # Then it shows as text, the provider's navbar badge counts it live, and a toast says so
    mine = customer.locator(".chat-message.mine .chat-text")
    expect(mine).to_have_text("Hello <b>there</b>, photos: https://example.com/p?1.")
    expect(customer.locator(".chat-text b")).to_have_count(0)
    expect(mine.locator("a")).to_have_attribute("href", "https://example.com/p?1")
    expect(provider_badge).to_have_text("1")
    expect(provider.locator("#toast-container")).to_contain_text("New message from")

    # When the provider opens the conversation, it is read: the badge clears and the customer sees "Seen"
    provider.goto(url)
    expect(provider.locator("#chat-state")).to_have_text("Connected")
    expect(provider.locator(".chat-message.theirs .chat-text")).to_have_text(re.compile("^Hello <b>there</b>"))
    expect(provider.locator("#chat-unread-badge")).to_be_hidden()
    expect(customer.locator(".chat-seen")).to_have_text("Seen")

    # When the provider types and replies, the customer sees both live
    provider.locator("#chat-input").press_sequentially("On my ")
    expect(customer.locator("#chat-typing")).to_be_visible()
    provider.locator("#chat-input").fill("On my way at 9.")
    provider.locator("#chat-send").click()
    expect(customer.locator(".chat-message.theirs .chat-text")).to_have_text("On my way at 9.")
    expect(customer.locator("#chat-typing")).to_be_hidden()
    expect(provider.locator("#chat-input")).to_have_value("")

    screenshot_widths(customer, "chat-conversation", artifacts_dir)
    customer.goto(asgi_live_server.url + "/messages/")
    expect(customer.locator("#conversation-list")).to_contain_text("On my way at 9.")
    screenshot_widths(customer, "chat-list", artifacts_dir)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_page_shows_reconnecting_and_resyncs_what_was_missed_while_offline(asgi_server_factory, browser, conversation):
    (server,) = asgi_server_factory(1)
    page = logged_in_page(browser, server.url, conversation.customer)
    page.goto(server.url + conversation.get_absolute_url())
    state = page.locator("#chat-state")
    expect(state).to_have_text("Connected")

    # The server goes away; a message is stored meanwhile (no live broadcast can reach the page)
    stop_asgi_server(server)
    expect(state).to_have_text("Reconnecting…")
    MessageFactory(conversation=conversation, sender=conversation.provider, text="Sent while you were offline")
    asgi_server_factory(1, port=server.port)

    # The page reconnects by itself and fetches what it missed from the database
    expect(state).to_have_text("Connected", timeout=15_000)
    expect(page.locator(".chat-message.theirs .chat-text")).to_have_text("Sent while you were offline")
