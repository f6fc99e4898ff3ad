"""Disputes on paid bookings: escrow held while open, staff split from the settle page, both told why.

Real MariaDB (or SQLite), Redis and localstripe; nothing mocked.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from console.dashboard import dashboard_figures
from disputes.models import Dispute
from disputes.photos import photos_prepare
from disputes.services import dispute_open, dispute_respond
from disputes.tests.conftest import image_upload
from notifications.models import Notification, OutgoingEmail
from payments.models import Settlement
from payments.selectors import booking_balance
from payments.services.settlements import settlement_basis, settlement_create
from payments.tests.conftest import walk
from reviews.services import review_create

pytestmark = pytest.mark.django_db
S = Booking.Status
DS = Dispute.Status


def _dispute(booking: Booking, reason: str = Dispute.Reason.NOT_FINISHED) -> Dispute:
    return dispute_open(
        booking_id=booking.pk,
        customer=booking.customer,
        reason=reason,
        description="Two of the four lights were not installed.",
        photos=photos_prepare([image_upload("ceiling.jpg")]),
    )


@pytest.mark.parametrize("steps", [(S.IN_PROGRESS,), (S.IN_PROGRESS, S.PROVIDER_COMPLETED)])
def test_auto_release_skips_a_disputed_booking(paid_booking, settings, steps):
    booking = walk(paid_booking, *steps)
    _dispute(booking)
    Booking.objects.filter(pk=booking.pk).update(
        provider_completed_at=timezone.now() - settings.ESCROW_AUTO_RELEASE_AFTER - timedelta(days=1)
    )

    call_command("release_escrow")

    booking.refresh_from_db()
    assert booking.status == S.DISPUTED
    assert booking_balance(booking_id=booking.pk).held == 12000


def test_staff_split_closes_the_dispute_and_both_parties_get_the_reason_once(
    paid_booking, support_user, django_capture_on_commit_callbacks
):
    # Given a disputed $120.00 booking the provider answered
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED)
    _dispute(booking)
    dispute_respond(booking_id=booking.pk, provider=booking.provider, response="Two fittings were missing.")
    Notification.objects.all().delete()
    OutgoingEmail.objects.all().delete()

    # When Support refunds $60.00 with a reason
    with django_capture_on_commit_callbacks(execute=True):
        settlement_create(
            booking_id=booking.pk,
            decision=Settlement.Decision.SPLIT,
            refund_cents=6000,
            reason="Half the job was done.",
            actor=support_user,
        )

    # Then the money is split, the dispute is decided with the reason, and each party is told why
    booking.refresh_from_db()
    balance = booking_balance(booking_id=booking.pk)
    assert booking.status == S.RESOLVED
    assert (balance.refunded, balance.released_provider, balance.released_commission, balance.held) == (
        6000, 4800, 1200, 0,
    )  # fmt: skip
    dispute = Dispute.objects.get(booking=booking)
    assert dispute.status == DS.DECIDED and "Half the job was done." in dispute.decision_note
    assert list(dispute.events.values_list("to_status", flat=True)) == [
        DS.AWAITING_RESPONSE,
        DS.AWAITING_DECISION,
        DS.DECIDED,
    ]
    assert dispute.events.last().actor == support_user
    for party in (booking.customer, booking.provider):
        assert any("Half the job was done." in n.text for n in Notification.objects.filter(recipient=party))
        assert any(
            "Half the job was done." in email.body for email in OutgoingEmail.objects.all() if email.to == [party.email]
        )
    call_command("audit_ledger")


def test_customer_can_review_a_job_settled_with_part_paid_to_the_provider(paid_booking, staff_user):
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED)
    _dispute(booking)
    settlement_create(
        booking_id=booking.pk, decision=Settlement.Decision.SPLIT, refund_cents=2000, reason="Partly", actor=staff_user
    )

    review = review_create(booking_id=booking.pk, customer=booking.customer, rating=3, comment="Finished late.")

    assert review.booking_id == booking.pk


def test_settle_page_shows_both_sides_the_timeline_and_a_suggestion_in_money(client, paid_booking, support_user):
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED)
    dispute = _dispute(booking)
    dispute_respond(
        booking_id=booking.pk,
        provider=booking.provider,
        response="Two fittings were missing.",
        photos=photos_prepare([image_upload("fittings.png", "PNG")]),
    )
    client.force_login(support_user)

    page = client.get(reverse("admin:payments_bookingdecision_settle", args=[booking.pk])).content.decode()

    assert "Two of the four lights were not installed." in page
    assert "Two fittings were missing." in page
    for photo in dispute.photos.all():
        assert reverse("disputes:thumbnail", args=[photo.pk]) in page
    assert 'id="settle-timeline"' in page and "Marked done by provider" in page
    assert f"?booking__id__exact={booking.pk}" in page
    # NOT_FINISHED suggests half back: $60.00 refunded, $48.00 to the provider, $12.00 commission.
    assert "Refund part, release the rest.</strong>" in page
    assert "Refund $60.00 to the customer; the provider gets $48.00 and Servizo $12.00." in page
    assert "20 %" in page and " bp" not in page


def test_suggestion_is_a_full_refund_when_the_provider_did_not_respond_in_time(client, paid_booking, support_user):
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED)
    dispute = _dispute(booking)
    Dispute.objects.filter(pk=dispute.pk).update(respond_by=timezone.now() - timedelta(minutes=1))
    client.force_login(support_user)

    page = client.get(reverse("admin:payments_bookingdecision_settle", args=[booking.pk])).content.decode()

    assert "did not respond in time" in page and "Refund $120.00 to the customer" in page


def test_disputes_past_their_deadline_are_flagged_on_the_dashboard(client, paid_booking, support_user):
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED)
    dispute = _dispute(booking)
    assert dashboard_figures().disputes_overdue == 0

    Dispute.objects.filter(pk=dispute.pk).update(decide_by=timezone.now() - timedelta(minutes=1))

    assert dashboard_figures().disputes_overdue == 1
    client.force_login(support_user)
    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="figure-disputes-overdue"' in page
    listing = client.get(reverse("admin:disputes_dispute_changelist") + "?overdue=1").content.decode()
    assert reverse("admin:payments_bookingdecision_settle", args=[booking.pk]) in listing
    # A decided dispute is no longer flagged.
    settlement_create(
        booking_id=booking.pk,
        decision=Settlement.Decision.REFUND_ALL,
        reason="No answer.",
        actor=support_user,
        basis=settlement_basis(
            booking=Booking.objects.get(pk=booking.pk), balance=booking_balance(booking_id=booking.pk)
        ),
    )
    assert dashboard_figures().disputes_overdue == 0
