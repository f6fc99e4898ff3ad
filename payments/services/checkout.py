"""Paying for a booking: save the card (SetupIntent), then one confirmed PaymentIntent per attempt.

Flow (works on Stripe and localstripe alike): when the card form is submitted the page gets a
SetupIntent (`card_setup_create`) and saves the card with `confirmCardSetup`; the pay page's POST runs
`payment_checkout`: `card_from_setup` checks the SetupIntent belongs to the customer;
`payment_start` records an attempt, then creates and confirms a PaymentIntent with that card
and an idempotency key from our ids. `requires_action` means the page runs 3-D Secure
(`confirmCardPayment`); the outcome is then read back from Stripe (`payment_sync`, or the
webhook) — the browser's word is never trusted. At most one attempt per booking is open at a
time, so a booking is never charged twice. When an attempt ends, its card is kept (the customer
asked and it was paid) or forgotten (payments.services.cards), and a paid one gets its receipt
number (payments.services.receipts), all in the transaction that records the outcome.
"""

from dataclasses import dataclass

import stripe
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policies import account_standing, provider_standing
from bookings.locks import lock_booking, lock_booking_then
from bookings.models import Booking
from bookings.services import booking_transition
from notifications.services import notification_create
from notifications.tasks import push_notification
from payments.models import LedgerEntry, Payment, StripeCustomer, transfer_group_for
from payments.services.cards import card_attempt_settled, card_is_saved
from payments.services.ledger import ledger_record
from payments.services.receipts import receipt_number_allocate
from payments.services.transitions import payment_transition
from payments.stripe_gateway import CARD_DECLINED, card_message, object_id, stripe_client, stripe_errors
from servizo.exceptions import DomainError
from servizo.languages import in_language_of
from servizo.money import format_money, require_platform_currency
from servizo.tasks import enqueue

P = Payment.Status
INTENT_STATUS = {
    "succeeded": P.SUCCEEDED,
    "requires_action": P.REQUIRES_ACTION,
    "processing": P.PROCESSING,
    "requires_payment_method": P.FAILED,
    "canceled": P.CANCELED,
}
FINAL = (P.SUCCEEDED, P.FAILED, P.CANCELED)


class PaymentDeclined(DomainError):
    """The card was declined; the message is Stripe's (in the active language when it is a usual one), safe to show."""


@dataclass(frozen=True)
class CheckoutResult:
    payment: Payment
    action_secret: str = ""  # set when the bank asks for 3-D Secure: the page runs confirmCardPayment


def stripe_customer_ensure(*, user: User) -> str:
    """The user's Stripe Customer id, created once (idempotency key from the user id)."""
    existing = StripeCustomer.objects.filter(user=user).values_list("customer_id", flat=True).first()
    if existing:
        return existing
    with stripe_errors():
        customer = stripe_client().v1.customers.create(
            {"email": user.email, "name": user.full_name, "metadata": {"user_id": str(user.pk)}},
            {"idempotency_key": f"servizo-customer-{user.pk}"},
        )
    record = StripeCustomer.objects.get_or_create(user=user, defaults={"customer_id": customer.id})[0]
    return record.customer_id


def card_setup_create(*, user: User) -> str:
    """A SetupIntent for the browser's card form, made when the form is submitted; returns its secret."""
    customer_id = stripe_customer_ensure(user=user)
    with stripe_errors():
        intent = stripe_client().v1.setup_intents.create(
            {"customer": customer_id, "usage": "on_session", "metadata": {"user_id": str(user.pk)}}
        )
    return intent.client_secret


def card_from_setup(*, user: User, setup_intent_id: str) -> str:
    """The payment method saved by a succeeded SetupIntent of this user, attached to their customer."""
    customer_id = stripe_customer_ensure(user=user)
    client = stripe_client()
    try:
        with stripe_errors():
            intent = client.v1.setup_intents.retrieve(setup_intent_id)
    except stripe.InvalidRequestError as error:
        raise DomainError(_("That card could not be found; please enter it again.")) from error
    if intent.customer != customer_id or intent.status != "succeeded" or not intent.payment_method:
        raise DomainError(_("That card was not saved; please enter it again."))
    method_id = object_id(intent.payment_method)
    with stripe_errors():
        method = client.v1.payment_methods.retrieve(method_id)
        if object_id(method.customer) != customer_id:  # Stripe attaches it itself; localstripe does not
            try:
                client.v1.payment_methods.attach(method_id, {"customer": customer_id})
            except stripe.CardError as error:
                raise PaymentDeclined(card_message(error.user_message or CARD_DECLINED)) from error
    return method_id


def _owned_card(*, user: User, payment_method_id: str):
    customer_id = stripe_customer_ensure(user=user)
    try:
        with stripe_errors():
            method = stripe_client().v1.payment_methods.retrieve(payment_method_id)
    except stripe.InvalidRequestError as error:
        raise DomainError(_("That card is not on your account.")) from error
    if object_id(method.customer) != customer_id:
        raise DomainError(_("That card is not on your account."))
    return customer_id, method


