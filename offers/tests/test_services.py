import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.tests.factories import CategoryFactory, ProviderFactory
from notifications.models import Notification
from offers.models import Offer, OfferDecline, OfferEvent
from offers.services import (
    TermsChanged,
    end_of_day,
    offer_create,
    offer_decline,
    offer_transition,
    offer_update,
    offer_withdraw,
    offers_expire_due,
)
from offers.tests.factories import OfferFactory, terms_of
from places.tests.factories import milan, prato
from servizo.exceptions import DomainError, TransitionNotAllowed

S = Offer.Status

pytestmark = pytest.mark.django_db


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


# --- create ------------------------------------------------------------------


def test_create_stores_cents_and_defaults_open_until_to_the_end_of_the_preferred_date(customer, make_terms):
    terms = make_terms()

    offer = offer_create(customer=customer, terms=terms)

    offer.refresh_from_db()
    assert offer.status == S.OPEN
    assert offer.price_cents == 4550
    assert offer.currency == "usd"
    assert offer.expires_at == end_of_day(terms.preferred_date, "Europe/Rome")  # the place is Florence
    assert offer.customer == customer


def test_create_notifies_each_matching_approved_provider_only(customer, make_terms):
    matching = ProviderFactory()  # based in Florence, like the offer
    ProviderFactory(base_place=milan())
    ProviderFactory(status="pending")
    ProviderFactory(categories=[CategoryFactory()])

    offer = offer_create(customer=customer, terms=make_terms())

    notifications = Notification.objects.filter(kind="offer_published")
    assert [n.recipient for n in notifications] == [matching]
    assert notifications[0].link == f"/offers/{offer.pk}/"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"price_cents": 0}, "price_cents"),
        ({"price_cents": 5_000_001}, "price_cents"),
        ({"preferred_date": datetime.date(2020, 1, 1)}, "preferred_date"),
        ({"preferred_date": timezone.localdate() + datetime.timedelta(days=400)}, "preferred_date"),
        ({"expires_at": timezone.now() - datetime.timedelta(minutes=1)}, "expires_at"),
        ({"expires_at": timezone.now() + datetime.timedelta(days=30)}, "expires_at"),
    ],
)
def test_create_refuses_bad_terms_with_a_field_error(customer, make_terms, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        offer_create(customer=customer, terms=make_terms(**overrides))

    assert list(_errors(excinfo)) == [field]
    assert not Offer.objects.exists()


def test_price_limit_comes_from_settings(customer, make_terms, settings):
    settings.OFFER_MAX_PRICE_CENTS = 10_000

    with pytest.raises(ValidationError) as excinfo:
        offer_create(customer=customer, terms=make_terms(price_cents=10_001))

    assert _errors(excinfo)["price_cents"] == ["The most an offer can be is $100.00."]
    assert offer_create(customer=customer, terms=make_terms(price_cents=10_000)).price_cents == 10_000


def test_inactive_category_is_refused(customer, make_terms):
    retired = CategoryFactory(is_active=False)

    with pytest.raises(ValidationError) as excinfo:
        offer_create(customer=customer, terms=make_terms(category=retired))

    assert list(_errors(excinfo)) == ["category"]


def test_only_customers_post_offers(provider, make_terms):
    with pytest.raises(DomainError):
        offer_create(customer=provider, terms=make_terms())


# --- update and withdraw -----------------------------------------------------------


def test_customer_edits_an_open_offer(customer, make_terms):
    offer = OfferFactory(customer=customer)

    offer_update(offer_id=offer.pk, customer=customer, terms=make_terms(title="New title", price_cents=9900))

    offer.refresh_from_db()
    assert (offer.title, offer.price_cents) == ("New title", 9900)


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Another job"},
        {"description": "Now also the garden lights."},
        {"address": "Via Roma 99"},
        {"place": "Prato"},
        {"preferred_date": timezone.localdate() + datetime.timedelta(days=9)},
        {"time_window": "evening"},
        {"price_cents": 100},
    ],
    ids=lambda change: next(iter(change)),
)
def test_an_edit_that_changes_the_deal_bumps_the_terms_version(customer, change):
    offer = OfferFactory(customer=customer)
    if "place" in change:
        change = {"place": prato()}

    offer_update(offer_id=offer.pk, customer=customer, terms=terms_of(offer, **change))

    offer.refresh_from_db()
    assert offer.terms_version == 2


def test_an_edit_of_the_category_bumps_the_terms_version(customer):
    offer = OfferFactory(customer=customer)

    offer_update(offer_id=offer.pk, customer=customer, terms=terms_of(offer, category=CategoryFactory()))

    offer.refresh_from_db()
    assert offer.terms_version == 2


