"""Signed-in pages from the cache (servizo.pagecache): served while nothing they show changed, rendered again
as soon as their user writes, is told something, or a party of theirs moves a booking; never another
user's page, never a stale CSRF token, never a flash message twice."""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import CustomerFactory, StaffFactory
from bookings.models import Booking
from bookings.services import booking_transition
from bookings.tests.factories import BookingFactory
from chat.services import message_send
from chat.tests.factories import ConversationFactory
from notifications.services import notification_create
from offers.services import offer_withdraw
from offers.tests.factories import OfferFactory
from reviews.services import review_create
from reviews.tests.factories import CompletedBookingFactory
from servizo.pagecache import CSRF_PLACEHOLDER

pytestmark = pytest.mark.django_db
S = Booking.Status


def _get(client, url):
    """(response, whether it was rendered): a page from the cache renders no template."""
    response = client.get(url)
    assert response.status_code == 200
    return response, response.context is not None


def test_a_page_is_rendered_once_then_served_from_the_cache_in_two_queries(
    client, customer, django_assert_max_num_queries
):
    client.force_login(customer)
    _, rendered = _get(client, reverse("bookings:list"))
    assert rendered

    with django_assert_max_num_queries(2):  # the session and the user; no page query
        response, rendered = _get(client, reverse("bookings:list"))

    assert not rendered and "Your bookings" in response.content.decode()


def test_each_user_has_their_own_page(client, customer):
    other = CustomerFactory(full_name="Otherina Example")
    client.force_login(customer)
    _get(client, reverse("dashboard"))

    client.force_login(other)
    response, rendered = _get(client, reverse("dashboard"))

    assert rendered and "Otherina" in response.content.decode()


def test_every_write_of_the_user_renews_their_pages(client, customer):
    """Any unsafe request, even one refused with field errors (no flash message, no service called)."""
    client.force_login(customer)
    _get(client, reverse("dashboard"))

    refused = client.post(reverse("account_settings"), {"full_name": "Renamed", "time_zone": "Nowhere/City"})

    assert refused.status_code == 200 and refused.context["form"].errors
    assert _get(client, reverse("dashboard"))[1]


def test_the_other_partys_booking_move_renews_both_parties_pages(client, django_capture_on_commit_callbacks):
    booking = BookingFactory(status=S.SCHEDULED)
    customer_client = Client()
    customer_client.force_login(booking.customer)
    client.force_login(booking.provider)
    url = reverse("bookings:detail", args=[booking.pk])
    _get(client, url), _get(customer_client, url)

    with django_capture_on_commit_callbacks(execute=True):
        booking_transition(booking_id=booking.pk, to_status=S.IN_PROGRESS, actor=booking.provider)

    for party in (client, customer_client):
        response, rendered = _get(party, url)
        assert rendered and response.context["booking"].status == S.IN_PROGRESS


def test_a_notification_renews_its_recipients_pages(client, customer, django_capture_on_commit_callbacks):
    client.force_login(customer)
    _get(client, reverse("offers:mine"))

    with django_capture_on_commit_callbacks(execute=True):
        notification_create(recipient=customer, kind="test", text="Something happened")

    assert _get(client, reverse("offers:mine"))[1]


def test_a_chat_message_renews_both_members_inboxes(client, django_capture_on_commit_callbacks):
    conversation = ConversationFactory()
    customer_client = Client()
    customer_client.force_login(conversation.customer)
    client.force_login(conversation.provider)
    url = reverse("chat:list")
    _get(client, url), _get(customer_client, url)

    with django_capture_on_commit_callbacks(execute=True):
        message_send(conversation=conversation, sender=conversation.customer, text="Is 9 ok?")

    for member in (client, customer_client):
        response, rendered = _get(member, url)
        assert rendered and "Is 9 ok?" in response.content.decode()


