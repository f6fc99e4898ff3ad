from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import ServiceCategory
from accounts.tests.factories import CustomerFactory
from offers.models import Offer, Quote
from offers.quote_services import QuoteTerms, quote_send
from offers.services import DEAL_FIELDS, OfferTerms
from places.tests.factories import PlaceFactory


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    customer = factory.SubFactory(CustomerFactory)
    category = factory.LazyFunction(lambda: ServiceCategory.objects.get(slug="electrician"))
    title = factory.Sequence(lambda n: f"Fix the kitchen lights #{n}")
    description = "Two ceiling lights flicker; one socket is dead."
    address = "Via Roma 1"
    place = factory.SubFactory(PlaceFactory)
    preferred_date = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=3)).date())
    price_cents = 12000
    currency = "usd"
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))


def terms_of(offer: Offer, **overrides) -> OfferTerms:
    """The offer's current terms as an edit would send them, with `overrides` changed."""
    values = {name: getattr(offer, name) for name in DEAL_FIELDS}
    return OfferTerms(**{"expires_at": offer.expires_at, **values, **overrides})


def quote_on(offer: Offer, provider, price_cents: int = 10000, **terms) -> Quote:
    """The provider's quote on `offer` (the offer's current terms version), sent through the service."""
    return quote_send(
        offer_id=offer.pk,
        provider=provider,
        terms_version=offer.terms_version,
        terms=QuoteTerms(price_cents=price_cents, **terms),
    )
