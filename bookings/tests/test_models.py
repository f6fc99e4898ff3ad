"""The booking status phases: one definition on `Booking`, asked by selectors, services and templates."""

import pytest

from bookings.models import Booking

S = Booking.Status
ALL = frozenset(S)


def test_each_phase_holds_exactly_its_statuses():
    assert {S.SCHEDULED, S.IN_PROGRESS} == Booking.UPCOMING
    assert {S.AWAITING_PAYMENT, S.SCHEDULED, S.IN_PROGRESS} == Booking.UNFINISHED
    assert {S.AWAITING_PAYMENT, S.PROVIDER_COMPLETED} == Booking.NEEDS_CUSTOMER_ACTION
    assert {S.CANCELLED, S.DISPUTED} == Booking.NEEDS_DECISION
    assert {S.SCHEDULED, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.CANCELLED, S.DISPUTED} == Booking.HOLDS_MONEY
    assert ALL - {S.AWAITING_PAYMENT, S.PROVIDER_COMPLETED} == Booking.SETTLEABLE
    assert {S.COMPLETED, S.CANCELLED, S.REFUNDED, S.RESOLVED} == Booking.CLOSED
    assert {S.COMPLETED, S.CANCELLED, S.DISPUTED, S.REFUNDED, S.RESOLVED} == Booking.HISTORY


def test_the_customer_panels_show_every_booking_exactly_once():
    panels = [Booking.NEEDS_CUSTOMER_ACTION, Booking.UPCOMING, Booking.HISTORY]
    assert sum(len(panel) for panel in panels) == len(ALL)
    assert frozenset().union(*panels) == ALL


def test_phases_agree_with_each_other():
    assert Booking.NEEDS_DECISION <= Booking.HOLDS_MONEY  # frozen escrow is held escrow
    assert not Booking.HOLDS_MONEY & (Booking.CLOSED - Booking.NEEDS_DECISION)  # settled bookings hold nothing
    assert Booking.UPCOMING <= Booking.SETTLEABLE  # staff may refund an active booking (cancelling it first)
    assert Booking.NEEDS_DECISION <= Booking.SETTLEABLE
    assert not Booking.UNFINISHED & Booking.CLOSED


def test_history_menu_lists_its_statuses_in_status_order():
    assert Booking.in_status_order(Booking.HISTORY) == [S.COMPLETED, S.CANCELLED, S.DISPUTED, S.REFUNDED, S.RESOLVED]


@pytest.mark.parametrize("status", list(S))
def test_the_properties_ask_the_phases(status):
    booking = Booking(status=status)
    assert booking.is_closed == (status in Booking.CLOSED)
    assert booking.needs_decision == (status in Booking.NEEDS_DECISION)
    assert booking.holds_money == (status in Booking.HOLDS_MONEY)
    assert booking.is_awaiting_payment == (status == S.AWAITING_PAYMENT)
    assert booking.is_completed == (status == S.COMPLETED)
