from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ProviderProfile, ServiceCategory
from accounts.tests.factories import CustomerFactory, ProviderFactory
from bookings.models import Booking
from bookings.services import OFFER_TAKEN, booking_accept_offer
from offers.models import Offer, OfferDecline
from offers.tests.factories import OfferFactory
from servizo.exceptions import DomainError


@pytest.mark.django_db
def test_accepting_snapshots_the_terms_and_tells_the_customer(
    provider, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.PLATFORM_COMMISSION_BP = 1500
    offer = OfferFactory(city="florence", price_cents=9950, currency="eur")
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_accept_offer(offer_id=offer.pk, provider=provider)

    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
    assert offer.events.get().actor == provider
    assert (booking.customer, booking.provider, booking.category, booking.status) == (
        offer.customer,
        provider,
        offer.category,
        Booking.Status.AWAITING_PAYMENT,
    )
    assert (booking.price_cents, booking.currency, booking.commission_rate_bp) == (9950, "eur", 1500)
    assert (booking.title, booking.description, booking.address, booking.city) == (
        offer.title,
        offer.description,
        offer.address,
        offer.city,
    )
    assert (booking.scheduled_date, booking.time_window) == (offer.preferred_date, offer.time_window)
    assert (
        before + settings.BOOKING_PAYMENT_WINDOW <= booking.pay_by <= timezone.now() + settings.BOOKING_PAYMENT_WINDOW
    )
    event = booking.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", Booking.Status.AWAITING_PAYMENT, provider)
    assert offer.customer.notifications.get().kind == "booking_awaiting_payment"
    assert [mail.to for mail in mailoutbox] == [[offer.customer.email]]
    assert "accepted your offer" in mailoutbox[0].body


@pytest.mark.django_db
def test_awaiting_payment_hooks_run_with_the_creation_event(provider, monkeypatch):
    from bookings import services

    seen = []
    monkeypatch.setitem(services._hooks, Booking.Status.AWAITING_PAYMENT, [lambda b, e: seen.append((b.pk, e.actor))])
    booking = booking_accept_offer(offer_id=OfferFactory().pk, provider=provider)

    assert seen == [(booking.pk, provider)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("offer_kwargs", "message"),
    [
        ({"status": Offer.Status.ACCEPTED}, OFFER_TAKEN),
        ({"status": Offer.Status.WITHDRAWN}, "withdrew"),
        ({"status": Offer.Status.EXPIRED}, "expired"),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "expired"),
        ({"city": "Milan"}, "outside your city"),
    ],
    ids=["taken", "withdrawn", "expired", "past-expiry-still-open", "other-city"],
)
def test_an_offer_that_cannot_be_taken_is_refused_and_left_alone(provider, offer_kwargs, message):
    offer = OfferFactory(**offer_kwargs)
    status = offer.status

    with pytest.raises(DomainError, match=message):
        booking_accept_offer(offer_id=offer.pk, provider=provider)

    offer.refresh_from_db()
    assert offer.status == status
    assert not Booking.objects.exists()


@pytest.mark.django_db
def test_a_provider_must_be_approved_serve_the_category_and_not_have_declined(provider):
    offer = OfferFactory()
    pending = ProviderFactory(status=ProviderProfile.Status.PENDING)
    wrong_trade = ProviderFactory(categories=[ServiceCategory.objects.get(slug="handyman")])
    OfferDecline.objects.create(offer=offer, provider=provider)

    for user, message in [
        (pending, "approved providers"),
        (CustomerFactory(), "approved providers"),
        (wrong_trade, "categories"),
        (provider, "declined"),
    ]:
        with pytest.raises(DomainError, match=message):
            booking_accept_offer(offer_id=offer.pk, provider=user)

    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN
    assert not Booking.objects.exists()


@pytest.mark.django_db
def test_a_missing_offer_is_a_domain_error(provider):
    with pytest.raises(DomainError, match="does not exist"):
        booking_accept_offer(offer_id=987654, provider=provider)


@pytest.mark.django_db
def test_the_winner_accepting_twice_gets_the_same_booking_and_nothing_new(provider):
    offer = OfferFactory()
    first = booking_accept_offer(offer_id=offer.pk, provider=provider)

    again = booking_accept_offer(offer_id=offer.pk, provider=provider)

    assert again == first
    assert Booking.objects.count() == 1
    assert first.events.count() == 1
    assert offer.events.count() == 1
