"""Races on real MariaDB: threads with their own connections hit the same rows at once.

The `seeded_categories` fixture restores the categories that the flush after a transactional test removes.
"""

from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone

from accounts.tests.factories import ProviderFactory
from bookings.models import Booking, BookingEvent
from bookings.services import OFFER_TAKEN, booking_accept_offer, booking_expire_unpaid, booking_transition
from bookings.tests.factories import BookingFactory
from offers.models import Offer, OfferEvent
from offers.services import TermsChanged, offer_update
from offers.tests.factories import OfferFactory, terms_of
from servizo.exceptions import DomainError, TransitionNotAllowed
from servizo.testing.concurrency import race

THREADS = 10
ROUNDS = 20


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_categories")
def test_many_providers_accepting_one_offer_at_once_make_exactly_one_booking():
    providers = [ProviderFactory() for _ in range(THREADS)]

    for _ in range(ROUNDS):
        offer = OfferFactory()

        results = race(
            [partial(booking_accept_offer, offer_id=offer.pk, provider=p, terms_version=1) for p in providers]
        )

        winners = [r for r in results if isinstance(r, Booking)]
        losers = [r for r in results if not isinstance(r, Booking)]
        assert len(winners) == 1
        assert all(isinstance(r, DomainError) and str(r) == OFFER_TAKEN for r in losers), losers
        assert Booking.objects.filter(offer=offer).count() == 1
        assert OfferEvent.objects.filter(offer=offer).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_categories")
def test_two_confirmations_at_once_record_one_completion():
    for _ in range(10):
        booking = BookingFactory(status=Booking.Status.PROVIDER_COMPLETED)
        confirm = partial(
            booking_transition, booking_id=booking.pk, to_status=Booking.Status.COMPLETED, actor=booking.customer
        )

        results = race([confirm, confirm])

        assert sum(isinstance(r, Booking) for r in results) == 1
        assert sum(isinstance(r, DomainError) for r in results) == 1
        assert BookingEvent.objects.filter(booking=booking, to_status=Booking.Status.COMPLETED).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_categories")
def test_expiry_racing_a_payment_and_itself_leaves_one_consistent_outcome():
    for _ in range(10):
        booking = BookingFactory(pay_by=timezone.now() - timedelta(seconds=1))
        expire = partial(booking_expire_unpaid, booking_id=booking.pk)
        pay = partial(booking_transition, booking_id=booking.pk, to_status=Booking.Status.SCHEDULED, actor=None)

        results = race([expire, expire, pay])

        assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)], results
        booking.refresh_from_db()
        booking.offer.refresh_from_db()
        assert booking.events.count() == 1
        if booking.status == Booking.Status.CANCELLED:
            assert results[:2].count(True) == 1
            assert booking.offer.status == Offer.Status.OPEN
        else:
            assert booking.status == Booking.Status.SCHEDULED
            assert results[:2] == [False, False]
            assert booking.offer.status == Offer.Status.ACCEPTED


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_categories")
def test_a_price_cut_racing_an_accept_never_books_terms_the_provider_did_not_see():
    provider = ProviderFactory()
    for _ in range(ROUNDS):
        offer = OfferFactory(price_cents=12000)
        accept = partial(booking_accept_offer, offer_id=offer.pk, provider=provider, terms_version=1)
        cut = partial(offer_update, offer_id=offer.pk, customer=offer.customer, terms=terms_of(offer, price_cents=4000))

        booked, edited = race([accept, cut])

        offer.refresh_from_db()
        if isinstance(booked, Booking):  # the accept locked first: the edit finds the offer taken
            assert isinstance(edited, TransitionNotAllowed), edited
            assert (booked.price_cents, offer.price_cents, offer.terms_version) == (12000, 12000, 1)
        else:  # the edit locked first: the accept is refused with the new terms
            assert isinstance(booked, TermsChanged) and "$40.00" in str(booked), booked
            assert isinstance(edited, Offer) and (offer.status, offer.terms_version) == (Offer.Status.OPEN, 2)
            assert not Booking.objects.filter(offer=offer).exists()
