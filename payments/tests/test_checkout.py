import pytest
import requests
import stripe

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from payments.models import LedgerEntry, Payment
from payments.selectors import booking_balance
from payments.services.cards import card_list
from payments.services.checkout import (
    PaymentDeclined,
    card_from_setup,
    card_setup_create,
    client_secret_for,
    payment_checkout,
    payment_start,
    payment_sync,
)
from payments.stripe_gateway import PaymentServiceUnavailable, metadata_of, stripe_client
from payments.tests.conftest import (
    DECLINED_WHEN_CHARGED,
    DECLINED_WHEN_SAVED,
    LIST_ALL,
    THREE_D_SECURE,
    browser_authenticate,
    browser_confirm_setup,
)
from servizo.exceptions import DomainError

pytestmark = pytest.mark.django_db
S = Booking.Status


def intents_for(booking) -> list:
    """Every PaymentIntent localstripe holds for this booking (by our metadata)."""
    intents = stripe_client().v1.payment_intents.list({"limit": LIST_ALL}).data
    return [i for i in intents if metadata_of(i).get("booking_id") == str(booking.pk)]


def test_paying_with_4242_holds_escrow_and_schedules_the_booking(pay, mailoutbox, django_capture_on_commit_callbacks):
    booking = BookingFactory()

    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(booking)

    booking.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.charge_id.startswith("ch_") and payment.card_last4 == "4242"
    assert booking.status == S.SCHEDULED
    assert booking.events.get(to_status=S.SCHEDULED).actor is None
    assert booking_balance(booking_id=booking.pk).held == booking.price_cents
    entry = LedgerEntry.objects.get(booking=booking)
    assert (entry.kind, entry.amount_cents, entry.stripe_object_id) == ("charge_escrow", 12000, payment.charge_id)
    [intent] = intents_for(booking)
    assert intent.status == "succeeded" and intent.amount == 12000
    assert intent.transfer_group == f"booking-{booking.pk}"
    assert {m.to[0] for m in mailoutbox} == {booking.customer.email, booking.provider.email}


def test_declined_card_shows_stripes_message_and_the_booking_stays_payable(pay):
    booking = BookingFactory()

    with pytest.raises(PaymentDeclined, match="Your card was declined"):
        pay(booking, DECLINED_WHEN_CHARGED)

    booking.refresh_from_db()
    assert booking.status == S.AWAITING_PAYMENT
    assert booking.payments.get().status == Payment.Status.FAILED
    assert not LedgerEntry.objects.filter(booking=booking).exists()
    # ...and another card works on a second attempt.
    assert pay(booking).status == Payment.Status.SUCCEEDED
    booking.refresh_from_db()
    assert booking.status == S.SCHEDULED
    assert [p.attempt for p in booking.payments.order_by("attempt")] == [1, 2]


def test_card_declined_when_saved_never_reaches_the_server(localstripe, customer):
    secret = card_setup_create(user=customer)

    response = browser_confirm_setup(localstripe.base_url, secret, DECLINED_WHEN_SAVED)

    assert response.status_code == 402
    assert response.json()["error"]["message"] == "Your card was declined."
    with pytest.raises(DomainError, match="not saved"):
        card_from_setup(user=customer, setup_intent_id=secret.split("_secret_")[0])


def test_three_d_secure_completes_only_when_stripe_says_so(localstripe, pay):
    booking = BookingFactory()

    payment = pay(booking, THREE_D_SECURE)

    assert payment.status == Payment.Status.REQUIRES_ACTION
    booking.refresh_from_db()
    assert booking.status == S.AWAITING_PAYMENT
    # A forged return before authentication changes nothing...
    assert payment_sync(booking_id=booking.pk).status == Payment.Status.REQUIRES_ACTION
    # ...then the customer completes the popup and comes back.
    browser_authenticate(localstripe.base_url, client_secret_for(payment=payment), success=True)
    assert payment_sync(booking_id=booking.pk).status == Payment.Status.SUCCEEDED
    booking.refresh_from_db()
    assert booking.status == S.SCHEDULED
    assert len(intents_for(booking)) == 1


