import pytest
from django.urls import reverse

from bookings.models import Booking
from bookings.services import booking_transition
from bookings.tests.factories import BookingFactory


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.django_db
def test_staff_browse_bookings_with_filters_and_a_flat_query_count(client, staff_user, django_assert_max_num_queries):
    BookingFactory.create_batch(30)
    client.force_login(staff_user)
    url = reverse("admin:bookings_booking_changelist")

    with django_assert_max_num_queries(12):
        response = client.get(url, {"status__exact": Booking.Status.AWAITING_PAYMENT})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 30
    assert "$120.00" in response.content.decode()
    assert client.get(url, {"q": "kitchen"}).status_code == 200


@pytest.mark.django_db
def test_the_booking_is_read_only_in_the_admin_with_its_timeline(client, staff_user):
    booking = BookingFactory()
    booking_transition(booking_id=booking.pk, to_status=Booking.Status.CANCELLED, actor=booking.customer)
    client.force_login(staff_user)
    url = reverse("admin:bookings_booking_change", args=[booking.pk])

    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="status"' not in page and 'name="price_cents"' not in page
    assert "Awaiting payment" in page and "Cancelled" in page  # the event inline

    client.post(url, {"status": Booking.Status.COMPLETED, "price_cents": 1})
    booking.refresh_from_db()
    assert (booking.status, booking.price_cents) == (Booking.Status.CANCELLED, 12000)
    assert client.get(reverse("admin:bookings_booking_add")).status_code == 403
