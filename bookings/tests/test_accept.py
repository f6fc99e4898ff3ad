from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import ProviderProfile, ServiceCategory
from accounts.tests.factories import CustomerFactory, ProviderFactory
from bookings.models import Booking
from bookings.services import OFFER_TAKEN, booking_accept_offer
from offers.models import Offer, OfferDecline
from offers.selectors import offers_matching_provider
from offers.services import TermsChanged, offer_update
from offers.tests.factories import OfferFactory, terms_of
from places.tests.factories import florence, milan, prato
from servizo.exceptions import DomainError


@pytest.mark.django_db
def test_accepting_snapshots_the_terms_and_tells_the_customer(
    provider, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.PLATFORM_COMMISSION_BP = 1500
    settings.CURRENCY = "eur"  # a euro deployment
    offer = OfferFactory(price_cents=9950, currency="eur")
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_accept_offer(offer_id=offer.pk, provider=provider, terms_version=1)

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
        "Florence, IT",
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
    monkeypatch.setitem(
        services.MACHINE._hooks, Booking.Status.AWAITING_PAYMENT, [lambda b, e: seen.append((b.pk, e.actor))]
    )
    booking = booking_accept_offer(offer_id=OfferFactory().pk, provider=provider, terms_version=1)

    assert seen == [(booking.pk, provider)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("offer_kwargs", "message"),
    [
        ({"status": Offer.Status.ACCEPTED}, OFFER_TAKEN),
        ({"status": Offer.Status.WITHDRAWN}, "withdrew"),
        ({"status": Offer.Status.EXPIRED}, "expired"),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "expired"),
        ({"place": lambda: milan()}, "outside your service area"),
    ],
    ids=["taken", "withdrawn", "expired", "past-expiry-still-open", "other-city"],
)
def test_an_offer_that_cannot_be_taken_is_refused_and_left_alone(provider, offer_kwargs, message):
    offer = OfferFactory(**{name: value() if callable(value) else value for name, value in offer_kwargs.items()})
    status = offer.status

    with pytest.raises(DomainError, match=message):
        booking_accept_offer(offer_id=offer.pk, provider=provider, terms_version=1)

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
            booking_accept_offer(offer_id=offer.pk, provider=user, terms_version=1)

    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN
    assert not Booking.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"price_cents": 5000},
        {"preferred_date": timezone.localdate() + timedelta(days=10)},
        {"time_window": "evening"},
        {"address": "Via Roma 99"},
        {"description": "Also rewire the garage."},
    ],
    ids=lambda change: next(iter(change)),
)
def test_accepting_terms_that_changed_since_the_provider_saw_them_is_refused_and_writes_nothing(provider, change):
    # Given a provider who opened the offer at version 1, then the customer changed the deal
    offer = OfferFactory(price_cents=9950)
    offer_update(offer_id=offer.pk, customer=offer.customer, terms=terms_of(offer, **change))
    offer.refresh_from_db()

    # When the provider accepts what they saw
    with pytest.raises(TermsChanged) as excinfo:
        booking_accept_offer(offer_id=offer.pk, provider=provider, terms_version=1)

    # Then they are told the new terms and nothing is written
    assert str(excinfo.value) == (
        "The customer changed this offer since you opened it: "
        f"now ${offer.price_cents / 100:.2f} on {offer.preferred_date:%a} {offer.preferred_date.day} "
        f"{offer.preferred_date:%b %Y}, {offer.get_time_window_display()}, in Florence, IT. "
        "Review the new terms and accept again."
    )
    assert excinfo.value.offer.terms_version == 2
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN
    assert not offer.events.exists()
    assert not Booking.objects.exists()
    assert not offer.customer.notifications.exists()


@pytest.mark.django_db
def test_accepting_the_current_terms_after_an_edit_books_the_new_terms(provider):
    offer = OfferFactory(price_cents=9950)
    offer_update(offer_id=offer.pk, customer=offer.customer, terms=terms_of(offer, price_cents=5000))

    booking = booking_accept_offer(offer_id=offer.pk, provider=provider, terms_version=2)

    assert booking.price_cents == 5000


@pytest.mark.django_db
def test_a_missing_offer_is_a_domain_error(provider):
    with pytest.raises(DomainError, match="does not exist"):
        booking_accept_offer(offer_id=987654, provider=provider, terms_version=1)


@pytest.mark.django_db
def test_the_winner_accepting_twice_gets_the_same_booking_and_nothing_new(provider):
    offer = OfferFactory()
    first = booking_accept_offer(offer_id=offer.pk, provider=provider, terms_version=1)

    again = booking_accept_offer(offer_id=offer.pk, provider=provider, terms_version=1)

    assert again == first
    assert Booking.objects.count() == 1
    assert first.events.count() == 1
    assert offer.events.count() == 1


class _RolledBack(Exception):
    pass


@pytest.mark.django_db
def test_a_provider_may_accept_exactly_the_offers_in_their_feed():
    # Given providers with different radii in Florence and Prato (16.4 km apart), and offers around them
    places = {"Florence": florence(), "Prato": prato(), "Milan": milan()}
    providers = [
        ProviderFactory(base_place=places[name], service_radius_km=radius)
        for name, radius in [("Florence", 10), ("Florence", 20), ("Prato", 10)]
    ]
    offers = [OfferFactory(place=place) for place in places.values()]

    # Then each provider can accept an offer exactly when their feed shows it (on this database's comparison)
    outcomes = {}
    for provider in providers:
        feed = set(offers_matching_provider(provider=provider).values_list("pk", flat=True))
        for offer in offers:
            try:
                with transaction.atomic():
                    booking_accept_offer(offer_id=offer.pk, provider=provider, terms_version=1)
                    raise _RolledBack  # undo it, so the next provider finds the offer open
            except _RolledBack:
                accepted = True
            except DomainError:
                accepted = False
            profile = provider.provider_profile
            assert accepted == (offer.pk in feed), (profile.base_place.name, offer.place.name)
            outcomes[profile.base_place.name, profile.service_radius_km, offer.place.name] = accepted
    # and the distance decides
    assert outcomes["Florence", 10, "Florence"] and outcomes["Florence", 20, "Prato"]
    assert not outcomes["Florence", 10, "Prato"] and not outcomes["Prato", 10, "Milan"]
