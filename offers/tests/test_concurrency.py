"""Races on real MariaDB: threads with their own connections hit the same offer at once."""

import pytest
from django.db import transaction

from accounts.tests.factories import ProviderFactory
from notifications.models import Notification
from offers.models import Offer, OfferEvent
from offers.services import offer_decline, offer_transition, offer_withdraw
from offers.tests.factories import OfferFactory
from servizo.exceptions import TransitionNotAllowed
from servizo.testing.concurrency import race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded_categories")]

THREADS = 10


def _accept(offer_id):
    """What bookings' accept does to the offer: lock it, then move it to accepted."""
    with transaction.atomic():
        offer = Offer.objects.select_for_update().get(pk=offer_id)
        return offer_transition(offer=offer, to_status=Offer.Status.ACCEPTED, actor=None)


@pytest.mark.parametrize("round_", range(5))
def test_withdraw_racing_acceptance_makes_exactly_one_move(round_):
    offer = OfferFactory()
    customer = offer.customer
    actions = [lambda: offer_withdraw(offer_id=offer.pk, customer=customer)] * (THREADS // 2)
    actions += [lambda: _accept(offer.pk)] * (THREADS // 2)

    results = race(actions)

    assert all(isinstance(r, Offer | TransitionNotAllowed) for r in results), results
    event = OfferEvent.objects.get(offer=offer)  # exactly one
    offer.refresh_from_db()
    assert offer.status == event.to_status


def test_simultaneous_declines_are_counted_one_by_one():
    offer = OfferFactory()
    providers = [ProviderFactory() for _ in range(THREADS)]

    results = race([lambda p=p: offer_decline(offer_id=offer.pk, provider=p, terms_version=1) for p in providers])

    assert not [r for r in results if isinstance(r, Exception)]
    texts = set(Notification.objects.filter(recipient=offer.customer).values_list("text", flat=True))
    assert {text.split(" ")[0] for text in texts} == {str(n) for n in range(1, THREADS + 1)}
