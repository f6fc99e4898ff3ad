"""Opening and answering a dispute: who may, when, what is written and who is told (once)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from disputes.models import Dispute, DisputePhoto
from disputes.photos import photos_prepare
from disputes.services import MACHINE, dispute_open, dispute_respond
from notifications.models import Notification, OutgoingEmail
from servizo.exceptions import DomainError, TransitionNotAllowed
from servizo.transitions import transition

from .conftest import image_upload, walk_to

S = Booking.Status
DS = Dispute.Status
pytestmark = pytest.mark.django_db


def _open(booking, **kwargs) -> Dispute:
    return dispute_open(
        booking_id=booking.pk,
        customer=booking.customer,
        reason=kwargs.pop("reason", Dispute.Reason.POOR_QUALITY),
        description=kwargs.pop("description", "The tap still leaks."),
        **kwargs,
    )


def test_customer_opens_a_dispute_with_a_photo_and_the_provider_is_told_once(done_booking, settings):
    photos = photos_prepare([image_upload("leak.png", "PNG")])
    Notification.objects.all().delete()
    OutgoingEmail.objects.all().delete()

    dispute = _open(done_booking, photos=photos)

    done_booking.refresh_from_db()
    assert done_booking.status == S.DISPUTED
    assert dispute.status == DS.AWAITING_RESPONSE
    assert dispute.booking_status_at_open == S.PROVIDER_COMPLETED
    assert dispute.respond_by - dispute.created_at == pytest.approx(settings.DISPUTE_RESPONSE_WINDOW, abs=timedelta(1))
    photo = dispute.photos.get()
    assert photo.party == DisputePhoto.Party.CUSTOMER and photo.content_type == "image/jpeg"
    assert photo.image.name.startswith("dispute-photos/") and photo.thumbnail.size < photo.image.size
    assert list(dispute.events.values_list("to_status", flat=True)) == [DS.AWAITING_RESPONSE]
    # One notification and one email to the provider, none to the customer who opened it.
    notices = Notification.objects.filter(recipient=done_booking.provider)
    assert notices.count() == 1 and "can respond until" in notices.get().text
    assert not Notification.objects.filter(recipient=done_booking.customer).exists()
    assert list(OutgoingEmail.objects.values_list("to", flat=True)) == [[done_booking.provider.email]]


def test_a_problem_can_be_reported_on_a_job_in_progress(customer, provider):
    booking = walk_to(BookingFactory(offer__customer=customer, provider=provider), S.SCHEDULED, S.IN_PROGRESS)

    assert _open(booking).booking_status_at_open == S.IN_PROGRESS


@pytest.mark.parametrize("statuses", [(), (S.SCHEDULED,)])
def test_not_before_the_job_starts(customer, provider, statuses):
    booking = walk_to(BookingFactory(offer__customer=customer, provider=provider), *statuses)

    with pytest.raises(TransitionNotAllowed):
        _open(booking)
    assert not Dispute.objects.exists()


def test_only_once_and_only_by_the_customer(done_booking):
    with pytest.raises(DomainError, match="Only the customer"):
        dispute_open(booking_id=done_booking.pk, customer=done_booking.provider, reason="other", description="x")
    _open(done_booking)
    with pytest.raises(DomainError, match="already reported"):
        _open(done_booking)
    assert Dispute.objects.count() == 1


def test_a_reason_from_the_list_and_a_description_are_required(done_booking):
    with pytest.raises(DomainError, match="Choose what went wrong"):
        _open(done_booking, reason="bad")
    with pytest.raises(DomainError, match="Describe"):
        _open(done_booking, description="  ")
    done_booking.refresh_from_db()
    assert done_booking.status == S.PROVIDER_COMPLETED


def test_provider_responds_once_with_photos_and_the_customer_is_told(done_booking, settings):
    _open(done_booking)
    OutgoingEmail.objects.all().delete()

    dispute = dispute_respond(
        booking_id=done_booking.pk,
        provider=done_booking.provider,
        response="The leak is in the old pipe, not my joint.",
        photos=photos_prepare([image_upload("joint.jpg")]),
    )

    assert dispute.status == DS.AWAITING_DECISION and dispute.responded_at is not None
    assert dispute.decide_by - dispute.responded_at == pytest.approx(settings.DISPUTE_DECISION_WINDOW, abs=timedelta(1))
    assert dispute.photos.get().party == DisputePhoto.Party.PROVIDER
    event = dispute.events.last()
    assert (event.actor, event.from_status, event.to_status) == (
        done_booking.provider,
        DS.AWAITING_RESPONSE,
        DS.AWAITING_DECISION,
    )
    assert Notification.objects.filter(recipient=done_booking.customer, kind="dispute_response").count() == 1
    assert list(OutgoingEmail.objects.values_list("to", flat=True)) == [[done_booking.customer.email]]
    with pytest.raises(DomainError, match="already responded"):
        dispute_respond(booking_id=done_booking.pk, provider=done_booking.provider, response="Again")


def test_no_response_after_the_deadline_or_from_the_customer(done_booking):
    dispute = _open(done_booking)
    with pytest.raises(DomainError, match="Only the provider"):
        dispute_respond(booking_id=done_booking.pk, provider=done_booking.customer, response="me")
    Dispute.objects.filter(pk=dispute.pk).update(respond_by=timezone.now() - timedelta(minutes=1))

    with pytest.raises(DomainError, match="time to respond ended"):
        dispute_respond(booking_id=done_booking.pk, provider=done_booking.provider, response="Late")
    dispute.refresh_from_db()
    assert dispute.status == DS.AWAITING_RESPONSE and dispute.response == ""


@pytest.mark.parametrize(
    ("from_status", "to_status", "role"),
    [
        (DS.AWAITING_RESPONSE, DS.AWAITING_DECISION, "customer"),  # only the provider answers
        (DS.AWAITING_RESPONSE, DS.DECIDED, "provider"),  # only staff decide
        (DS.AWAITING_DECISION, DS.AWAITING_RESPONSE, "staff"),  # no way back
        (DS.DECIDED, DS.AWAITING_DECISION, "staff"),  # a decision is final here (a new one is a settlement)
    ],
)
def test_the_transition_table_refuses_other_moves(done_booking, from_status, to_status, role):
    dispute = _open(done_booking)
    Dispute.objects.filter(pk=dispute.pk).update(status=from_status)
    dispute.refresh_from_db()

    with transaction.atomic(), pytest.raises(TransitionNotAllowed):
        transition(MACHINE, dispute, to_status=to_status, role=role)

    dispute.refresh_from_db()
    assert dispute.status == from_status and dispute.events.count() == 1
