"""The dispute pages and the photos: only the parties and staff allowed to read bookings see anything."""

import pytest
from django.urls import reverse

from accounts.tests.factories import CustomerFactory, ProviderFactory, UserFactory
from bookings.models import Booking
from disputes.models import Dispute
from disputes.photos import photos_prepare
from disputes.services import dispute_open

from .conftest import image_upload

S = Booking.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def dispute(done_booking) -> Dispute:
    return dispute_open(
        booking_id=done_booking.pk,
        customer=done_booking.customer,
        reason=Dispute.Reason.DAMAGE,
        description="The sink cabinet is cracked.",
        photos=photos_prepare([image_upload("crack.jpg")]),
    )


def test_customer_reports_a_problem_with_a_heic_photo_from_the_booking_page(client, done_booking):
    client.force_login(done_booking.customer)
    page = client.get(done_booking.get_absolute_url()).content.decode()
    url = reverse("disputes:open", args=[done_booking.pk])
    assert url in page and 'id="dispute-report"' in page

    response = client.post(
        url,
        {"reason": "poor_quality", "description": "Paint everywhere.", "photos": [image_upload("IMG.HEIC", "HEIF")]},
    )

    assert response.status_code == 302
    dispute = Dispute.objects.get(booking=done_booking)
    assert dispute.photos.get().content_type == "image/jpeg"
    page = client.get(done_booking.get_absolute_url()).content.decode()
    assert 'id="dispute-panel"' in page and "Paint everywhere." in page and "What happens next" in page


def test_a_file_that_is_not_a_photo_is_refused_with_a_clear_message(client, done_booking):
    client.force_login(done_booking.customer)
    fake = image_upload("notes.jpg")
    fake.file.seek(0)
    fake.file.write(b"%PDF-1.4")
    fake.file.seek(0)

    response = client.post(
        reverse("disputes:open", args=[done_booking.pk]),
        {"reason": "other", "description": "See the file.", "photos": [fake]},
    )

    assert response.status_code == 200
    assert "is not a JPEG, PNG, WebP or HEIC photo" in response.content.decode()
    assert not Dispute.objects.exists()


def test_the_generic_booking_action_cannot_dispute(client, done_booking):
    client.force_login(done_booking.customer)
    client.post(
        reverse("bookings:transition", args=[done_booking.pk]),
        {"to_status": S.DISPUTED, "from_status": S.PROVIDER_COMPLETED, "note": "no photos"},
    )
    done_booking.refresh_from_db()
    assert done_booking.status == S.PROVIDER_COMPLETED


def test_who_may_open_the_report_form(client, done_booking, support_user):
    url = reverse("disputes:open", args=[done_booking.pk])
    client.force_login(done_booking.provider)
    assert client.get(url).status_code == 403
    client.force_login(support_user)
    assert client.get(url).status_code == 403  # staff read bookings; they do not report for the customer
    client.force_login(CustomerFactory())
    assert client.get(url).status_code == 404


def test_provider_responds_once_from_the_panel(client, dispute):
    booking = dispute.booking
    client.force_login(booking.provider)
    url = reverse("disputes:respond", args=[booking.pk])
    assert url in client.get(booking.get_absolute_url()).content.decode()

    client.post(url, {"response": "It was cracked before I came.", "photos": [image_upload("before.png", "PNG")]})

    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.AWAITING_DECISION
    assert dispute.photos.filter(party="provider").count() == 1
    assert url not in client.get(booking.get_absolute_url()).content.decode()
    client.force_login(booking.customer)
    assert client.get(url).status_code == 403


def test_photos_are_served_to_the_parties_and_permitted_staff_only(client, dispute, support_user, staff_user):
    photo = dispute.photos.get()
    urls = [reverse("disputes:photo", args=[photo.pk]), reverse("disputes:thumbnail", args=[photo.pk])]
    for user in (dispute.booking.customer, dispute.booking.provider, support_user, staff_user):
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (user, url)
            assert response["Content-Type"] == "image/jpeg"
            assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")
    for outsider in (CustomerFactory(), ProviderFactory(), UserFactory(is_staff=True)):
        client.force_login(outsider)
        assert [client.get(url).status_code for url in urls] == [404, 404]
    client.logout()
    assert client.get(urls[0]).status_code == 302  # to the login page


def test_photo_files_are_not_under_a_public_url(dispute, settings):
    photo = dispute.photos.get()
    assert str(settings.PRIVATE_MEDIA_ROOT) in photo.image.path
    with pytest.raises(ValueError):
        photo.image.url  # noqa: B018