def test_failed_three_d_secure_leaves_the_booking_payable(localstripe, pay):
    booking = BookingFactory()
    payment = pay(booking, THREE_D_SECURE)

    browser_authenticate(localstripe.base_url, client_secret_for(payment=payment), success=False)

    payment = payment_sync(booking_id=booking.pk)
    assert payment.status == Payment.Status.FAILED
    assert "authentication" in payment.failure_message
    assert pay(booking).status == Payment.Status.SUCCEEDED


def test_new_attempt_cancels_an_abandoned_three_d_secure_one(pay):
    booking = BookingFactory()
    first = pay(booking, THREE_D_SECURE)

    second = pay(booking)

    first.refresh_from_db()
    assert first.status == Payment.Status.CANCELED
    assert second.status == Payment.Status.SUCCEEDED
    statuses = sorted(i.status for i in intents_for(booking))
    assert statuses == ["canceled", "succeeded"]


def test_a_card_kept_on_the_first_booking_pays_the_second_in_one_click(save_card, customer):
    first = BookingFactory(offer__customer=customer)
    method = save_card(customer)
    payment_start(booking_id=first.pk, customer=customer, payment_method_id=method, save_card=True)
    second = BookingFactory(offer__customer=customer)

    [card] = card_list(user=customer)
    result = payment_checkout(booking_id=second.pk, customer=customer, payment_method_id=card.payment_method_id)

    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 12, 2030)
    assert result.payment.status == Payment.Status.SUCCEEDED and result.payment.save_card


def test_someone_elses_card_is_refused(save_card, customer):
    from accounts.tests.factories import CustomerFactory

    other = CustomerFactory()
    method = save_card(other)
    booking = BookingFactory(offer__customer=customer)
    save_card(customer)

    with pytest.raises(DomainError, match="not on your account"):
        payment_start(booking_id=booking.pk, customer=customer, payment_method_id=method)
    assert not booking.payments.exists()


def test_paying_twice_never_charges_twice(pay, save_card):
    booking = BookingFactory()
    pay(booking)
    method = save_card(booking.customer)

    with pytest.raises(DomainError, match="not waiting for payment"):
        payment_start(booking_id=booking.pk, customer=booking.customer, payment_method_id=method)

    assert len(intents_for(booking)) == 1
    assert LedgerEntry.objects.filter(booking=booking).count() == 1


def test_stripe_down_changes_nothing_and_a_retry_works(localstripe, save_card):
    booking = BookingFactory()
    method = save_card(booking.customer)
    localstripe.stop()

    with pytest.raises(PaymentServiceUnavailable, match="unavailable"):
        payment_start(booking_id=booking.pk, customer=booking.customer, payment_method_id=method)

    booking.refresh_from_db()
    assert booking.status == S.AWAITING_PAYMENT
    assert not LedgerEntry.objects.filter(booking=booking).exists()
    localstripe.start()
    payment = payment_start(booking_id=booking.pk, customer=booking.customer, payment_method_id=method)
    assert payment.status == Payment.Status.SUCCEEDED
    assert len(intents_for(booking)) == 1


def test_lost_answer_is_recovered_with_the_same_idempotency_key(save_card, monkeypatch):
    """Stripe charged but our process died before recording it: the retry replays, never charges again."""
    from payments.services import checkout

    booking = BookingFactory()
    method = save_card(booking.customer)

    def crash(**kwargs):
        raise KeyboardInterrupt("killed after Stripe answered")

    monkeypatch.setattr(checkout, "payment_record_intent", crash)
    with pytest.raises(KeyboardInterrupt):
        payment_start(booking_id=booking.pk, customer=booking.customer, payment_method_id=method)
    monkeypatch.undo()
    assert booking.payments.get().status == Payment.Status.CREATING

    payment = payment_sync(booking_id=booking.pk)

    assert payment.status == Payment.Status.SUCCEEDED
    assert len(intents_for(booking)) == 1
    booking.refresh_from_db()
    assert booking.status == S.SCHEDULED


def test_idempotency_key_reused_with_other_parameters_is_rejected(localstripe):
    client = stripe_client()
    client.v1.customers.create({"email": "a@example.com"}, {"idempotency_key": "servizo-test-key"})

    with pytest.raises(stripe.InvalidRequestError, match="same parameters"):
        client.v1.customers.create({"email": "b@example.com"}, {"idempotency_key": "servizo-test-key"})
    assert requests.get(f"{localstripe.base_url}/js.stripe.com/v3/", timeout=5).ok
