import pytest

from bookings.tests.factories import BookingFactory
from reviews.tests.factories import complete_booking


@pytest.fixture
def booking(customer, provider):
    """A booking between the `customer` and `provider` fixtures, completed through booking_transition."""
    return complete_booking(BookingFactory(offer__customer=customer, provider=provider))
