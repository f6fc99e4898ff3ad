"""The booking page follows the payment live: a push over the real channel layer, then the page as reloaded."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.urls import reverse

from bookings.tests.factories import BookingFactory
from notifications.tests.test_socket import _communicator


@pytest.mark.django_db(transaction=True)
def test_the_provider_is_told_over_redis_when_the_customer_pays(client, pay, seeded_categories):
    booking = BookingFactory()
    client.force_login(booking.provider)

    async def scenario():
        communicator = _communicator(client)
        connected, _ = await communicator.connect()
        assert connected
        await database_sync_to_async(pay)(booking)  # commits: the push goes out on commit
        received = []
        while not any(message.get("kind") == "booking_paid" for message in received):
            received.append(await communicator.receive_json_from(timeout=5))
        await communicator.disconnect()
        return received

    received = async_to_sync(scenario)()

    assert {"kind": "booking_paid", "booking_id": booking.pk} in received


@pytest.mark.django_db
def test_the_provider_booking_page_listens_before_and_shows_the_payment_after_reload(client, pay):
    booking = BookingFactory()
    client.force_login(booking.provider)
    url = reverse("bookings:detail", args=[booking.pk])

    before = client.get(url).content.decode()
    payment = pay(booking)
    after = client.get(url).content.decode()

    assert f'data-booking-live="{booking.pk}"' in before and "payments/booking_live.js" in before
    assert "Waiting for the customer to pay" in before
    assert "Waiting for the customer to pay" not in after and "Held in escrow: $120.00" in after
    assert payment.receipt_number in after and "payments/booking_live.js" not in after
