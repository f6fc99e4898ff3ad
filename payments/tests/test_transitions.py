"""Payment, Transfer and Settlement statuses move only through their tables (payments.services.transitions)."""

import pytest
from django.db import transaction

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from payments.models import Payment, Settlement, Transfer
from payments.services.payouts import _transfer_fail
from payments.services.transitions import payment_transition, settlement_transition, transfer_transition
from servizo.exceptions import TransitionNotAllowed

P, T = Payment.Status, Transfer.Status


def _payment(status: str) -> Payment:
    booking = BookingFactory(status=Booking.Status.SCHEDULED)
    return Payment.objects.create(
        booking=booking,
        attempt=1,
        status=status,
        amount_cents=booking.price_cents,
        currency=booking.currency,
        payment_method_id="pm_test",
        idempotency_key=f"test-booking-{booking.pk}-payment-1",
    )


def _transfer(status: str) -> Transfer:
    booking = BookingFactory(status=Booking.Status.COMPLETED)
    return Transfer.objects.create(
        booking=booking,
        provider=booking.provider,
        amount_cents=8000,
        currency=booking.currency,
        destination="acct_test",
        status=status,
        stripe_transfer_id="tr_test" if status == T.PAID else "",
        idempotency_key=f"test-booking-{booking.pk}-transfer-1",
    )


def _settlement(status: str) -> Settlement:
    booking = BookingFactory(status=Booking.Status.REFUNDED)
    return Settlement.objects.create(
        booking=booking,
        decision=Settlement.Decision.REFUND_ALL,
        refund_cents=booking.price_cents,
        currency=booking.currency,
        reason="No-show",
        status=status,
        stripe_refund_id="re_test",
        idempotency_key=f"test-booking-{booking.pk}-settlement-1",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("to", [P.FAILED, P.CANCELED, P.PROCESSING, P.CREATING])
def test_a_paid_payment_never_moves_again(to):
    payment = _payment(P.SUCCEEDED)

    with transaction.atomic(), pytest.raises(TransitionNotAllowed, match="is succeeded; it cannot become"):
        payment_transition(
            payment=Payment.objects.select_for_update().get(pk=payment.pk),
            to_status=to,
            fields={"failure_message": "x"},
        )

    payment.refresh_from_db()
    assert (payment.status, payment.failure_message) == (P.SUCCEEDED, "")


@pytest.mark.django_db
def test_a_payment_reported_paid_after_a_decline_is_recorded_paid_with_its_time():
    payment = _payment(P.FAILED)

    with transaction.atomic():
        payment_transition(
            payment=Payment.objects.select_for_update().get(pk=payment.pk),
            to_status=P.SUCCEEDED,
            fields={"charge_id": "ch_test"},
        )

    payment.refresh_from_db()
    assert (payment.status, payment.charge_id) == (P.SUCCEEDED, "ch_test")
    assert payment.paid_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize("to", [T.PENDING, T.FAILED])
def test_a_paid_transfer_never_moves_again(to):
    transfer = _transfer(T.PAID)

    with transaction.atomic(), pytest.raises(TransitionNotAllowed, match="is paid; it cannot become"):
        transfer_transition(transfer=Transfer.objects.select_for_update().get(pk=transfer.pk), to_status=to)

    transfer.refresh_from_db()
    assert (transfer.status, transfer.stripe_transfer_id) == (T.PAID, "tr_test")


@pytest.mark.django_db
def test_a_refused_transfer_recorded_paid_meanwhile_stays_paid():
    transfer = _transfer(T.PAID)  # the webhook recorded it while the payout run heard a refusal

    _transfer_fail(transfer, "Stripe refused")

    transfer.refresh_from_db()
    assert (transfer.status, transfer.error) == (T.PAID, "")


@pytest.mark.django_db
def test_a_refused_transfer_is_failed_with_the_reason():
    transfer = _transfer(T.PENDING)

    _transfer_fail(transfer, "Account disabled")

    transfer.refresh_from_db()
    assert (transfer.status, transfer.error) == (T.FAILED, "Account disabled")


@pytest.mark.django_db
@pytest.mark.parametrize("to", [Settlement.Status.PENDING, Settlement.Status.FAILED, Settlement.Status.SUCCEEDED])
def test_a_recorded_settlement_never_moves_again(to):
    settlement = _settlement(Settlement.Status.SUCCEEDED)

    with transaction.atomic(), pytest.raises(TransitionNotAllowed, match="is succeeded; it cannot become"):
        settlement_transition(
            settlement=Settlement.objects.select_for_update().get(pk=settlement.pk),
            to_status=to,
            fields={"stripe_refund_id": "re_other"},
        )

    settlement.refresh_from_db()
    assert (settlement.status, settlement.stripe_refund_id) == (Settlement.Status.SUCCEEDED, "re_test")