def payment_start(*, booking_id: int, customer: User, payment_method_id: str, save_card: bool = False) -> Payment:
    """Charge a booking awaiting payment with a card of the customer's Stripe customer.

    `save_card`: keep the card for next time if the payment succeeds (payments.services.cards).

    Returns the attempt: SUCCEEDED (booking now scheduled), REQUIRES_ACTION (run 3-D Secure
    with `client_secret_for`), or raises PaymentDeclined / PaymentServiceUnavailable / DomainError.
    """
    payment_sync(booking_id=booking_id)  # settle any open attempt first
    _payment_cancel_open(booking_id=booking_id)
    customer_id, method = _owned_card(user=customer, payment_method_id=payment_method_id)
    with transaction.atomic():
        booking = lock_booking(booking_id, customer=customer)
        if booking.status != Booking.Status.AWAITING_PAYMENT:
            raise DomainError(_("This booking is not waiting for payment."))
        require_platform_currency(booking.currency, settings.CURRENCY)
        account_standing(customer, fresh=True).require()
        if not provider_standing(booking.provider, fresh=True):
            raise DomainError(_("This provider cannot take bookings at the moment, so the booking cannot be paid."))
        if booking.payments.filter(status__in=Payment.OPEN_STATUSES).exists():
            raise DomainError(_("A payment for this booking is already in progress."))
        attempt = (booking.payments.aggregate(n=Max("attempt"))["n"] or 0) + 1
        payment = Payment.objects.create(
            booking=booking,
            attempt=attempt,
            amount_cents=booking.price_cents,
            currency=booking.currency,
            payment_method_id=method.id,
            card_brand=method.card.brand,
            card_last4=method.card.last4,
            card_exp_month=method.card.exp_month,
            card_exp_year=method.card.exp_year,
            save_card=save_card,
            idempotency_key=f"servizo-booking-{booking.pk}-payment-{attempt}",
        )
    return _payment_send(payment=payment, customer_id=customer_id)


def payment_checkout(
    *,
    booking_id: int,
    customer: User,
    payment_method_id: str = "",
    setup_intent_id: str = "",
    save_card: bool = False,
) -> CheckoutResult:
    """The pay page's one write: charge a saved card, or the card a SetupIntent just saved.

    Give exactly one of `payment_method_id` (a card the customer kept) and `setup_intent_id` (the card
    form; `save_card` keeps that card if the payment succeeds).
    Raises PaymentDeclined / PaymentServiceUnavailable / DomainError like `payment_start`.
    """
    if payment_method_id:
        if not card_is_saved(user=customer, payment_method_id=payment_method_id):
            raise DomainError(_("That card is not saved on your account; please enter it again."))
        method_id, save_card = payment_method_id, True
    else:
        method_id = card_from_setup(user=customer, setup_intent_id=setup_intent_id)
    payment = payment_start(booking_id=booking_id, customer=customer, payment_method_id=method_id, save_card=save_card)
    if payment.status == P.REQUIRES_ACTION:
        return CheckoutResult(payment, action_secret=client_secret_for(payment=payment))
    return CheckoutResult(payment)


def _payment_send(*, payment: Payment, customer_id: str) -> Payment:
    """Create+confirm the attempt's PaymentIntent. Safe to repeat: same key, same parameters."""
    params = {
        "amount": payment.amount_cents,
        "currency": payment.currency,
        "customer": customer_id,
        "payment_method": payment.payment_method_id,
        "payment_method_types": ["card"],
        "confirm": True,
        "transfer_group": transfer_group_for(payment.booking_id),
        "metadata": {"booking_id": str(payment.booking_id), "payment_id": str(payment.pk)},
    }
    try:
        with stripe_errors():
            intent = stripe_client().v1.payment_intents.create(params, {"idempotency_key": payment.idempotency_key})
    except stripe.CardError as error:
        message = error.user_message or CARD_DECLINED
        _payment_mark(payment_id=payment.pk, status=P.FAILED, failure_message=message)  # as Stripe wrote it
        raise PaymentDeclined(card_message(message)) from error
    except stripe.InvalidRequestError as error:
        _payment_mark(payment_id=payment.pk, status=P.FAILED, failure_message=error.user_message or "")
        raise DomainError(_("The payment could not be started; please try another card.")) from error
    return payment_record_intent(payment_id=payment.pk, intent=intent)


def _payment_mark(*, payment_id: int, status: str, failure_message: str = "") -> None:
    with transaction.atomic():
        booking, payment = lock_booking_then(Payment, payment_id)
        if payment.status in FINAL:
            return
        payment_transition(payment=payment, to_status=status, fields={"failure_message": failure_message[:500]})
        card_attempt_settled(payment=payment, customer_id=booking.customer_id)