def test_saving_the_same_terms_or_only_a_new_open_until_keeps_the_terms_version(customer):
    offer = OfferFactory(customer=customer)

    offer_update(offer_id=offer.pk, customer=customer, terms=terms_of(offer))
    sooner = offer.expires_at - datetime.timedelta(hours=1)
    offer_update(offer_id=offer.pk, customer=customer, terms=terms_of(offer, expires_at=sooner))

    offer.refresh_from_db()
    assert (offer.terms_version, offer.expires_at) == (1, sooner)


@pytest.mark.parametrize("status", [S.ACCEPTED, S.WITHDRAWN, S.EXPIRED])
def test_offer_is_frozen_once_it_left_open(customer, make_terms, status):
    offer = OfferFactory(customer=customer, status=status)

    with pytest.raises(TransitionNotAllowed):
        offer_update(offer_id=offer.pk, customer=customer, terms=make_terms(title="Changed"))

    offer.refresh_from_db()
    assert offer.title != "Changed"


@pytest.mark.parametrize("status", [S.ACCEPTED, S.EXPIRED])
def test_accepted_or_expired_offer_cannot_be_withdrawn(customer, status):
    offer = OfferFactory(customer=customer, status=status)

    with pytest.raises(TransitionNotAllowed):
        offer_withdraw(offer_id=offer.pk, customer=customer)

    offer.refresh_from_db()
    assert offer.status == status


def test_an_open_offer_past_its_expiry_cannot_be_edited_or_withdrawn(customer, make_terms):
    offer = OfferFactory(customer=customer, expires_at=timezone.now() - datetime.timedelta(seconds=1))

    with pytest.raises(TransitionNotAllowed, match="expired"):
        offer_update(offer_id=offer.pk, customer=customer, terms=make_terms())
    with pytest.raises(TransitionNotAllowed, match="expired"):
        offer_withdraw(offer_id=offer.pk, customer=customer)


def test_another_customer_cannot_edit_or_withdraw(customer, make_terms):
    offer = OfferFactory()

    with pytest.raises(DomainError):
        offer_update(offer_id=offer.pk, customer=customer, terms=make_terms())
    with pytest.raises(DomainError):
        offer_withdraw(offer_id=offer.pk, customer=customer)
    offer.refresh_from_db()
    assert offer.status == S.OPEN


def test_withdraw_records_one_event_and_is_idempotent(customer):
    offer = OfferFactory(customer=customer)

    offer_withdraw(offer_id=offer.pk, customer=customer)
    offer_withdraw(offer_id=offer.pk, customer=customer)

    offer.refresh_from_db()
    assert offer.status == S.WITHDRAWN
    event = OfferEvent.objects.get(offer=offer)
    assert (event.actor, event.from_status, event.to_status) == (customer, S.OPEN, S.WITHDRAWN)


# --- transitions ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "to"),
    [(S.OPEN, S.ACCEPTED), (S.OPEN, S.WITHDRAWN), (S.OPEN, S.EXPIRED), (S.ACCEPTED, S.OPEN)],
)
def test_allowed_transitions(start, to):
    offer = OfferFactory(status=start)

    with transaction.atomic():
        offer_transition(offer=Offer.objects.select_for_update().get(pk=offer.pk), to_status=to, actor=None)

    offer.refresh_from_db()
    assert offer.status == to
    assert OfferEvent.objects.filter(offer=offer, from_status=start, to_status=to).count() == 1


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (S.ACCEPTED, S.WITHDRAWN),
        (S.ACCEPTED, S.EXPIRED),
        (S.WITHDRAWN, S.OPEN),
        (S.WITHDRAWN, S.ACCEPTED),
        (S.EXPIRED, S.OPEN),
        (S.EXPIRED, S.ACCEPTED),
        (S.OPEN, S.OPEN),
    ],
)
def test_forbidden_transitions_raise_and_record_nothing(start, to):
    offer = OfferFactory(status=start)

    with pytest.raises(TransitionNotAllowed), transaction.atomic():
        offer_transition(offer=Offer.objects.select_for_update().get(pk=offer.pk), to_status=to, actor=None)

    offer.refresh_from_db()
    assert offer.status == start
    assert not OfferEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded_categories")
def test_transition_outside_a_transaction_is_a_programming_error():
    with pytest.raises(RuntimeError):
        offer_transition(offer=OfferFactory(), to_status=S.WITHDRAWN, actor=None)


# --- decline --------------------------------------------------------------------


