"""The cancellation policy: every case computes the right amounts and refunds exactly once, by itself.

A paid booking ($120.00, 20 % commission, 25 % late fee, free until 24 h before its start) is cancelled
by the customer early or late, by the provider, or not at all once in progress; Stripe is localstripe
over HTTP, stopped for the outage case.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import StaffFactory
from bookings.models import Booking, ProviderCancellation, ProviderReliability
from bookings.services import booking_offer_reopen, booking_transition
from bookings.tests.factories import BookingFactory
from offers.models import Offer
from payments.cancellation import booking_cancellation_quote, cancellation_quote
from payments.models import LedgerEntry, Settlement
from payments.selectors import booking_balance, provider_balance
from payments.services.cancellations import settlements_resume_automatic
from payments.stripe_gateway import PaymentServiceUnavailable
from payments.tests.conftest import walk
from payments.tests.test_settlements import stripe_refunded
from servizo.exceptions import DomainError, TransitionNotAllowed

pytestmark = pytest.mark.django_db
S = Booking.Status
K = LedgerEntry.Kind


def make_late(booking: Booking) -> Booking:
    """The free period is over: a free-cancellation window longer than the time left before the start."""
    Booking.objects.filter(pk=booking.pk).update(free_cancellation_hours=24 * 30)
    booking.refresh_from_db()
    return booking


def cancel(booking: Booking, actor, capture) -> Booking:
    with capture(execute=True):
        booking_transition(booking_id=booking.pk, to_status=S.CANCELLED, actor=actor, note="Plans changed")
    booking.refresh_from_db()
    return booking


def money(booking: Booking) -> tuple[int, int, int, int]:
    balance = booking_balance(booking_id=booking.pk)
    return balance.refunded, balance.released_provider, balance.released_commission, balance.held


def test_the_quote_adds_up_with_the_one_rounding_rule():
    booking = Booking(
        price_cents=999,
        currency="usd",
        commission_rate_bp=2000,
        late_cancellation_fee_bp=2500,
        free_cancellation_hours=24,
        scheduled_date=timezone.localdate(),
        time_window="morning",
    )
    late = cancellation_quote(booking=booking, refundable=999, by_provider=False, at=booking.starts_at)
    early = cancellation_quote(
        booking=booking, refundable=999, by_provider=False, at=booking.starts_at - timedelta(hours=25)
    )
    by_provider = cancellation_quote(booking=booking, refundable=999, by_provider=True, at=booking.starts_at)

    # fee 999 * 25 % = 249.75 -> 250 (half up); commission on it 250 * 20 % = 50
    assert (late.refund_cents, late.provider_fee_cents, late.platform_fee_cents, late.late) == (749, 200, 50, True)
    assert (early.refund_cents, early.fee_cents, early.late) == (999, 0, False)
    assert (by_provider.refund_cents, by_provider.fee_cents) == (999, 0)


def test_customer_cancelling_early_gets_everything_back_automatically(
    paid_booking, django_capture_on_commit_callbacks, mailoutbox
):
    quote = booking_cancellation_quote(booking=paid_booking, user=paid_booking.customer)
    assert (quote.refund_cents, quote.fee_cents, quote.late) == (12000, 0, False)

    booking = cancel(paid_booking, paid_booking.customer, django_capture_on_commit_callbacks)

    settlement = Settlement.objects.get(booking=booking)
    assert settlement.automatic and settlement.actor is None
    assert settlement.status == Settlement.Status.SUCCEEDED and settlement.refund_status == "succeeded"
    assert booking.status == S.REFUNDED
    assert money(booking) == (12000, 0, 0, 0)
    assert stripe_refunded(booking) == 12000
    assert "free period" in booking.events.last().note
    assert {m.to[0] for m in mailoutbox} >= {booking.customer.email, booking.provider.email}
    call_command("audit_ledger")


def test_customer_cancelling_late_pays_the_fee_split_with_the_commission_rate(
    paid_booking, django_capture_on_commit_callbacks
):
    booking = make_late(paid_booking)
    quote = booking_cancellation_quote(booking=booking, user=booking.customer)
    assert (quote.refund_cents, quote.provider_fee_cents, quote.platform_fee_cents) == (9000, 2400, 600)

    booking = cancel(booking, booking.customer, django_capture_on_commit_callbacks)

    assert booking.status == S.RESOLVED
    assert money(booking) == (9000, 2400, 600, 0)
    assert stripe_refunded(booking) == 9000
    assert provider_balance(provider=booking.provider).available == 2400
    assert Settlement.objects.get(booking=booking).decision == Settlement.Decision.SPLIT
    call_command("audit_ledger")


def test_provider_cancelling_refunds_everything_records_it_and_the_customer_may_reopen_the_offer(
    paid_booking, django_capture_on_commit_callbacks
):
    booking = make_late(paid_booking)  # late or not, a provider's cancellation refunds everything
    provider = booking.provider
    assert booking_cancellation_quote(booking=booking, user=provider).refund_cents == 12000

    booking = cancel(booking, provider, django_capture_on_commit_callbacks)

    assert booking.status == S.REFUNDED and money(booking) == (12000, 0, 0, 0)
    assert stripe_refunded(booking) == 12000
    record = ProviderCancellation.objects.get(booking=booking)
    assert record.provider == provider and record.reason == "Plans changed"
    reliability = ProviderReliability.objects.get(provider=provider)
    assert (reliability.paid_bookings, reliability.cancellations, reliability.cancellation_percent) == (1, 1, 100)
    call_command("audit_ledger")

    # The customer chooses to offer the job to other providers; the one who cancelled no longer sees it.
    offer = booking_offer_reopen(booking_id=booking.pk, customer=booking.customer)
    assert offer.status == Offer.Status.OPEN
    assert offer.declines.filter(provider=provider).exists()
    with pytest.raises(DomainError, match="already back on the market"):
        booking_offer_reopen(booking_id=booking.pk, customer=booking.customer)


def test_only_a_provider_cancellation_lets_the_customer_reopen_the_offer(
    paid_booking, django_capture_on_commit_callbacks
):
    booking = cancel(paid_booking, paid_booking.customer, django_capture_on_commit_callbacks)

    with pytest.raises(DomainError, match="Only a job the provider cancelled"):
        booking_offer_reopen(booking_id=booking.pk, customer=booking.customer)
    with pytest.raises(DomainError, match="Only the customer"):
        booking_offer_reopen(booking_id=booking.pk, customer=booking.provider)
    assert not ProviderCancellation.objects.exists()


@pytest.mark.parametrize("party", ["customer", "provider"])
def test_no_party_cancels_a_job_in_progress(paid_booking, party):
    booking = walk(paid_booking, S.IN_PROGRESS)

    with pytest.raises(TransitionNotAllowed):
        booking_transition(booking_id=booking.pk, to_status=S.CANCELLED, actor=getattr(booking, party), note="x")

    booking.refresh_from_db()
    assert booking.status == S.IN_PROGRESS and not Settlement.objects.exists()
    assert booking_cancellation_quote(booking=booking, user=getattr(booking, party)) is None
    assert booking_balance(booking_id=booking.pk).held == 12000


def test_staff_and_unpaid_cancellations_keep_their_rules(paid_booking, django_capture_on_commit_callbacks):
    unpaid = BookingFactory()
    cancel(unpaid, unpaid.customer, django_capture_on_commit_callbacks)
    booking = cancel(paid_booking, StaffFactory(), django_capture_on_commit_callbacks)

    assert not Settlement.objects.exists()  # staff decide the paid one in the console
    assert booking.status == S.CANCELLED and booking_balance(booking_id=booking.pk).held == 12000


def test_stripe_down_leaves_the_refund_pending_and_the_retry_makes_it_exactly_once(
    paid_booking, localstripe, client, django_capture_on_commit_callbacks
):
    # Given Stripe unreachable when the customer cancels late
    booking = make_late(paid_booking)
    localstripe.stop()
    try:
        booking = cancel(booking, booking.customer, django_capture_on_commit_callbacks)
        assert settlements_resume_automatic() == (0, 1)  # the cron run while still down

        # Then the booking is cancelled, the refund recorded as pending, no money moved, and the page says so
        settlement = Settlement.objects.get(booking=booking)
        assert booking.status == S.CANCELLED and settlement.status == Settlement.Status.PENDING
        assert settlement.error == "Stripe could not be reached"
        assert money(booking) == (0, 0, 0, 12000)
        client.force_login(booking.customer)
        page = client.get(booking.get_absolute_url()).content.decode()
        assert "Refund pending" in page and "retried automatically" in page
    finally:
        localstripe.start()

    # When the cron job runs once Stripe is back, and again
    call_command("resume_settlements")
    assert settlements_resume_automatic() == (0, 0)

    # Then the refund was made once, at Stripe and in the ledger
    booking.refresh_from_db()
    assert booking.status == S.RESOLVED
    assert stripe_refunded(booking) == 9000
    assert money(booking) == (9000, 2400, 600, 0)
    assert LedgerEntry.objects.filter(booking=booking, kind=K.REFUND).count() == 1
    page = client.get(booking.get_absolute_url()).content.decode()
    assert "Refunded" in page and "Stripe status: <span data-refund-status>succeeded</span>" in page
    call_command("audit_ledger")


def test_a_refund_stripe_made_but_we_never_heard_of_is_not_made_again(
    paid_booking, monkeypatch, django_capture_on_commit_callbacks
):
    """The connection drops after Stripe made the refund: the retry sends the same idempotency key, and
    Stripe (localstripe with the test layer's replay) answers with the first refund instead of a second."""
    from payments.services import settlements

    def connection_lost(settlement, **stripe_ids):
        raise PaymentServiceUnavailable()

    monkeypatch.setattr(settlements, "_settlement_save_stripe_id", connection_lost)
    booking = cancel(paid_booking, paid_booking.customer, django_capture_on_commit_callbacks)
    settlement = Settlement.objects.get(booking=booking)
    assert settlement.status == Settlement.Status.PENDING and not settlement.stripe_refund_id
    assert stripe_refunded(booking) == 12000 and money(booking) == (0, 0, 0, 12000)
    monkeypatch.undo()

    assert settlements_resume_automatic() == (1, 0)

    booking.refresh_from_db()
    assert booking.status == S.REFUNDED and stripe_refunded(booking) == 12000
    assert money(booking) == (12000, 0, 0, 0)
    call_command("audit_ledger")


def test_the_dialog_shows_the_amounts_and_the_policy_page_is_linked(paid_booking, client):
    booking = make_late(paid_booking)
    client.force_login(booking.customer)

    page = client.get(booking.get_absolute_url()).content.decode()

    assert "<strong data-refund-amount>$90.00</strong> back to your card" in page
    assert "<strong data-fee-amount>$24.00</strong> goes to the provider as a late-cancellation fee" in page
    policy = reverse("payments:cancellation_policy")
    assert page.count(f'href="{policy}"') >= 3  # footer, terms, cancel dialog
    client.logout()
    policy_page = client.get(policy).content.decode()
    assert "24 hours" in policy_page and "25 %" in policy_page
    assert "you get $75.00 back; the fee is $25.00, of which $20.00 goes to the provider" in policy_page


def test_the_provider_sees_the_full_refund_and_the_customer_the_reopen_button(
    paid_booking, client, django_capture_on_commit_callbacks
):
    client.force_login(paid_booking.provider)
    page = client.get(paid_booking.get_absolute_url()).content.decode()
    assert "The customer gets <strong data-refund-amount>$120.00</strong> back to their card" in page

    booking = cancel(paid_booking, paid_booking.provider, django_capture_on_commit_callbacks)
    profile = client.get(reverse("reviews:provider_profile", args=[booking.provider_id])).content.decode()
    assert "100 % (1 of 1)" in profile  # the public cancellation rate
    client.force_login(booking.customer)
    assert "Offer the job to other providers" in client.get(booking.get_absolute_url()).content.decode()
    response = client.post(reverse("bookings:reopen_offer", args=[booking.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("offers:detail", args=[booking.offer_id])
    booking.offer.refresh_from_db()
    assert booking.offer.status == Offer.Status.OPEN


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_categories")
def test_the_cron_runs_and_the_refund_webhook_finishing_one_refund_at_once_refund_once(pay, localstripe):
    """Real threads and row locks: whoever comes second finds the settlement done (or replayed by Stripe)."""
    from payments.services.settlements import settlement_resume
    from servizo.testing.concurrency import race

    # Given a cancellation whose refund Stripe could not take (on-commit ran while it was down)
    booking = BookingFactory()
    pay(booking)
    localstripe.stop()
    try:
        booking_transition(booking_id=booking.pk, to_status=S.CANCELLED, actor=booking.customer, note="Plans")
    finally:
        localstripe.start()
    settlement = Settlement.objects.get(booking=booking)
    assert settlement.status == Settlement.Status.PENDING

    # When two cron runs and the webhook's resume finish it at the same moment
    results = race(
        [
            settlements_resume_automatic,
            settlements_resume_automatic,
            lambda: settlement_resume(settlement_id=settlement.pk),
        ]
    )

    # Then nobody failed and the refund was made once
    assert [r for r in results if isinstance(r, Exception)] == []
    booking.refresh_from_db()
    assert booking.status == S.REFUNDED and stripe_refunded(booking) == 12000
    assert LedgerEntry.objects.filter(booking=booking, kind=K.REFUND).count() == 1
    call_command("audit_ledger")
