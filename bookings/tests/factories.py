from datetime import timedelta
from importlib import import_module

import factory
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.tests.factories import ProviderProfileFactory
from bookings.models import Booking, BookingStatusCounts
from bookings.services import status_counts_move
from offers.models import Offer
from offers.tests.factories import OfferFactory


class BookingFactory(factory.django.DjangoModelFactory):
    """A booking as accept would make it (status awaiting_payment unless given)."""

    class Meta:
        model = Booking

    offer = factory.SubFactory(OfferFactory, status=Offer.Status.ACCEPTED)
    customer = factory.SelfAttribute("offer.customer")
    provider = factory.LazyFunction(lambda: ProviderProfileFactory().user)
    category = factory.SelfAttribute("offer.category")
    title = factory.SelfAttribute("offer.title")
    description = factory.SelfAttribute("offer.description")
    price_cents = factory.SelfAttribute("offer.price_cents")
    currency = factory.SelfAttribute("offer.currency")
    commission_rate_bp = factory.LazyFunction(lambda: settings.PLATFORM_COMMISSION_BP)
    address = factory.SelfAttribute("offer.address")
    city = factory.SelfAttribute("offer.place_label")
    scheduled_date = factory.SelfAttribute("offer.preferred_date")
    time_window = factory.SelfAttribute("offer.time_window")
    time_zone = factory.SelfAttribute("offer.time_zone")
    pay_by = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=24))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Counted in the parties' status counts, as booking_accept_offer and the transitions count it."""
        with transaction.atomic():
            booking = super()._create(model_class, *args, **kwargs)
            status_counts_move(booking, from_status="", to_status=booking.status)
        return booking


def status_counts_recount() -> None:
    """Recount every party's BookingStatusCounts from the bookings, after a test bulk-inserted some."""
    from django.apps import apps

    BookingStatusCounts.objects.all().delete()
    import_module("bookings.migrations.0005_booking_status_counts").backfill(apps, None)
