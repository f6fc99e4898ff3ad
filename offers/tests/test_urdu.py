"""Offers in Urdu (issue 16): the pages, a form error, the rule's refusals and the category's Urdu name.

The language comes from the cookie the language switcher sets (LocaleMiddleware); the English pages are
covered by the other tests, which assert English text.
"""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from accounts.tests.factories import CategoryFactory, ProviderFactory
from offers.models import Offer, OfferDecline
from offers.selectors import offer_reach, provider_offer_access
from offers.services import offer_create
from offers.tests.factories import OfferFactory, quote_on
from places.tests.factories import milan

pytestmark = pytest.mark.django_db

ELECTRICIAN_UR = "الیکٹریشن"  # the seeded category's Urdu name (accounts migration 0010)


def _in_urdu(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ur"
    return client


def test_offer_form_in_urdu_with_the_categorys_urdu_name(client, customer):
    body = _in_urdu(client, customer).get(reverse("offers:create")).content.decode()

    assert '<h1 class="h3 mb-3">پیشکش شائع کریں</h1>' in body
    assert "مختصر عنوان" in body and "Short title" not in body  # a model form label
    assert "صبح (8–12)" in body and "Morning (8–12)" not in body  # a choice label
    assert f">{ELECTRICIAN_UR}</option>" in body and ">Electrician</option>" not in body


def test_offer_form_in_english_keeps_the_english_category_name(client, customer):
    client.force_login(customer)

    body = client.get(reverse("offers:create")).content.decode()

    assert ">Electrician</option>" in body and ELECTRICIAN_UR not in body


def test_offer_form_errors_and_reach_warning_in_urdu(client, customer, electrician):
    client = _in_urdu(client, customer)
    data = {
        "category": electrician.pk,
        "title": "Replace a light switch",
        "description": "The hall switch sparks.",
        "address": "Via Roma 1",
        "place": milan().pk,
        "preferred_date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "time_window": "evening",
        "price_cents": "45.50",
        "publish_anyway": "1",
    }

    past = client.post(reverse("offers:create"), data).content.decode()
    data["preferred_date"] = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    del data["publish_anyway"]
    nobody = client.post(reverse("offers:create"), data).content.decode()

    assert "آج یا بعد کی کوئی تاریخ چنیں۔" in past and "Choose today or a later date." not in past
    assert not Offer.objects.exists()
    # Nobody serves Milan: the warning names the trade in Urdu and the button says "publish anyway".
    assert f"میں ابھی شعبہ {ELECTRICIAN_UR} کا کوئی کاریگر کام نہیں کرتا" in nobody
    assert "پھر بھی شائع کریں" in nobody


def test_reach_counts_providers_in_urdu_plurals(provider, electrician):
    place = provider.provider_profile.base_place
    with translation.override("ur"):
        one = offer_reach(category=electrician, place=place)
        ProviderFactory()
        two = offer_reach(category=electrician, place=place)

    assert one.message == f"{place.label} میں شعبہ {ELECTRICIAN_UR} کا 1 کاریگر کام کرتا ہے۔"
    assert two.message == f"{place.label} میں شعبہ {ELECTRICIAN_UR} کے 2 کاریگر کام کرتے ہیں۔"


def test_customers_offers_page_in_urdu(client, customer, provider):
    offer = OfferFactory(customer=customer, title="Kitchen lights")
    OfferDecline.objects.create(offer=offer, provider=provider)

    body = _in_urdu(client, customer).get(reverse("offers:mine")).content.decode()

    assert '<h1 class="h3 mb-0">میری پیشکشیں</h1>' in body
    assert f"{ELECTRICIAN_UR} · " in body and "Electrician" not in body
    assert ">کھلی</span>" in body  # the status badge
    assert "1 انکار" in body and "1 decline" not in body


def test_provider_feed_in_urdu_after_the_english_one_was_cached(client, provider):
    OfferFactory(title="Kitchen lights", price_cents=12000)
    client.force_login(provider)
    english = client.get(reverse("offers:feed")).content.decode()

    urdu = _in_urdu(client, provider).get(reverse("offers:feed")).content.decode()

    assert "Electrician" in english and "you get" in english
    # The card is cached per language: the Urdu page does not reuse the English card.
    assert f"</i> {ELECTRICIAN_UR}" in urdu and "you get" not in urdu and "Electrician" not in urdu
    assert "آپ کو $" in urdu and "پیشکشوں کی فیڈ" in urdu
    assert ">میرے تمام زمرے</option>" in urdu  # the filter
    assert 'data-socket="/ws/offers/feed/?lang=ur"' in urdu  # live cards come in Urdu too


def test_offer_page_in_urdu_for_the_provider(client, provider):
    offer = OfferFactory(title="Kitchen lights")

    body = _in_urdu(client, provider).get(reverse("offers:detail", args=[offer.pk])).content.decode()

    assert "یہ کام قبول کریں؟" in body and "کوٹیشن بھیجیں" in body
    assert "Accept this job?" not in body


def test_the_rules_refusals_in_urdu(provider):
    outside = OfferFactory(category=CategoryFactory(slug="painter"))
    far = OfferFactory(place=milan())

    with translation.override("ur"):
        category = provider_offer_access(provider=provider, offer_id=outside.pk)
        area = provider_offer_access(provider=provider, offer_id=far.pk)
    english = provider_offer_access(provider=provider, offer_id=far.pk)

    assert category.reason == "یہ پیشکش آپ کے سروس زمروں سے باہر ہے۔"
    assert area.reason == "یہ پیشکش آپ کے سروس علاقے سے باہر ہے۔"
    assert english.reason == "This offer is outside your service area."


def test_declining_a_closed_offer_is_refused_in_urdu(client, provider):
    offer = OfferFactory(status=Offer.Status.WITHDRAWN)
    client = _in_urdu(client, provider)

    response = client.post(
        reverse("offers:decline", args=[offer.pk]), {"terms_version": offer.terms_version}, follow=True
    )

    assert [str(message) for message in response.context["messages"]] == ["یہ پیشکش اب دستیاب نہیں ہے۔"]


def test_customers_offer_page_lists_quotes_in_urdu(client, customer, provider):
    offer = OfferFactory(customer=customer)
    quote_on(offer, provider, price_cents=9000)

    body = _in_urdu(client, customer).get(reverse("offers:detail", args=[offer.pk])).content.decode()

    assert "کاریگروں کی کوٹیشنز" in body and "$90.00 میں قبول کریں" in body
    assert "Quotes from providers" not in body


def test_provider_dashboard_panel_in_urdu(client, provider):
    OfferFactory.create_batch(2)

    body = _in_urdu(client, provider).get(reverse("dashboard")).content.decode()

    assert '<strong id="matching-offer-count">2</strong> کھلی پیشکشیں' in body


def test_notifications_are_written_in_the_readers_language_not_the_actors(customer, provider, make_terms):
    terms = make_terms(place=provider.provider_profile.base_place, title="Kitchen lights")

    with translation.override("ur"):  # the customer posts from an Urdu page
        offer = offer_create(customer=customer, terms=terms)
        quote_on(offer, provider, price_cents=9000)

    # Neither has chosen Urdu: each reads the site's language.
    assert provider.notifications.get(kind="offer_published").text.startswith("New offer in Electrician, ")
    assert "sent you a quote on “Kitchen lights”: $90.00 on " in customer.notifications.get(kind="quote_received").text
