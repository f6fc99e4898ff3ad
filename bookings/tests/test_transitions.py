"""Every (from, to) pair of booking states, by every role: allowed exactly when TRANSITIONS says so."""

import itertools
import re

import pytest

from accounts.tests.factories import CustomerFactory, ProviderFactory, StaffFactory
from bookings.models import Booking, BookingEvent
from bookings.services import (
    REASON_REQUIRED,
    TRANSITIONS,
    Actor,
    allowed_transitions,
    booking_note_add,
    booking_transition,
)
from bookings.tests.factories import BookingFactory
from servizo.exceptions import DomainError, TransitionNotAllowed

S = Booking.Status
ROLES = [*Actor, "stranger_customer", "stranger_provider"]
PAIRS = [(frm, to) for frm, to in itertools.product(S.values, S.values) if frm != to]


def _actor_for(booking: Booking, role: str):
    return {
        Actor.CUSTOMER: lambda: booking.customer,
        Actor.PROVIDER: lambda: booking.provider,
        Actor.STAFF: StaffFactory,
        Actor.SYSTEM: lambda: None,
        "stranger_customer": CustomerFactory,
        "stranger_provider": ProviderFactory,
    }[role]()


@pytest.mark.django_db
@pytest.mark.parametrize(("frm", "to"), PAIRS)
@pytest.mark.parametrize("role", ROLES)
def test_each_move_is_allowed_exactly_for_the_roles_in_the_table(frm, to, role):
    booking = BookingFactory(status=frm)
    actor = _actor_for(booking, role)
    allowed = role in TRANSITIONS.get((frm, to), frozenset())
    assert (to in allowed_transitions(booking, actor)) == allowed

    if allowed:
        booking_transition(booking_id=booking.pk, to_status=to, actor=actor, note="Because.")
        booking.refresh_from_db()
        assert booking.status == to
        event = BookingEvent.objects.get(booking=booking)
        assert (event.from_status, event.to_status, event.actor, event.note) == (frm, to, actor, "Because.")
    else:
        with pytest.raises(TransitionNotAllowed):
            booking_transition(booking_id=booking.pk, to_status=to, actor=actor, note="Because.")
        booking.refresh_from_db()
        assert booking.status == frm
        assert not BookingEvent.objects.filter(booking=booking).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("frm", "to"), sorted(REASON_REQUIRED))
def test_moves_that_need_a_reason_refuse_a_blank_one(frm, to):
    booking = BookingFactory(status=frm)
    parties = TRANSITIONS[(frm, to)] - {Actor.STAFF, Actor.SYSTEM}
    role = next(iter(parties), Actor.STAFF)  # a job in progress only staff cancel (cancellation policy)
    actor = _actor_for(booking, role)

    with pytest.raises(TransitionNotAllowed, match="reason"):
        booking_transition(booking_id=booking.pk, to_status=to, actor=actor, note="   ")

    booking.refresh_from_db()
    assert booking.status == frm


@pytest.mark.django_db
def test_unknown_status_and_repeated_move_are_refused_with_a_clear_message():
    booking = BookingFactory(status=S.COMPLETED)

    with pytest.raises(TransitionNotAllowed, match="Unknown"):
        booking_transition(booking_id=booking.pk, to_status="teleported", actor=booking.customer)
    with pytest.raises(TransitionNotAllowed, match="already completed"):
        booking_transition(booking_id=booking.pk, to_status=S.COMPLETED, actor=booking.customer)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("seen", "now", "actor", "to"),
    [
        (S.AWAITING_PAYMENT, S.SCHEDULED, Actor.CUSTOMER, S.CANCELLED),  # paid in another tab meanwhile
        (S.SCHEDULED, S.IN_PROGRESS, Actor.STAFF, S.CANCELLED),  # the provider started meanwhile
        (S.SCHEDULED, S.IN_PROGRESS, Actor.PROVIDER, S.PROVIDER_COMPLETED),  # started in another tab
    ],
)
def test_a_move_made_on_a_status_that_changed_since_is_refused_and_writes_nothing(seen, now, actor, to):
    booking = BookingFactory(status=now)

    with pytest.raises(
        TransitionNotAllowed, match=re.escape(f"changed since you opened it: it is now {S(now).label.lower()}.")
    ):
        booking_transition(
            booking_id=booking.pk,
            to_status=to,
            actor=_actor_for(booking, actor),
            note="Changed plans",
            from_status=seen,
        )

    booking.refresh_from_db()
    assert booking.status == now
    assert not BookingEvent.objects.filter(booking=booking).exists()
    booking_transition(
        booking_id=booking.pk, to_status=to, actor=_actor_for(booking, actor), note="Changed plans", from_status=now
    )
    booking.refresh_from_db()
    assert booking.status == to


