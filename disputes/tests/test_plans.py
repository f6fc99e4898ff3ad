"""The dashboard's overdue count reads one index range, however many disputes were ever decided."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from disputes.models import Dispute
from disputes.selectors import disputes_overdue_count
from servizo.testing.explain import index_problems

mariadb_only = pytest.mark.skipif("connection.vendor != 'mysql'", reason="needs MariaDB")
DECIDED, OPEN = 600, 7


@mariadb_only
@pytest.mark.django_db(transaction=True)  # ANALYZE TABLE commits implicitly
@pytest.mark.usefixtures("seeded_categories")
def test_overdue_count_uses_the_status_deadline_index():
    template = BookingFactory(status=Booking.Status.RESOLVED)
    fields = {f.attname: getattr(template, f.attname) for f in Booking._meta.concrete_fields if not f.primary_key}
    Booking.objects.bulk_create([Booking(**fields) for _ in range(DECIDED + OPEN - 1)])
    now = timezone.now()
    disputes = [
        Dispute(
            booking_id=booking_id,
            status=Dispute.Status.DECIDED if n >= OPEN else Dispute.Status.AWAITING_DECISION,
            reason=Dispute.Reason.OTHER,
            description="x",
            booking_status_at_open=Booking.Status.PROVIDER_COMPLETED,
            respond_by=now - timedelta(days=3),
            decide_by=now - timedelta(days=1),
        )
        for n, booking_id in enumerate(Booking.objects.order_by("pk").values_list("pk", flat=True))
    ]
    Dispute.objects.bulk_create(disputes)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE TABLE disputes_dispute")

    with CaptureQueriesContext(connection) as queries:
        assert disputes_overdue_count() == OPEN

    (query,) = queries.captured_queries
    assert not index_problems(query["sql"], large_tables={"disputes_dispute"})
