"""The single way Servizo talks to Stripe: a configured client and error translation.

Call Stripe only outside database transactions, always with an idempotency key derived
from our own ids for anything that creates or moves money.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import stripe
from django.conf import settings

from servizo.exceptions import DomainError

UNAVAILABLE_MESSAGE = "The payment service is unavailable right now. Nothing has changed; please try again in a minute."


class PaymentServiceUnavailable(DomainError):
    """Stripe could not be reached (or failed on its side); the request can be retried safely."""

    def __init__(self, message: str = UNAVAILABLE_MESSAGE):
        super().__init__(message)


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