@pytest.mark.django_db
def test_hooks_run_inside_the_transaction_with_the_new_event(monkeypatch):
    from bookings import services

    seen = []
    monkeypatch.setitem(
        services.MACHINE._hooks, S.IN_PROGRESS, [lambda booking, event: seen.append((booking.status, event))]
    )
    booking = BookingFactory(status=S.SCHEDULED)

    booking_transition(booking_id=booking.pk, to_status=S.IN_PROGRESS, actor=booking.provider)

    assert len(seen) == 1
    assert seen[0][0] == S.IN_PROGRESS
    assert seen[0][1].to_status == S.IN_PROGRESS


@pytest.mark.django_db
def test_a_failing_hook_rolls_the_whole_move_back(monkeypatch):
    from bookings import services

    def broken(booking, event):
        raise RuntimeError("escrow unavailable")

    monkeypatch.setitem(services.MACHINE._hooks, S.COMPLETED, [broken])
    booking = BookingFactory(status=S.PROVIDER_COMPLETED)

    with pytest.raises(RuntimeError):
        booking_transition(booking_id=booking.pk, to_status=S.COMPLETED, actor=booking.customer)

    booking.refresh_from_db()
    assert booking.status == S.PROVIDER_COMPLETED
    assert not booking.events.exists()


@pytest.mark.django_db
def test_the_other_party_is_told_on_commit_by_notification_and_email(django_capture_on_commit_callbacks, mailoutbox):
    booking = BookingFactory(status=S.SCHEDULED)

    with django_capture_on_commit_callbacks(execute=True):
        booking_transition(booking_id=booking.pk, to_status=S.CANCELLED, actor=booking.provider, note="Van broke.")

    assert list(booking.customer.notifications.values_list("kind", flat=True)) == ["booking_cancelled"]
    assert not booking.provider.notifications.exists()
    assert [mail.to for mail in mailoutbox] == [[booking.customer.email]]
    assert "Van broke." in mailoutbox[0].body
    assert f"/bookings/{booking.pk}/" in mailoutbox[0].body


@pytest.mark.django_db
def test_when_the_system_acts_both_parties_are_told_it_was_automatic(django_capture_on_commit_callbacks, mailoutbox):
    booking = BookingFactory(status=S.PROVIDER_COMPLETED)

    with django_capture_on_commit_callbacks(execute=True):
        booking_transition(booking_id=booking.pk, to_status=S.COMPLETED, actor=None, note="Auto-confirmed.")

    # (Other apps' completion hooks, e.g. the review prompt, may send mails of their own.)
    transition_mails = [mail for mail in mailoutbox if "Servizo (automatically)" in mail.body]
    assert sorted(mail.to[0] for mail in transition_mails) == sorted([booking.customer.email, booking.provider.email])


@pytest.mark.django_db
def test_nothing_is_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks, mailoutbox):
    from django.db import transaction

    booking = BookingFactory(status=S.SCHEDULED)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        booking_transition(booking_id=booking.pk, to_status=S.IN_PROGRESS, actor=booking.provider)
        raise RuntimeError

    assert mailoutbox == []


@pytest.mark.django_db
def test_a_timeline_note_is_an_event_without_a_status_change(staff_user):
    booking = BookingFactory(status=S.COMPLETED)

    event = booking_note_add(booking_id=booking.pk, actor=staff_user, note="  Refunded 10.00 after the job.  ")

    assert (event.actor, event.from_status, event.to_status, event.note) == (
        staff_user,
        S.COMPLETED,
        S.COMPLETED,
        "Refunded 10.00 after the job.",
    )
    booking.refresh_from_db()
    assert booking.status == S.COMPLETED


@pytest.mark.django_db
def test_an_empty_timeline_note_is_refused():
    booking = BookingFactory(status=S.COMPLETED)

    with pytest.raises(DomainError):
        booking_note_add(booking_id=booking.pk, actor=None, note="   ")

    assert not BookingEvent.objects.filter(booking=booking).exists()
