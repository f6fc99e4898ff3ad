"""Provider suspension (README "Provider suspension"): a suspended provider moves no booking and accepts
no offer; suspending cancels their open bookings and tells the customers; reinstating lets them act again."""

import pytest
from django.urls import reverse

from accounts.models import ProviderProfile
from accounts.services import provider_transition
from accounts.tests.factories import StaffFactory
from bookings.models import Booking, BookingEvent
from bookings.services import allowed_transitions, booking_accept_offer, booking_transition
from bookings.tests.factories import BookingFactory
from notifications.models import Notification
from offers.models import Offer
from offers.tests.factories import OfferFactory
from servizo.exceptions import DomainError, TransitionNotAllowed

S = Booking.Status
PS = ProviderProfile.Status


def _set_status(user, status: str) -> None:
    """Put the profile in `status` without the transition's side effects (to test each guard alone)."""
    ProviderProfile.objects.filter(user=user).update(status=status)


@pytest.mark.django_db
@pytest.mark.parametrize(("frm", "to"), [(S.SCHEDULED, S.IN_PROGRESS), (S.IN_PROGRESS, S.PROVIDER_COMPLETED)])
def test_suspended_provider_cannot_move_a_booking(frm, to):
    booking = BookingFactory(status=frm)
    provider = booking.provider  # loaded before the suspension, as a long-lived object would be
    _set_status(provider, PS.SUSPENDED)

    with pytest.raises(DomainError, match="suspended"):
        booking_transition(booking_id=booking.pk, to_status=to, actor=provider)

    booking.refresh_from_db()
    assert booking.status == frm and not BookingEvent.objects.filter(booking=booking).exists()


@pytest.mark.django_db
def test_suspended_provider_gets_no_buttons_and_the_view_refuses(client):
    booking = BookingFactory(status=S.SCHEDULED)
    _set_status(booking.provider, PS.SUSPENDED)
    client.force_login(booking.provider)

    page = client.get(booking.get_absolute_url())
    response = client.post(
        reverse("bookings:transition", args=[booking.pk]),
        {"to_status": S.IN_PROGRESS, "from_status": S.SCHEDULED},
        follow=True,
    )

    assert "Start the job" not in page.content.decode()
    assert "suspended" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == S.SCHEDULED


@pytest.mark.django_db
def test_deactivated_customer_cannot_move_a_booking():
    booking = BookingFactory(status=S.AWAITING_PAYMENT)
    customer = booking.customer
    type(customer).objects.filter(pk=customer.pk).update(is_active=False)

    with pytest.raises(DomainError, match="deactivated"):
        booking_transition(booking_id=booking.pk, to_status=S.CANCELLED, actor=customer)


@pytest.mark.django_db
def test_suspended_provider_cannot_accept(provider):
    offer = OfferFactory()
    _set_status(provider, PS.SUSPENDED)

    with pytest.raises(DomainError, match="suspended"):
        booking_accept_offer(offer_id=offer.pk, provider=provider, terms_version=offer.terms_version)

    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN and not Booking.objects.exists()


@pytest.mark.django_db
def test_suspended_provider_accept_view_is_forbidden(client, provider):
    offer = OfferFactory()
    _set_status(provider, PS.SUSPENDED)
    client.force_login(provider)

    response = client.post(reverse("bookings:accept", args=[offer.pk]), {"terms_version": offer.terms_version})

    assert response.status_code == 403 and not Booking.objects.exists()


def _suspend(provider, staff):
    return provider_transition(
        profile_id=provider.provider_profile.pk, to_status=PS.SUSPENDED, actor=staff, reason="Fake documents"
    )


@pytest.mark.django_db
def test_suspension_moves_open_bookings_and_notifies_customers(provider, django_capture_on_commit_callbacks):
    staff = StaffFactory()
    unpaid = BookingFactory(provider=provider, status=S.AWAITING_PAYMENT)
    scheduled = BookingFactory(provider=provider, status=S.SCHEDULED)
    started = BookingFactory(provider=provider, status=S.IN_PROGRESS)
    done = BookingFactory(provider=provider, status=S.PROVIDER_COMPLETED)
    other = BookingFactory(status=S.SCHEDULED)  # another provider's: untouched

    with django_capture_on_commit_callbacks(execute=True):
        _suspend(provider, staff)

    for booking in (unpaid, scheduled, started, done, other):
        booking.refresh_from_db()
    assert (unpaid.status, scheduled.status, started.status) == (S.CANCELLED,) * 3
    assert (done.status, other.status) == (S.PROVIDER_COMPLETED, S.SCHEDULED)
    unpaid.offer.refresh_from_db()
    assert unpaid.offer.status == Offer.Status.OPEN  # back on the market
    unpaid_event = unpaid.events.get(to_status=S.CANCELLED)
    assert unpaid_event.actor is None and "Provider suspended" in unpaid_event.note
    for booking in (scheduled, started):
        event = booking.events.get(to_status=S.CANCELLED)
        assert event.actor == staff and "Provider suspended" in event.note  # staff then refund or resolve
        assert S.REFUNDED in allowed_transitions(booking, staff)
    for booking in (unpaid, scheduled, started):
        note = Notification.objects.get(recipient=booking.customer, kind="booking_cancelled")
        assert "Provider suspended" in note.text and "Fake documents" not in note.text


@pytest.mark.django_db
def test_suspension_is_all_or_nothing(provider):
    """Without a staff actor the paid bookings cannot be cancelled: nothing is suspended, nothing moves."""
    scheduled = BookingFactory(provider=provider, status=S.SCHEDULED)

    with pytest.raises(TransitionNotAllowed):
        provider_transition(profile_id=provider.provider_profile.pk, to_status=PS.SUSPENDED, actor=None, reason="Fraud")

    provider.provider_profile.refresh_from_db()
    scheduled.refresh_from_db()
    assert provider.provider_profile.status == PS.APPROVED and scheduled.status == S.SCHEDULED


@pytest.mark.django_db
def test_reinstated_provider_may_act_again(provider):
    staff = StaffFactory()
    _suspend(provider, staff)
    provider_transition(
        profile_id=provider.provider_profile.pk, to_status=PS.APPROVED, actor=staff, reason="Documents checked"
    )
    booking = BookingFactory(provider=provider, status=S.SCHEDULED)
    offer = OfferFactory()

    booking_transition(booking_id=booking.pk, to_status=S.IN_PROGRESS, actor=provider)
    accepted = booking_accept_offer(offer_id=offer.pk, provider=provider, terms_version=offer.terms_version)

    booking.refresh_from_db()
    assert booking.status == S.IN_PROGRESS and accepted.provider == provider
