import pytest
from django.core.management import call_command

from bookings.models import Booking
from notifications.models import Notification
from payments.models import Settlement
from payments.selectors import booking_balance, needs_decision_bookings, provider_balance
from payments.services.payouts import payouts_run
from payments.services.settlements import (
    SettlementBasisChanged,
    SettlementNotAllowed,
    SettlementPending,
    settlement_basis,
    settlement_create,
    settlement_retry,
)
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
    with pytest.raises(SettlementBasisChanged, match=r"now resolved; paid \$120\.00, held \$0\.00, refunded \$30\.00"):
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
    booking = walk(paid_booking, S.CANCELLED)
    localstripe.stop()
    with pytest.raises(SettlementPending, match="No money has moved yet"):
        settlement_create(booking_id=booking.pk, decision=D.REFUND_ALL, reason="Cancelled", actor=staff_user)
    settlement = Settlement.objects.get()
    assert settlement.status == Settlement.Status.PENDING
    assert booking_balance(booking_id=booking.pk).held == 12000

    localstripe.start()
    settlement_retry(settlement_id=settlement.pk, actor=staff_user)

    assert booking_balance(booking_id=booking.pk).refunded == 12000
    assert stripe_refunded(booking) == 12000


def test_stripe_down_on_a_scheduled_refund_says_what_happened_and_the_retry_completes_it(
    paid_booking, finance_user, localstripe, django_capture_on_commit_callbacks
):
    """Given Stripe unreachable, a Finance refund of a scheduled booking cancels it (told to both parties
    as "being processed"), moves no money and says so; once Stripe is back, the retry finishes it."""
    booking = paid_booking
    localstripe.stop()
    try:
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(SettlementPending) as raised:
            settlement_create(booking_id=booking.pk, decision=D.REFUND_ALL, reason="Provider ill", actor=finance_user)
        message = str(raised.value)
        assert "Stripe could not be reached" in message and "No money has moved yet" in message
        assert f"Booking #{booking.pk} was cancelled and both parties were told" in message
        assert "Retry it" in message
        booking.refresh_from_db()
        settlement = Settlement.objects.get()
        assert booking.status == S.CANCELLED and settlement.status == Settlement.Status.PENDING
        assert settlement.error == "Stripe could not be reached"
        assert booking_balance(booking_id=booking.pk).refunded == 0
        for party in (booking.customer, booking.provider):
            text = Notification.objects.filter(recipient=party).latest("id").text
            assert "cancelled" in text and "being processed" in text and "told when the money has moved" in text
        assert not Notification.objects.filter(text__startswith="Decision on").exists()
    finally:
        localstripe.start()

    with django_capture_on_commit_callbacks(execute=True):
        settlement_retry(settlement_id=settlement.pk, actor=finance_user)

    booking.refresh_from_db()
    assert booking.status == S.REFUNDED and stripe_refunded(booking) == 12000
    assert Settlement.objects.get().status == Settlement.Status.SUCCEEDED
    assert Notification.objects.filter(text__startswith="Decision on").count() == 2
    call_command("audit_ledger")


def test_stripe_down_on_a_cancelled_booking_changes_nothing_visible(paid_booking, support_user, localstripe):
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.DISPUTED)
    events = booking.events.count()
    localstripe.stop()
    try:
        with pytest.raises(SettlementPending, match=f"Booking #{booking.pk} is still disputed and nobody"):
            settlement_create(
                booking_id=booking.pk, decision=D.SPLIT, refund_cents=3000, reason="x", actor=support_user
            )
        with pytest.raises(SettlementPending, match="No money has moved yet"):  # a retry while still down
            settlement_retry(settlement_id=Settlement.objects.get().pk, actor=support_user)
    finally:
        localstripe.start()
    booking.refresh_from_db()
    assert booking.status == S.DISPUTED and booking.events.count() == events

    settlement_retry(settlement_id=Settlement.objects.get().pk, actor=support_user)

    booking.refresh_from_db()
    assert booking.status == S.RESOLVED and stripe_refunded(booking) == 3000