def test_an_offer_change_renews_every_providers_feed(client, provider, django_capture_on_commit_callbacks):
    offer = OfferFactory(title="Rewire the attic")
    client.force_login(provider)
    assert "Rewire the attic" in _get(client, reverse("offers:feed"))[0].content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        offer_withdraw(offer_id=offer.pk, customer=offer.customer)
    response, rendered = _get(client, reverse("offers:feed"))

    assert rendered and "Rewire the attic" not in response.content.decode()


def test_a_suspension_renews_the_providers_pages_so_the_feed_is_refused(client, provider):
    """A hit skips the view's access checks: what they read renews the pages, whoever writes it."""
    client.force_login(provider)
    _get(client, reverse("offers:feed"))
    provider.provider_profile.status = "suspended"
    provider.provider_profile.save(update_fields=["status"])

    assert client.get(reverse("offers:feed")).status_code == 403


def test_a_staff_member_removed_from_a_group_loses_its_cached_admin_pages(client):
    staff = StaffFactory(is_superuser=False)
    finance = Group.objects.get(name="Finance")
    staff.groups.add(finance)
    client.force_login(staff)
    url = reverse("admin:bookings_booking_changelist")
    _get(client, url)

    staff.groups.remove(finance)

    assert client.get(url).status_code == 403


def test_a_cached_page_carries_a_csrf_token_for_the_request_it_is_served_to(customer):
    first = Client(enforce_csrf_checks=True)
    browser = Client(enforce_csrf_checks=True)  # another device: a session and a CSRF cookie of its own
    first.force_login(customer)
    browser.force_login(customer)  # a sign-in saves the user row: before the page is stored
    stored = first.get(reverse("dashboard")).content

    response = browser.get(reverse("dashboard"))
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content).group(1)

    assert response.context is None and CSRF_PLACEHOLDER not in response.content
    assert token not in stored  # its own, not the first request's
    switched = browser.post(
        reverse("set_language"), {"language": "ur", "next": "/", "csrfmiddlewaretoken": token.decode()}
    )
    assert switched.status_code == 302
    customer.refresh_from_db()
    assert customer.language == "ur"


def test_a_flash_message_is_shown_once_and_never_cached(client, customer):
    client.force_login(customer)
    _get(client, reverse("account_settings"))
    client.post(reverse("account_settings"), {"full_name": "A B", "phone": "", "time_zone": "UTC", "language": ""})

    shown, _ = _get(client, reverse("dashboard"))
    again, rendered = _get(client, reverse("dashboard"))

    assert "Your settings are saved." in shown.content.decode()
    assert rendered and "Your settings are saved." not in again.content.decode()


def test_each_language_has_its_own_page(client, customer):
    client.force_login(customer)  # no saved language: the browser's
    english = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    urdu = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="ur")

    assert urdu.context is not None and 'lang="ur"' in urdu.content.decode()
    assert 'lang="en"' in english.content.decode()


def test_anonymous_pages_are_not_cached(client, provider):
    url = reverse("reviews:provider_profile", args=[provider.pk])

    assert _get(client, url)[1] and _get(client, url)[1]


def test_with_redis_down_every_page_renders(client, customer, redis_down):
    client.force_login(customer)

    assert _get(client, reverse("dashboard"))[1] and _get(client, reverse("dashboard"))[1]


def test_the_admin_index_and_changelists_are_cached_per_staff_member(client, staff_user):
    """Their views set the CSRF cookie themselves (csrf_protect), which a cached page sets on every hit."""
    client.force_login(staff_user)
    for url in (reverse("admin:index"), reverse("admin:bookings_booking_changelist")):
        _get(client, url)
        response, rendered = _get(client, url)
        assert not rendered and CSRF_PLACEHOLDER not in response.content


def test_a_new_review_renews_the_providers_profile_for_every_viewer(client, customer, provider):
    url = reverse("reviews:provider_profile", args=[provider.pk])
    client.force_login(customer)
    _get(client, url)
    booking = CompletedBookingFactory(provider=provider)

    review_create(booking_id=booking.pk, customer=booking.customer, rating=5, comment="Fixed it in an hour")
    response, rendered = _get(client, url)

    assert rendered and "Fixed it in an hour" in response.content.decode()
