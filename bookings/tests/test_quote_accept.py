"""Accepting a quote: the booking is made at the quoted terms by the direct-accept path, exactly once.

The race tests run threads with their own connections on real MariaDB (and on SQLite in `make test`,
where the database-wide write lock serializes them).
"""

from datetime import timedelta
from functools import partial

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ProviderProfile
from accounts.tests.factories import ProviderFactory
from bookings.models import Booking, BookingStatusCounts
from bookings.services import OFFER_TAKEN, booking_accept_offer, booking_accept_quote, booking_expire_unpaid
from offers.models import Offer, OfferEvent, Quote
from offers.quote_services import STALE_REVISION, quote_withdraw
from offers.services import offer_update
from offers.tests.factories import OfferFactory, quote_on, terms_of
from servizo.exceptions import DomainError, TransitionNotAllowed
from servizo.testing.concurrency import race

QS = Quote.Status


def accept(quote: Quote, revision: int = 1) -> Booking:
    return booking_accept_quote(quote_id=quote.pk, customer=quote.offer.customer, revision=revision)


@pytest.mark.django_db
def test_accepting_a_quote_books_its_terms_and_closes_the_others(
    provider, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.PLATFORM_COMMISSION_BP = 1500
    other = ProviderFactory()
    offer = OfferFactory(price_cents=12000, time_window="morning")
    day = offer.preferred_date + timedelta(days=2)
    quote = quote_on(offer, provider, 9950, preferred_date=day, time_window="evening")
    rival = quote_on(offer, other, 9000)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        booking = accept(quote)

    assert (booking.provider, booking.customer, booking.status) == (
        provider,
        offer.customer,
        Booking.Status.AWAITING_PAYMENT,
    )
    assert (booking.price_cents, booking.commission_rate_bp, booking.scheduled_date, booking.time_window) == (
        9950,
        1500,
        day,
        "evening",
    )
    assert booking.events.get().actor == offer.customer
    offer.refresh_from_db()
    quote.refresh_from_db()
    rival.refresh_from_db()
    assert (offer.status, quote.status, rival.status) == (Offer.Status.ACCEPTED, QS.ACCEPTED, QS.LOST)
    assert rival.events.last().note == "The customer accepted another provider's quote."
    assert "accepted your quote" in provider.notifications.get(kind="booking_awaiting_payment").text
    assert "another provider's quote" in other.notifications.get(kind="quote_lost").text
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted([provider.email, other.email])
    counts = BookingStatusCounts.objects.get(user=provider, side=BookingStatusCounts.Side.PROVIDER)
    assert counts.awaiting_payment == 1
    assert accept(quote) == booking  # a double click: the same booking
    assert Booking.objects.count() == 1


@pytest.mark.django_db
def test_a_direct_accept_loses_the_other_quotes_and_withdraws_the_accepters_own(provider):
    other = ProviderFactory()
    offer = OfferFactory()
    mine, theirs = quote_on(offer, provider), quote_on(offer, other)

    booking = booking_accept_offer(offer_id=offer.pk, provider=provider, terms_version=1)

    assert booking.price_cents == offer.price_cents
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (QS.WITHDRAWN, QS.LOST)
    assert theirs.events.last().note == "Another provider accepted the offer at the customer's price."
    with pytest.raises(DomainError, match=f"just booked with {provider}"):
        accept(theirs)


@pytest.mark.django_db
def test_a_revised_quote_is_not_accepted_on_the_old_revision(provider):
    offer = OfferFactory()
    quote = quote_on(offer, provider, 9000)
    quote_on(offer, provider, 11000)

    with pytest.raises(DomainError, match=STALE_REVISION):
        accept(quote, revision=1)
    assert accept(quote, revision=2).price_cents == 11000


@pytest.mark.django_db
def test_a_quote_for_terms_the_customer_changed_is_not_accepted(provider):
    offer = OfferFactory()
    quote = quote_on(offer, provider)
    offer_update(offer_id=offer.pk, customer=offer.customer, terms=terms_of(offer, title="Now three lights"))

    with pytest.raises(DomainError, match="Ask them to revise it"):
        accept(quote)
    assert not Booking.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["expired", "withdrawn", "suspended"])