def test_stripe_lost_after_the_reversal_says_so_and_the_retry_does_not_reverse_twice(
    completed_booking, finance_user, settings, monkeypatch
):
    """Stripe becomes unreachable between the reversal and the refund (its address points at a closed port)."""
    from payments.services import settlements

    payouts_run()
    up = settings.STRIPE_API_BASE
    save = settlements._settlement_save_stripe_id

    def save_then_lose_stripe(settlement, **stripe_id):
        save(settlement, **stripe_id)
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{closed_port()}"

    monkeypatch.setattr(settlements, "_settlement_save_stripe_id", save_then_lose_stripe)
    with pytest.raises(SettlementPending) as raised:
        settlement_create(booking_id=completed_booking.pk, decision=D.REFUND_ALL, reason="Redo", actor=finance_user)

    assert "Stripe could not be reached" in str(raised.value)
    assert "Only the reversal of $96.00 from the provider's payout went through" in str(raised.value)
    settlement = Settlement.objects.get()
    assert settlement.status == Settlement.Status.PENDING and settlement.stripe_reversal_id
    monkeypatch.undo()
    settings.STRIPE_API_BASE = up

    settlement_retry(settlement_id=settlement.pk, actor=finance_user)

    transfer = stripe_client().v1.transfers.retrieve(completed_booking.transfer.stripe_transfer_id)
    assert transfer.amount_reversed == 9600
    assert stripe_refunded(completed_booking) == 12000
    assert Settlement.objects.get().stripe_reversal_id == settlement.stripe_reversal_id
    call_command("audit_ledger")


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Who decides what: role x booking state -------------------------------------------------

SUPPORT_OK = {"cancelled", "disputed"}
NOT_YET = {"provider_completed"}


def _booking_in(state: str, paid_booking, superuser):
    """The paid booking moved to `state` ("…+paid_out": then paid out to the provider)."""
    status, _, paid_out = state.partition("+")
    steps = {
        "scheduled": [],
        "in_progress": [S.IN_PROGRESS],
        "provider_completed": [S.IN_PROGRESS, S.PROVIDER_COMPLETED],
        "completed": [S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.COMPLETED],
        "disputed": [S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.DISPUTED],
        "cancelled": [S.CANCELLED],
        "resolved": [S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.DISPUTED],
    }[status]
    booking = walk(paid_booking, *steps)
    if status == "resolved":  # half refunded, the rest released
        settlement_create(booking_id=booking.pk, decision=D.SPLIT, refund_cents=6000, reason="half", actor=superuser)
    if paid_out:
        assert payouts_run().transfers == 1
    booking.refresh_from_db()
    assert booking.status == status
    return booking


@pytest.mark.parametrize("role", ["support", "finance", "superuser", "plain_staff"])
@pytest.mark.parametrize(
    "state",
    [
        "scheduled",
        "in_progress",
        "provider_completed",
        "cancelled",
        "disputed",
        "completed",
        "completed+paid_out",
        "resolved",
        "resolved+paid_out",
    ],
)
def test_who_may_refund_a_booking_in_each_state(request, paid_booking, staff_user, role, state):
    actor = {
        "support": "support_user",
        "finance": "finance_user",
        "superuser": "staff_user",
        "plain_staff": "plain_staff",
    }
    user = request.getfixturevalue(actor[role])
    booking = _booking_in(state, paid_booking, staff_user)
    before = (booking.status, booking.events.count(), Settlement.objects.count(), stripe_refunded(booking))
    allowed = role in ("finance", "superuser") or (role == "support" and state in SUPPORT_OK)

    if state in NOT_YET:
        with pytest.raises(DomainError, match=r"cannot be settled yet|Only staff allowed"):
            settlement_create(booking_id=booking.pk, decision=D.REFUND_ALL, reason="r", actor=user)
    elif not allowed:
        with pytest.raises(SettlementNotAllowed):
            settlement_create(booking_id=booking.pk, decision=D.REFUND_ALL, reason="r", actor=user)
    else:
        settlement = settlement_create(booking_id=booking.pk, decision=D.REFUND_ALL, reason="r", actor=user)
        assert settlement.status == Settlement.Status.SUCCEEDED
        assert booking_balance(booking_id=booking.pk).refundable == 0 and stripe_refunded(booking) == 12000
        assert bool(settlement.reversal_cents) == state.endswith("paid_out")
        return
    booking.refresh_from_db()
    after = (booking.status, booking.events.count(), Settlement.objects.count(), stripe_refunded(booking))
    assert after == before  # refused: nothing written, nothing sent to Stripe


def test_support_may_not_retry_a_decision_that_reverses_a_payout(
    completed_booking, finance_user, support_user, settings
):
    payouts_run()
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(SettlementPending):
        settlement_create(booking_id=completed_booking.pk, decision=D.REFUND_ALL, reason="Redo", actor=finance_user)

    with pytest.raises(SettlementNotAllowed, match="Finance"):
        settlement_retry(settlement_id=Settlement.objects.get().pk, actor=support_user)
