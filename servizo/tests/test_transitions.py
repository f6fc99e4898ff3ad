"""The shared transition helper (servizo.transitions), on a table of its own over the Booking model."""

import pytest
from django.db import transaction

from bookings.models import Booking, BookingEvent
from bookings.tests.factories import BookingFactory
from servizo.exceptions import TransitionNotAllowed
from servizo.transitions import ANYONE, StatusMachine, transition

S = Booking.Status


def _machine(**overrides) -> StatusMachine:
    options = {
        "moves": {
            (S.PROVIDER_COMPLETED, S.COMPLETED): frozenset({"customer"}),
            (S.PROVIDER_COMPLETED, S.DISPUTED): frozenset({ANYONE}),
        },
        "refusal": lambda booking, to: f"Booking {booking.pk} is {booking.status}, not ready for {to}.",
        "timestamps": {S.COMPLETED: "completed_at"},
        "event_model": BookingEvent,
        "event_fk": "booking",
    }
    return StatusMachine(**{**options, **overrides})


def _locked(booking: Booking) -> Booking:
    return Booking.objects.select_for_update().get(pk=booking.pk)


@pytest.mark.django_db
def test_an_allowed_move_writes_status_timestamp_and_one_event_row(customer):
    booking = BookingFactory(status=S.PROVIDER_COMPLETED, offer__customer=customer)

    with transaction.atomic():
        event = transition(
            _machine(), _locked(booking), to_status=S.COMPLETED, actor=customer, role="customer", note="Looks good"
        )

    booking.refresh_from_db()
    assert booking.status == S.COMPLETED
    assert booking.completed_at is not None
    assert list(BookingEvent.objects.filter(booking=booking)) == [event]
    assert (event.actor, event.from_status, event.to_status, event.note) == (
        customer,
        S.PROVIDER_COMPLETED,
        S.COMPLETED,
        "Looks good",
    )


@pytest.mark.django_db
def test_a_move_not_in_the_table_raises_the_machines_message_and_writes_nothing():
    booking = BookingFactory(status=S.SCHEDULED)
    hooked, committed = [], []
    machine = _machine()
    machine.register_hook(S.COMPLETED, lambda obj, event: hooked.append(obj))

    with transaction.atomic(), pytest.raises(TransitionNotAllowed, match=f"Booking {booking.pk} is scheduled"):
        transition(machine, _locked(booking), to_status=S.COMPLETED, role="customer", on_commit=[committed.append])

    booking.refresh_from_db()
    assert (booking.status, booking.completed_at) == (S.SCHEDULED, None)
    assert not BookingEvent.objects.filter(booking=booking).exists()
    assert hooked == committed == []


@pytest.mark.django_db
def test_a_move_is_refused_to_a_role_the_table_does_not_name_and_allowed_to_anyone_where_it_says_so():
    booking = BookingFactory(status=S.PROVIDER_COMPLETED)
    machine = _machine()

    with transaction.atomic():
        with pytest.raises(TransitionNotAllowed):
            transition(machine, _locked(booking), to_status=S.COMPLETED, role="provider")
        transition(machine, _locked(booking), to_status=S.DISPUTED, role="provider")

    assert machine.targets(S.PROVIDER_COMPLETED, "customer") == [S.COMPLETED, S.DISPUTED]
    assert machine.targets(S.PROVIDER_COMPLETED, "provider") == [S.DISPUTED]
    booking.refresh_from_db()
    assert booking.status == S.DISPUTED


@pytest.mark.django_db
def test_registered_hooks_run_inside_the_transaction_with_the_event():
    booking = BookingFactory(status=S.PROVIDER_COMPLETED)
    seen = []
    machine = _machine()
    machine.register_hook(S.DISPUTED, lambda obj, event: seen.append((obj.status, event.to_status)))

    with transaction.atomic():
        transition(machine, _locked(booking), to_status=S.DISPUTED)
        assert seen == [(S.DISPUTED, S.DISPUTED)]


@pytest.mark.django_db
def test_a_machine_without_an_event_log_writes_the_status_and_returns_no_event():
    booking = BookingFactory(status=S.PROVIDER_COMPLETED)

    with transaction.atomic():
        event = transition(_machine(event_model=None), _locked(booking), to_status=S.DISPUTED)

    assert event is None
    assert not BookingEvent.objects.filter(booking=booking).exists()
    assert Booking.objects.get(pk=booking.pk).status == S.DISPUTED


@pytest.mark.django_db(transaction=True)
def test_transition_outside_a_transaction_is_a_programming_error(seeded_categories):
    booking = BookingFactory(status=S.PROVIDER_COMPLETED)

    with pytest.raises(RuntimeError, match="must run inside transaction"):
        transition(_machine(), booking, to_status=S.DISPUTED)

    assert Booking.objects.get(pk=booking.pk).status == S.PROVIDER_COMPLETED


@pytest.mark.django_db(transaction=True)
def test_on_commit_side_effects_run_only_after_commit_and_never_after_a_rollback(seeded_categories):
    booking = BookingFactory(status=S.PROVIDER_COMPLETED)
    sent = []

    with transaction.atomic():
        transition(_machine(), _locked(booking), to_status=S.DISPUTED, on_commit=[lambda: sent.append("email")])
        assert sent == []  # still inside the transaction
    assert sent == ["email"]

    other = BookingFactory(status=S.PROVIDER_COMPLETED)
    with pytest.raises(RuntimeError), transaction.atomic():
        transition(_machine(), _locked(other), to_status=S.DISPUTED, on_commit=[lambda: sent.append("lost")])
        raise RuntimeError("a later step failed")
    assert sent == ["email"]
    assert Booking.objects.get(pk=other.pk).status == S.PROVIDER_COMPLETED
