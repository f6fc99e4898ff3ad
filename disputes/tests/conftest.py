import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from bookings.models import Booking
from bookings.services import booking_transition
from bookings.tests.factories import BookingFactory

S = Booking.Status


def image_upload(name: str = "photo.jpg", fmt: str = "JPEG", size=(1200, 900), color="red") -> SimpleUploadedFile:
    """A real image of `fmt` (JPEG, PNG, HEIF...) as the browser would upload it."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def walk_to(booking: Booking, *statuses: str) -> Booking:
    """Move an (unpaid) booking along with the right actor for each step; the money is not looked at here."""
    actors = {S.SCHEDULED: None, S.IN_PROGRESS: booking.provider, S.PROVIDER_COMPLETED: booking.provider}
    for status in statuses:
        booking_transition(booking_id=booking.pk, to_status=status, actor=actors[status])
    booking.refresh_from_db()
    return booking


@pytest.fixture
def done_booking(customer, provider):
    """A booking the provider marked done (escrow would release automatically in 3 days)."""
    return walk_to(
        BookingFactory(offer__customer=customer, provider=provider), S.SCHEDULED, S.IN_PROGRESS, S.PROVIDER_COMPLETED
    )
