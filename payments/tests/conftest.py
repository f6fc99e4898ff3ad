"""Payments fixtures: cards saved the way the browser saves them, paid bookings, connected providers.

Everything goes over HTTP to the session's localstripe (servizo.testing.stripe); nothing is mocked.
"""

import hashlib
import hmac
import json
import time

import pytest
import requests
from django.conf import settings
from django.test import TestCase

from accounts.tests.factories import ProviderFactory, StaffFactory
from bookings.models import Booking
from bookings.services import booking_transition
from bookings.tests.factories import BookingFactory
from payments.models import Payment, SavedCard
from payments.services.checkout import card_from_setup, card_setup_create, payment_start
from payments.services.connect import connect_account_refresh, connect_onboarding_link
from payments.stripe_gateway import stripe_client

VISA = "4242424242424242"
DECLINED_WHEN_CHARGED = "4000000000000341"
DECLINED_WHEN_SAVED = "4000000000000002"
THREE_D_SECURE = "4000002500003155"
WEBHOOK_URL = "/payments/stripe/webhook/"
# localstripe lists oldest first and accepts any limit: ask for everything the session made.
LIST_ALL = 100_000


def browser_confirm_setup(base_url: str, client_secret: str, number: str) -> requests.Response:
    """What the mock Stripe.js `confirmCardSetup` sends (publishable key + client secret)."""
    setup_intent = client_secret.split("_secret_")[0]
    url = f"{base_url}/v1/setup_intents/{setup_intent}/confirm"
    body = {
        "key": settings.STRIPE_PUBLISHABLE_KEY,
        "use_stripe_sdk": True,
        "client_secret": client_secret,
        "payment_method_data": {
            "type": "card",
            "card": {"number": number, "exp_month": "12", "exp_year": "2030", "cvc": "123"},
        },
    }
    response = requests.post(url, data=json.dumps(body), timeout=5)
    if response.ok and response.json()["status"] == "requires_action":  # "Complete authentication"
        response = requests.post(
            url,
            data=json.dumps({"key": body["key"], "use_stripe_sdk": True, "client_secret": client_secret}),
            timeout=5,
        )
    return response


def browser_authenticate(base_url: str, client_secret: str, *, success: bool = True) -> dict:
    """What the mock Stripe.js `confirmCardPayment` sends after the 3-D Secure popup."""
    intent = client_secret.split("_secret_")[0]
    response = requests.post(
        f"{base_url}/v1/payment_intents/{intent}/_authenticate?success={'true' if success else 'false'}",
        data=json.dumps({"key": settings.STRIPE_PUBLISHABLE_KEY, "client_secret": client_secret}),
        timeout=5,
    )
    return response.json()


def sign_webhook(payload: bytes, *, secret: str | None = None, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    secret = secret or settings.STRIPE_WEBHOOK_SECRET
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def post_webhook(client, body: bytes, **sign_kwargs):
    """POST a signed body to the webhook as Stripe does, then run what the view queued on commit: the
    handling task (eager in tests), which a test's own transaction would otherwise hold back."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            WEBHOOK_URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign_webhook(body, **sign_kwargs)
        )


@pytest.fixture
def save_card(localstripe):
    """Set a card up with Stripe the way the card form does; returns its PaymentMethod id (not kept by us)."""

    def save(user, number: str = VISA) -> str:
        secret = card_setup_create(user=user)
        response = browser_confirm_setup(localstripe.base_url, secret, number)
        assert response.ok, response.text
        return card_from_setup(user=user, setup_intent_id=secret.split("_secret_")[0])

    return save


@pytest.fixture
def kept_card(save_card):
    """A card the customer kept for next time (as after a paid booking with "Save this card")."""

    def keep(user, number: str = VISA) -> SavedCard:
        method = stripe_client().v1.payment_methods.retrieve(save_card(user, number))
        return SavedCard.objects.create(
            user=user,
            payment_method_id=method.id,
            brand=method.card.brand,
            last4=method.card.last4,
            exp_month=method.card.exp_month,
            exp_year=method.card.exp_year,
        )

    return keep


@pytest.fixture
def pay(save_card):
    def pay_booking(booking: Booking, number: str = VISA) -> Payment:
        method = save_card(booking.customer, number)
        return payment_start(booking_id=booking.pk, customer=booking.customer, payment_method_id=method)

    return pay_booking


@pytest.fixture
def connect_provider(localstripe):
    """Make a new approved provider who completed Stripe Express onboarding (the fake onboarding page)."""

    def connect(**profile_fields):
        user = ProviderFactory(**profile_fields)
        url = connect_onboarding_link(
            provider=user, refresh_url="http://testserver/r", return_url="http://testserver/ok"
        )
        assert requests.post(url, allow_redirects=False, timeout=5).status_code == 303
        user.provider_profile.refresh_from_db()
        assert connect_account_refresh(account_id=user.provider_profile.stripe_account_id).payouts_enabled
        user.provider_profile.refresh_from_db()
        return user

    return connect


@pytest.fixture
def connected_provider(connect_provider):
    return connect_provider()


@pytest.fixture
def paid_booking(pay, connected_provider):
    """A booking paid with 4242 (scheduled, $120.00 held in escrow), by a provider who can be paid out."""
    booking = BookingFactory(provider=connected_provider)
    payment = pay(booking)
    assert payment.status == Payment.Status.SUCCEEDED
    booking.refresh_from_db()
    return booking


def walk(booking: Booking, *statuses: str) -> Booking:
    """Move a booking through statuses with the right actor for each step (reason where needed).

    `cancelled` is a staff member's cancellation, which waits for a staff decision on the money (a
    party's cancellation of a paid booking settles itself by the policy: test_cancellation.py).
    """
    S = Booking.Status
    actors = {
        S.IN_PROGRESS: booking.provider,
        S.PROVIDER_COMPLETED: booking.provider,
        S.COMPLETED: booking.customer,
        S.DISPUTED: booking.customer,
        S.CANCELLED: StaffFactory() if S.CANCELLED in statuses else None,
    }
    for status in statuses:
        booking_transition(booking_id=booking.pk, to_status=status, actor=actors[status], note="test reason")
    booking.refresh_from_db()
    return booking


@pytest.fixture
def completed_booking(paid_booking):
    S = Booking.Status
    return walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED, S.COMPLETED)
