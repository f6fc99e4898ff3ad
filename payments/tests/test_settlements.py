import pytest
from django.core.management import call_command

from bookings.models import Booking
from payments.models import Settlement
from payments.selectors import booking_balance, needs_decision_bookings, provider_balance
from payments.services.payouts import payouts_run
from payments.services.settlements import SettlementBasisChanged, settlement_basis, settlement_create
from payments.stripe_gateway import stripe_client
from payments.tests.conftest import walk
from servizo.exceptions import DomainError

pytestmark = pytest.mark.django_db
S = Booking.Status
D = Settlement.Decision


def stripe_refunded(booking) -> int:
    intent = booking.payments.get(status="succeeded").payment_intent_id
    return sum(r.amount for r in stripe_client().v1.refunds.list({"payment_intent": intent}).data)


def test_dispute_freezes_escrow_until_staff_decide(paid_booking):
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.DISPUTED)

    assert list(needs_decision_bookings()) == [booking]
    assert booking_balance(booking_id=booking.pk).held == 12000


def test_split_refunds_part_and_releases_the_rest_with_commission_on_it(
    paid_booking, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.DISPUTED)

    with django_capture_on_commit_callbacks(execute=True):
        settlement = settlement_create(
            booking_id=booking.pk, decision=D.SPLIT, refund_cents=3000, reason="Half the lights", actor=staff_user
        )

    booking.refresh_from_db()
    balance = booking_balance(booking_id=booking.pk)
    assert settlement.status == Settlement.Status.SUCCEEDED and settlement.stripe_refund_id.startswith("re_")
    assert (balance.refunded, balance.released_provider, balance.released_commission, balance.held) == (
        3000, 7200, 1800, 0,
    )  # fmt: skip
    assert stripe_refunded(booking) == 3000
    assert booking.status == S.RESOLVED
    assert booking.events.last().actor == staff_user and "Half the lights" in booking.events.last().note
    assert {m.to[0] for m in mailoutbox} >= {booking.customer.email, booking.provider.email}
    assert not needs_decision_bookings().exists()


def test_a_decision_taken_on_figures_that_changed_is_refused_and_moves_no_money(paid_booking, staff_user):
    # Given two staff members who opened the same disputed booking
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.DISPUTED)
    seen = settlement_basis(booking=booking, balance=booking_balance(booking_id=booking.pk))
    settlement_create(
        booking_id=booking.pk, decision=D.SPLIT, refund_cents=3000, reason="Half", actor=staff_user, basis=seen
    )

    # When the second one splits on the figures they saw
    with pytest.raises(
        SettlementBasisChanged, match=r"now resolved by staff; paid \$120\.00, held \$0\.00, refunded \$30\.00"
    ):
        settlement_create(
            booking_id=booking.pk, decision=D.SPLIT, refund_cents=3000, reason="Half", actor=staff_user, basis=seen
        )

    # Then only the first refund happened; on the current figures a further decision is taken
    assert booking.settlements.count() == 1
    assert stripe_refunded(booking) == 3000
    booking.refresh_from_db()
    current = settlement_basis(booking=booking, balance=booking_balance(booking_id=booking.pk))
    settlement_create(
        booking_id=booking.pk, decision=D.SPLIT, refund_cents=1000, reason="More", actor=staff_user, basis=current
    )
    assert stripe_refunded(booking) == 4000


def test_refund_all_of_a_cancelled_booking(paid_booking, staff_user):
    booking = walk(paid_booking, S.CANCELLED)

    settlement_create(booking_id=booking.pk, decision=D.REFUND_ALL, reason="Customer cancelled", actor=staff_user)

    booking.refresh_from_db()
    assert booking.status == S.REFUNDED
    assert booking_balance(booking_id=booking.pk).refunded == 12000
    assert stripe_refunded(booking) == 12000


def test_release_all_pays_the_provider_with_no_stripe_refund(paid_booking, staff_user):
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.DISPUTED)

    settlement_create(booking_id=booking.pk, decision=D.RELEASE_ALL, reason="Work was done", actor=staff_user)

    booking.refresh_from_db()
    assert booking.status == S.RESOLVED
    assert provider_balance(provider=booking.provider).available == 9600
    assert stripe_refunded(booking) == 0


