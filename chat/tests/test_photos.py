"""Photos in the booking chat: sent over HTTP, stored with their message, broadcast on the real channel
layer like a typed message, and served only to the booking's two parties and staff."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import CustomerFactory, ProviderFactory
from bookings.models import Booking
from chat.models import ChatPhoto, Message
from chat.selectors import message_payload
from chat.services import RateLimited, message_send_photo
from chat.tests.factories import ConversationFactory
from chat.tests.sockets import chat_communicator
from offers.models import Offer
from servizo.images import image_prepare
from servizo.testing.images import image_upload, read_image


def _send(client: Client, conversation, upload, text: str = ""):
    return client.post(reverse("chat:send_photo", args=[conversation.pk]), {"photo": upload, "text": text})


@pytest.mark.django_db
def test_a_party_sends_a_photo_with_a_caption(client, conversation):
    client.force_login(conversation.customer)

    response = _send(client, conversation, image_upload("leak.heic", "HEIF", size=(2400, 1800)), "The leak")

    assert response.status_code == 201
    message = Message.objects.select_related("photo").get()
    assert (message.sender, message.text) == (conversation.customer, "The leak")
    assert read_image(message.photo.image).size == (1600, 1200)
    assert read_image(message.photo.thumbnail).format == "JPEG"
    assert response.json()["message"]["photo"] == {
        "url": reverse("chat:photo", args=[message.photo_id]),
        "thumbnail": reverse("chat:photo_thumbnail", args=[message.photo_id]),
    }
    assert conversation.members.get(user=conversation.provider).unread == 1


@pytest.mark.django_db
def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_stored(client, conversation):
    client.force_login(conversation.provider)

    response = _send(client, conversation, SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>"))

    assert response.status_code == 400
    assert "is not a JPEG, PNG, WebP or HEIC photo" in response.json()["error"]
    assert not Message.objects.exists() and not ChatPhoto.objects.exists()


@pytest.mark.django_db
def test_an_oversized_photo_is_refused(client, conversation, settings):
    settings.IMAGE_MAX_BYTES = 2000
    client.force_login(conversation.customer)

    response = _send(client, conversation, image_upload(size=(600, 600)))

    assert response.status_code == 400 and "the limit is" in response.json()["error"]


@pytest.mark.django_db
def test_outsiders_cannot_send_into_a_conversation(client, conversation):
    client.force_login(CustomerFactory())

    assert _send(client, conversation, image_upload()).status_code == 404
    assert not ChatPhoto.objects.exists()


@pytest.mark.django_db
def test_a_closed_conversation_takes_no_photos(client, conversation):
    Booking.objects.filter(pk=conversation.booking_id).update(status=Booking.Status.COMPLETED)
    Offer.objects.filter(pk=conversation.offer_id).update(status=Offer.Status.ACCEPTED)
    client.force_login(conversation.customer)

    response = _send(client, conversation, image_upload())

    assert response.status_code == 400 and "closed" in response.json()["error"]


@pytest.mark.django_db
def test_photos_per_hour_are_capped(client, conversation, settings):
    settings.CHAT_PHOTOS_PER_HOUR = 2
    client.force_login(conversation.customer)
    for _ in range(2):
        assert _send(client, conversation, image_upload(size=(100, 100))).status_code == 201

    response = _send(client, conversation, image_upload(size=(100, 100)))

    assert response.status_code == 429 and "at most 2 photos an hour" in response.json()["error"]
    assert ChatPhoto.objects.count() == 2


@pytest.mark.django_db
def test_only_the_two_parties_and_staff_fetch_a_chat_photo(client, conversation, support_user, plain_staff):
    message = message_send_photo(
        conversation=conversation, sender=conversation.provider, photo=image_prepare(image_upload())
    )
    url = reverse("chat:photo", args=[message.photo_id])
    thumbnail = reverse("chat:photo_thumbnail", args=[message.photo_id])

    for user in (conversation.customer, conversation.provider, support_user):
        client.force_login(user)
        assert client.get(url).status_code == 200 and client.get(thumbnail).status_code == 200
    other_booking = ConversationFactory()  # a provider and customer of another booking
    for user in (CustomerFactory(), ProviderFactory(), other_booking.customer, other_booking.provider, plain_staff):
        client.force_login(user)
        assert client.get(url).status_code == 404 and client.get(thumbnail).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.django_db
def test_the_conversation_page_and_history_carry_the_photo(client, conversation):
    message = message_send_photo(
        conversation=conversation, sender=conversation.customer, photo=image_prepare(image_upload())
    )
    client.force_login(conversation.provider)

    page = client.get(reverse("chat:conversation", args=[conversation.pk])).content.decode()

    assert reverse("chat:photo_thumbnail", args=[message.photo_id]) in page
    assert 'id="chat-photo"' in page
    listing = client.get(reverse("chat:list")).content.decode()
    assert "Photo" in listing


@pytest.mark.django_db(transaction=True)
def test_a_photo_is_broadcast_to_both_sockets_after_it_is_stored():
    conversation = ConversationFactory()
    customer = chat_communicator(f"/ws/chat/{conversation.pk}/", conversation.customer)
    provider = chat_communicator(f"/ws/chat/{conversation.pk}/", conversation.provider)
    client = Client()
    client.force_login(conversation.provider)

    async def scenario():
        for communicator in (customer, provider):
            connected, _ = await communicator.connect()
            assert connected
        try:
            response = await database_sync_to_async(_send)(client, conversation, image_upload(), "Done!")
            received = await customer.receive_json_from(timeout=5)
            echoed = await provider.receive_json_from(timeout=5)
        finally:
            for communicator in (customer, provider):
                await communicator.disconnect()
        return response, received, echoed

    response, received, echoed = async_to_sync(scenario)()

    message = Message.objects.get()
    assert response.status_code == 201 and message.photo_id is not None
    assert received == echoed == {"type": "message", "message": message_payload(message)}
    assert received["message"]["photo"]["thumbnail"] == reverse("chat:photo_thumbnail", args=[message.photo_id])


@pytest.mark.django_db
def test_the_chat_rate_limit_counts_photos_as_messages(conversation, settings):
    settings.CHAT_RATE_LIMIT_COUNT = 1
    message_send_photo(conversation=conversation, sender=conversation.customer, photo=image_prepare(image_upload()))

    with pytest.raises(RateLimited):
        message_send_photo(conversation=conversation, sender=conversation.customer, photo=image_prepare(image_upload()))


@pytest.mark.django_db
def test_staff_reading_a_conversation_in_the_admin_see_its_photos(client, conversation, support_user):
    message = message_send_photo(
        conversation=conversation, sender=conversation.customer, photo=image_prepare(image_upload())
    )
    client.force_login(support_user)

    page = client.get(reverse("admin:chat_conversation_change", args=[conversation.pk])).content.decode()

    assert reverse("chat:photo_thumbnail", args=[message.photo_id]) in page
