"""The single way Servizo talks to Stripe: a configured client and error translation.

Call Stripe only outside database transactions, always with an idempotency key derived
from our own ids for anything that creates or moves money.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import stripe
from django.conf import settings
from django.utils.translation import gettext, gettext_noop

from servizo.exceptions import DomainError

# Stripe's (and localstripe's) messages for a card it refused, in English: `card_message` shows them in
# the viewer's language. A message not listed here is shown as Stripe wrote it.
CARD_DECLINED = gettext_noop("Your card was declined.")
STRIPE_CARD_MESSAGES = frozenset(
    (
        CARD_DECLINED,
        gettext_noop("Your card has insufficient funds."),
        gettext_noop("Your card has expired."),
        gettext_noop("Your card's security code is incorrect."),
        gettext_noop("Your card number is incorrect."),
        gettext_noop("Your card does not support this type of purchase."),
        gettext_noop("An error occurred while processing your card. Try again in a little bit."),
        gettext_noop(
            "We are unable to authenticate your payment method. Please choose a different payment method and try again."
        ),
        gettext_noop("The provided PaymentMethod has failed authentication."),
    )
)


def card_message(message: str) -> str:
    """A card error message of Stripe's (stored as Stripe wrote it) in the active language."""
    return gettext(message) if message in STRIPE_CARD_MESSAGES else message


class PaymentServiceUnavailable(DomainError):
    """Stripe could not be reached (or failed on its side); the request can be retried safely."""

    def __init__(self, message: str = ""):
        super().__init__(
            message
            or gettext(
                "The payment service is unavailable right now. Nothing has changed; please try again in a minute."
            )
        )


@lru_cache(maxsize=4)
def _client(api_key: str, api_base: str, ca_bundle: str) -> stripe.StripeClient:
    if ca_bundle:
        stripe.ca_bundle_path = ca_bundle  # the SDK's HTTP clients read this module global
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base, "connect": api_base},
        max_network_retries=1,
    )


def stripe_client() -> stripe.StripeClient:
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE, settings.STRIPE_CA_BUNDLE)


@contextmanager
def stripe_errors() -> Iterator[None]:
    """Turn "Stripe is unreachable or broken" into PaymentServiceUnavailable; other errors pass."""
    try:
        yield
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        raise PaymentServiceUnavailable() from error
    except stripe.APIError as error:  # 5xx on Stripe's side
        raise PaymentServiceUnavailable() from error


def object_id(value) -> str:
    """An id from a field Stripe may return as an id string or an expanded object (localstripe)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else value.id


def metadata_of(stripe_object) -> dict[str, str]:
    """A Stripe object's metadata as a plain dict (empty when missing)."""
    metadata = getattr(stripe_object, "metadata", None)
    return metadata.to_dict() if metadata else {}
