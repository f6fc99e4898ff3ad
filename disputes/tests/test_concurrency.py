import threading

import pytest
from django.db import connection

from bookings.models import Booking
from disputes.models import Dispute
from disputes.services import dispute_open
from servizo.exceptions import DomainError


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_categories")
def test_a_double_submitted_report_makes_one_dispute(done_booking):
    """Two threads submit the same report at once (a double click on a slow connection, real MariaDB).

    The booking lock serializes them: one opens the dispute, the other is told it was already reported
    (or that the booking is disputed now); never two disputes, two events or two notices.
    """
    start, outcomes = threading.Barrier(2), []

    def report():
        try:
            start.wait(5)
            dispute_open(booking_id=done_booking.pk, customer=done_booking.customer, reason="other", description="x")
            outcomes.append("opened")
        except DomainError as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=report) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["DomainError", "opened"]
    assert Dispute.objects.count() == 1
    assert Booking.objects.get(pk=done_booking.pk).events.filter(to_status=Booking.Status.DISPUTED).count() == 1