def payment_record_intent(*, payment_id: int, intent) -> Payment:
    """Record what Stripe says about an attempt's PaymentIntent; on success hold escrow and schedule.

    Idempotent and order-independent: callers pass an intent freshly read from Stripe.
    """
    status = INTENT_STATUS.get(intent.status, P.PROCESSING)
    with transaction.atomic():
        booking, payment = lock_booking_then(Payment, payment_id)
        if payment.status == P.SUCCEEDED or (payment.status in FINAL and status != P.SUCCEEDED):
            return payment
        fields = {"payment_intent_id": intent.id}
        if status == P.FAILED and intent.last_payment_error:
            fields["failure_message"] = (intent.last_payment_error.message or "")[:500]
        if status == P.SUCCEEDED:
            fields["charge_id"] = object_id(intent.latest_charge)
        if status == payment.status:  # still at the same step: keep what Stripe added
            for name, value in fields.items():
                setattr(payment, name, value)
            payment.save(update_fields=[*fields, "updated_at"])
        else:
            payment_transition(payment=payment, to_status=status, fields=fields)
            if status in FINAL:
                card_attempt_settled(payment=payment, customer_id=booking.customer_id)
        if status == P.SUCCEEDED:
            receipt_number_allocate(payment=payment)
            _escrow_hold(booking=booking, payment=payment)
    return payment


def _escrow_hold(*, booking: Booking, payment: Payment) -> None:
    ledger_record(
        booking=booking,
        kind=LedgerEntry.Kind.CHARGE_ESCROW,
        amount_cents=payment.amount_cents,
        idempotency_key=f"charge-payment-{payment.pk}",
        stripe_object_id=payment.charge_id or payment.payment_intent_id,
        note=f"PaymentIntent {payment.payment_intent_id}",
    )
    amount = format_money(payment.amount_cents, payment.currency)
    if booking.status == Booking.Status.AWAITING_PAYMENT:
        booking_transition(  # the parties are told below, once each, with the amount
            booking_id=booking.pk,
            to_status=Booking.Status.SCHEDULED,
            actor=None,
            note=_("Payment received"),
            notify=False,
        )
        with in_language_of(booking.customer):
            text = _("Payment of %(amount)s received for “%(title)s”. It is held in escrow until the job is done.")
        notification_create(
            recipient=booking.customer,
            kind="payment",
            text=text % {"amount": amount, "title": booking.title},
            link=reverse("payments:history"),
            email=True,
        )
        with in_language_of(booking.provider):
            text = _("“%(title)s” is paid (%(amount)s in escrow) and scheduled.")
        notification_create(
            recipient=booking.provider,
            kind="payment",
            text=text % {"title": booking.title, "amount": amount},
            link=reverse("payments:earnings"),
            email=True,
        )
        for party_id in (booking.provider_id, booking.customer_id):  # open booking pages reload (booking_live.js)
            enqueue(push_notification, user_id=party_id, payload={"kind": "booking_paid", "booking_id": booking.pk})
    # Otherwise the booking was cancelled while the customer paid: the money stays held and the
    # booking appears in the staff queue of decisions (selectors.needs_decision_bookings).


def client_secret_for(*, payment: Payment) -> str:
    """The PaymentIntent's client secret, for the page's 3-D Secure step (read from Stripe)."""
    with stripe_errors():
        return stripe_client().v1.payment_intents.retrieve(payment.payment_intent_id).client_secret


def payment_sync(*, booking_id: int) -> Payment | None:
    """Bring the booking's open attempt up to date from Stripe (retrieve on return). Idempotent."""
    payment = Payment.objects.filter(booking_id=booking_id, status__in=Payment.OPEN_STATUSES).first()
    if payment is None:
        return None
    if payment.status == P.CREATING:  # we may have crashed or lost Stripe's answer: ask again
        customer_id = stripe_customer_ensure(user=payment.booking.customer)
        try:
            payment = _payment_send(payment=payment, customer_id=customer_id)
        except PaymentDeclined:
            return Payment.objects.get(pk=payment.pk)
    if payment.status in Payment.OPEN_STATUSES and payment.payment_intent_id:
        with stripe_errors():
            intent = stripe_client().v1.payment_intents.retrieve(payment.payment_intent_id)
        payment = payment_record_intent(payment_id=payment.pk, intent=intent)
    return payment


def _payment_cancel_open(*, booking_id: int) -> None:
    """Cancel an attempt still waiting for 3-D Secure, so a new card can be tried without a double charge."""
    payment = Payment.objects.filter(booking_id=booking_id, status__in=Payment.OPEN_STATUSES).first()
    if payment is None or not payment.payment_intent_id:
        return
    try:
        with stripe_errors():
            intent = stripe_client().v1.payment_intents.cancel(
                payment.payment_intent_id, options={"idempotency_key": f"{payment.idempotency_key}-cancel"}
            )
    except stripe.InvalidRequestError:  # it moved on meanwhile (paid or failed): read it back
        with stripe_errors():
            intent = stripe_client().v1.payment_intents.retrieve(payment.payment_intent_id)
    payment_record_intent(payment_id=payment.pk, intent=intent)