def test_a_quote_that_cannot_be_taken_any_more_is_refused(provider, state):
    offer = OfferFactory()
    quote = quote_on(offer, provider)
    if state == "expired":
        Quote.objects.filter(pk=quote.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif state == "withdrawn":
        quote_withdraw(quote_id=quote.pk, provider=provider)
    else:
        ProviderProfile.objects.filter(user=provider).update(status=ProviderProfile.Status.SUSPENDED)

    with pytest.raises(DomainError):
        accept(quote)
    assert not Booking.objects.exists()
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.OPEN


@pytest.mark.django_db
def test_when_the_booking_lapses_unpaid_and_the_offer_reopens_providers_may_quote_again(provider):
    other = ProviderFactory()
    offer = OfferFactory()
    rival = quote_on(offer, other, 8000)
    booking = accept(quote_on(offer, provider, 9000))
    Booking.objects.filter(pk=booking.pk).update(pay_by=timezone.now() - timedelta(seconds=1))

    assert booking_expire_unpaid(booking_id=booking.pk)

    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.OPEN
    again = quote_on(offer, provider, 9500)
    assert (again.status, again.revision) == (QS.PENDING, 2)
    assert quote_on(offer, other, 8500).status == QS.PENDING  # the lost quote, sent again
    assert Quote.objects.get(pk=rival.pk).revision == 2
    assert accept(again, revision=2).price_cents == 9500


@pytest.mark.django_db
def test_customer_accepts_from_the_page_and_goes_on_to_pay(client, provider):
    offer = OfferFactory()
    quote = quote_on(offer, provider, 9900)
    client.force_login(offer.customer)
    page = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    assert reverse("bookings:accept_quote", args=[quote.pk]) in page

    stale = client.post(reverse("bookings:accept_quote", args=[quote.pk]), {"revision": "x"})
    response = client.post(reverse("bookings:accept_quote", args=[quote.pk]), {"revision": 1})

    assert stale.url == reverse("offers:detail", args=[offer.pk])
    booking = Booking.objects.get()
    assert response.url == reverse("bookings:detail", args=[booking.pk])
    assert booking.price_cents == 9900
    client.force_login(provider)
    assert client.post(reverse("bookings:accept_quote", args=[quote.pk]), {"revision": 1}).status_code == 403


# --- races ---------------------------------------------------------------------------------------

ROUNDS = 8


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_categories")
def test_quote_accepts_and_direct_accepts_at_once_make_exactly_one_booking():
    """Guarded by the offer's row lock in booking_accept_quote / booking_accept_offer: without it two win."""
    quoters = [ProviderFactory() for _ in range(3)]
    direct = ProviderFactory()

    for _ in range(ROUNDS):
        offer = OfferFactory()
        quotes = [quote_on(offer, p, 9000 + i) for i, p in enumerate(quoters)]
        calls = [partial(accept, q) for q in quotes[:2]] + [
            partial(booking_accept_offer, offer_id=offer.pk, provider=p, terms_version=1) for p in (direct, quoters[2])
        ]

        results = race(calls)

        winners = [r for r in results if isinstance(r, Booking)]
        losers = [r for r in results if not isinstance(r, Booking)]
        assert len(winners) == 1, results
        assert all(isinstance(r, DomainError) for r in losers), losers
        assert all(str(r) == OFFER_TAKEN or "just booked with" in str(r) for r in losers), losers
        booking = Booking.objects.get(offer=offer)
        assert OfferEvent.objects.filter(offer=offer).count() == 1
        statuses = {q.provider_id: q.status for q in Quote.objects.filter(offer=offer)}
        assert QS.PENDING not in statuses.values()
        winner_quote = statuses.get(booking.provider_id)
        if booking.provider_id == direct.pk:
            assert set(statuses.values()) == {QS.LOST}
        elif booking.price_cents == offer.price_cents:  # the quoter who accepted directly
            assert winner_quote == QS.WITHDRAWN
        else:
            assert winner_quote == QS.ACCEPTED
            assert sorted(statuses.values()).count(QS.LOST) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_categories")
def test_accepting_a_quote_racing_its_withdrawal_and_revision_has_one_outcome():
    """Guarded by the offer and quote locks: without them a withdrawn or revised quote could still be booked."""
    provider = ProviderFactory()

    for _ in range(ROUNDS):
        offer = OfferFactory()
        quote = quote_on(offer, provider, 9000)

        results = race(
            [
                partial(accept, quote),
                partial(quote_withdraw, quote_id=quote.pk, provider=provider),
                partial(quote_on, offer, provider, 9500),
            ]
        )

        booked, withdrew, revised = results
        assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)], results
        quote.refresh_from_db()
        bookings = list(Booking.objects.filter(offer=offer))
        if isinstance(booked, Booking):
            assert bookings == [booked] and booked.price_cents == 9000  # the terms the customer saw
            assert quote.status == QS.ACCEPTED
            assert isinstance(withdrew, TransitionNotAllowed) and isinstance(revised, TransitionNotAllowed)
        else:
            assert bookings == []
            assert str(booked) in {STALE_REVISION, "This quote is withdrawn."} or "expired" in str(booked)
            assert quote.status in {QS.WITHDRAWN, QS.PENDING}
