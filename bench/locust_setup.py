"""Users for bench/locustfile.py on the `make prod-local` stack; prints their sessions as JSON.

Run with the stack's env file loaded (bench/loadtest.sh does): production settings, its database.
Sessions come from the test Client's force_login (the stack's default password hasher costs ~0.5 s
of CPU per login here; logging in is not what the load test measures). Makes approved providers in
Florence (electrician, plumber), customers, one superuser, an open offer per customer so the feed is
not empty, and one conversation per customer-provider pair for the chat users.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import django

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.tests.factories import CustomerFactory, ProviderProfileFactory, StaffFactory  # noqa: E402
from bookings.models import Booking  # noqa: E402
from bookings.tests.factories import BookingFactory  # noqa: E402
from chat.tests.factories import ConversationFactory  # noqa: E402
from offers.tests.factories import OfferFactory  # noqa: E402

PAIRS = 20


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def main() -> None:
    customers = [CustomerFactory() for _ in range(PAIRS)]
    providers = [ProviderProfileFactory().user for _ in range(PAIRS)]
    staff = StaffFactory(is_superuser=True)
    for customer in customers:
        OfferFactory(customer=customer)
    conversations = [
        ConversationFactory(booking=BookingFactory(offer__customer=c, provider=p, status=Booking.Status.SCHEDULED))
        for c, p in zip(customers, providers, strict=True)
    ]
    print(
        json.dumps(
            {
                "customers": [session_of(u) for u in customers],
                "providers": [session_of(u) for u in providers],
                "staff": [session_of(staff)],
                "chats": [
                    {"conversation": c.pk, "customer": session_of(c.customer), "provider": session_of(c.provider)}
                    for c in conversations
                ],
                "providers_public": [p.pk for p in providers],
                "stripe_api": settings.STRIPE_API_BASE,
                "stripe_key": settings.STRIPE_PUBLISHABLE_KEY,
            }
        )
    )


if __name__ == "__main__":
    main()