def test_decline_hides_the_offer_and_tells_the_customer_a_count_not_a_name(provider):
    offer = OfferFactory()
    second = ProviderFactory()

    offer_decline(offer_id=offer.pk, provider=provider, terms_version=1, reason="Too far")
    offer_decline(offer_id=offer.pk, provider=second, terms_version=1)

    assert OfferDecline.objects.filter(offer=offer).count() == 2
    texts = list(
        Notification.objects.filter(recipient=offer.customer, kind="offer_declined").values_list("text", flat=True)
    )
    assert texts == [
        f"2 providers have declined your offer “{offer.title}”.",
        f"1 provider has declined your offer “{offer.title}”.",
    ]
    assert all(provider.full_name not in text and second.full_name not in text for text in texts)


def test_declining_twice_changes_nothing(provider):
    offer = OfferFactory()

    first = offer_decline(offer_id=offer.pk, provider=provider, terms_version=1, reason="Busy")
    again = offer_decline(offer_id=offer.pk, provider=provider, terms_version=1, reason="Other")

    assert again == first
    assert Notification.objects.filter(kind="offer_declined").count() == 1


@pytest.mark.parametrize(
    "make_offer",
    [
        lambda: OfferFactory(place=milan()),
        lambda: OfferFactory(status=S.WITHDRAWN),
        lambda: OfferFactory(expires_at=timezone.now() - datetime.timedelta(minutes=1)),
    ],
    ids=["out-of-reach", "withdrawn", "expired"],
)
def test_provider_cannot_decline_an_offer_outside_their_feed(provider, make_offer):
    offer = make_offer()

    with pytest.raises(TransitionNotAllowed):
        offer_decline(offer_id=offer.pk, provider=provider, terms_version=1)
    assert not OfferDecline.objects.exists()


def test_declining_terms_that_changed_since_the_provider_saw_them_is_refused_and_writes_nothing(provider):
    # Given a provider who opened the offer at version 1, then the customer raised the price
    offer = OfferFactory()
    offer_update(offer_id=offer.pk, customer=offer.customer, terms=terms_of(offer, price_cents=25000))

    # When they decline what they saw
    with pytest.raises(
        TermsChanged, match=r"now \$250\.00 on .*, in Florence, IT\. Review the new terms and decline again"
    ):
        offer_decline(offer_id=offer.pk, provider=provider, terms_version=1, reason="Too cheap")

    # Then nothing is recorded and the customer hears nothing; the current version declines
    assert not OfferDecline.objects.exists()
    assert not Notification.objects.filter(kind="offer_declined").exists()
    offer_decline(offer_id=offer.pk, provider=provider, terms_version=2)
    assert OfferDecline.objects.get().provider == provider


def test_unapproved_provider_cannot_decline():
    offer = OfferFactory()

    with pytest.raises(TransitionNotAllowed):
        offer_decline(offer_id=offer.pk, provider=ProviderFactory(status="pending"), terms_version=1)


# --- expiry -----------------------------------------------------------------------


def test_expire_due_marks_only_open_offers_past_their_time():
    past = timezone.now() - datetime.timedelta(minutes=1)
    due = OfferFactory.create_batch(3, expires_at=past)
    live = OfferFactory()
    withdrawn_past = OfferFactory(status=S.WITHDRAWN, expires_at=past)

    assert offers_expire_due(batch_size=2) == 3
    assert offers_expire_due() == 0

    assert set(Offer.objects.filter(status=S.EXPIRED)) == set(due)
    live.refresh_from_db()
    withdrawn_past.refresh_from_db()
    assert (live.status, withdrawn_past.status) == (S.OPEN, S.WITHDRAWN)
    assert OfferEvent.objects.filter(to_status=S.EXPIRED, actor=None).count() == 3


def test_end_of_day_is_midnight_after_the_date_at_the_place_whatever_the_viewer_zone():
    with timezone.override(zoneinfo.ZoneInfo("Asia/Karachi")):
        moment = end_of_day(datetime.date(2030, 6, 1), "Europe/Rome")
    assert moment == datetime.datetime(2030, 6, 1, 22, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_a_provider_declines_an_offer_within_their_radius_and_nothing_else():
    # Given a provider in Prato (10 km) and offers in Prato and in Florence (16.4 km away)
    provider = ProviderFactory(base_place=prato(), service_radius_km=10)
    here, elsewhere = OfferFactory(place=prato()), OfferFactory()

    # Then the one within reach is declined; the other is refused without saying why
    offer_decline(offer_id=here.pk, provider=provider, terms_version=1)
    with pytest.raises(TransitionNotAllowed, match="no longer available"):
        offer_decline(offer_id=elsewhere.pk, provider=provider, terms_version=1)
    assert list(OfferDecline.objects.values_list("offer_id", flat=True)) == [here.pk]