def test_staff_refund_of_a_scheduled_booking_cancels_it_first(paid_booking, staff_user):
    settlement_create(booking_id=paid_booking.pk, decision=D.REFUND_ALL, reason="Provider ill", actor=staff_user)

    statuses = list(paid_booking.events.values_list("to_status", flat=True))
    assert statuses[-2:] == [S.CANCELLED, S.REFUNDED]


def test_refund_after_payout_reverses_the_providers_share(completed_booking, staff_user):
    payouts_run()
    assert provider_balance(provider=completed_booking.provider).paid_out == 9600

    settlement = settlement_create(
        booking_id=completed_booking.pk, decision=D.SPLIT, refund_cents=6000, reason="Partly redone", actor=staff_user
    )

    balance = booking_balance(booking_id=completed_booking.pk)
    # Kept 6000 -> provider 4800, commission 1200; the provider had 9600, so 4800 is reversed.
    assert settlement.reversal_cents == 4800
    assert (balance.released_provider, balance.released_commission, balance.paid_out) == (4800, 1200, 4800)
    transfer = stripe_client().v1.transfers.retrieve(completed_booking.transfer.stripe_transfer_id)
    assert transfer.amount_reversed == 4800
    assert stripe_refunded(completed_booking) == 6000
    completed_booking.refresh_from_db()
    assert completed_booking.status == S.COMPLETED
    assert "Partly redone" in completed_booking.events.last().note
    call_command("audit_ledger")


def test_refund_before_payout_pays_out_only_the_reduced_share(completed_booking, staff_user):
    settlement_create(
        booking_id=completed_booking.pk, decision=D.SPLIT, refund_cents=2000, reason="Late", actor=staff_user
    )

    summary = payouts_run()

    assert summary.amount_cents == 8000  # split(10 000) -> 8 000 / 2 000
    assert booking_balance(booking_id=completed_booking.pk).released_commission == 2000
    call_command("audit_ledger")


@pytest.mark.parametrize(
    ("decision", "refund", "message"),
    [
        (D.SPLIT, 0, "more than 0"),
        (D.SPLIT, 12000, "less than"),
        (D.SPLIT, None, "more than 0"),
    ],
)
def test_bad_amounts_are_refused_and_change_nothing(paid_booking, staff_user, decision, refund, message):
    booking = walk(paid_booking, S.CANCELLED)

    with pytest.raises(DomainError, match=message):
        settlement_create(booking_id=booking.pk, decision=decision, refund_cents=refund, reason="x", actor=staff_user)

    assert not Settlement.objects.exists()
    assert booking_balance(booking_id=booking.pk).held == 12000


def test_only_staff_decide_and_only_on_settleable_bookings(paid_booking, staff_user):
    with pytest.raises(DomainError, match="Only staff"):
        settlement_create(booking_id=paid_booking.pk, decision=D.REFUND_ALL, reason="mine", actor=paid_booking.customer)
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED)
    with pytest.raises(DomainError, match="cannot be settled yet"):
        settlement_create(booking_id=booking.pk, decision=D.REFUND_ALL, reason="early", actor=staff_user)


def test_stripe_down_keeps_the_decision_pending_and_retry_finishes_it(paid_booking, staff_user, localstripe):
    from payments.services.settlements import settlement_resume
    from payments.stripe_gateway import PaymentServiceUnavailable

    booking = walk(paid_booking, S.CANCELLED)
    localstripe.stop()
    with pytest.raises(PaymentServiceUnavailable):
        settlement_create(booking_id=booking.pk, decision=D.REFUND_ALL, reason="Cancelled", actor=staff_user)
    settlement = Settlement.objects.get()
    assert settlement.status == Settlement.Status.PENDING
    assert booking_balance(booking_id=booking.pk).held == 12000

    localstripe.start()
    settlement_resume(settlement_id=settlement.pk)

    assert booking_balance(booking_id=booking.pk).refunded == 12000
    assert stripe_refunded(booking) == 12000
