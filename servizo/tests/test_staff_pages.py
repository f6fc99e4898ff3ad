"""Pages outside the admin: staff get in by the model permission, never by `is_staff` alone."""

import pytest
from django.urls import reverse

from accounts.tests.conftest import pdf_upload
from accounts.tests.factories import ProviderProfileFactory
from bookings.models import Booking
from chat.tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    """A paid booking with its conversation (one message) and a provider with a private document."""
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, sender=conversation.customer, text="Gate code 4411")
    booking = conversation.booking
    booking.events.create(from_status=Booking.Status.AWAITING_PAYMENT, to_status=Booking.Status.SCHEDULED)
    profile = ProviderProfileFactory(document=pdf_upload("id.pdf"))
    return {"booking": booking, "conversation": conversation, "profile": profile}


def _pages(world) -> dict[str, tuple[str, str]]:
    """name -> (method, url) of every non-admin page that shows another user's data."""
    booking, conversation = world["booking"], world["conversation"]
    return {
        "booking": ("get", reverse("bookings:detail", args=[booking.pk])),
        "booking-transition": ("post", reverse("bookings:transition", args=[booking.pk])),
        "offer": ("get", reverse("offers:detail", args=[booking.offer_id])),
        "conversation": ("get", reverse("chat:conversation", args=[conversation.pk])),
        "conversation-history": ("get", reverse("chat:history", args=[conversation.pk]) + "?before=999999"),
        "conversation-for-booking": ("post", reverse("chat:booking", args=[booking.pk])),
        "receipt": ("get", reverse("payments:receipt", args=[booking.pk])),
        "pay": ("get", reverse("payments:pay", args=[booking.pk])),
        "provider-document": ("get", reverse("provider_document", args=[world["profile"].pk])),
        "revenue-report": ("get", reverse("admin:revenue_report")),
        "payouts": ("get", reverse("admin:payouts")),
    }


PAGES = [
    "booking",
    "booking-transition",
    "offer",
    "conversation",
    "conversation-history",
    "conversation-for-booking",
    "receipt",
    "pay",
    "provider-document",
    "revenue-report",
    "payouts",
]


@pytest.mark.parametrize("name", PAGES)
def test_staff_without_permissions_read_nothing(client, plain_staff, world, name):
    method, url = _pages(world)[name]
    client.force_login(plain_staff)

    response = getattr(client, method)(url)

    assert response.status_code in (403, 404), name
    body = b"".join(response) if response.streaming else response.content
    booking = world["booking"]
    for private in (booking.address, booking.customer.email, booking.provider.email, "Gate code 4411"):
        assert private.encode() not in body, (name, private)


def test_support_reads_a_booking_with_the_view_permission(client, support_user, world):
    booking = world["booking"]
    client.force_login(support_user)

    page = client.get(reverse("bookings:detail", args=[booking.pk])).content.decode()

    assert booking.address in page and booking.customer.email in page and "read-only" in page
    response = client.post(reverse("bookings:transition", args=[booking.pk]), {"to_status": "cancelled", "note": "x"})
    assert response.status_code == 403  # staff read here and act in the admin


def test_staff_with_only_the_view_booking_permission_read_the_booking(client, plain_staff, world):
    from django.contrib.auth.models import Permission

    plain_staff.user_permissions.add(Permission.objects.get(codename="view_booking"))
    client.force_login(plain_staff)

    assert client.get(reverse("bookings:detail", args=[world["booking"].pk])).status_code == 200
