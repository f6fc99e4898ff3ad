import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from offers.models import Offer
from offers.tests.factories import OfferFactory


@pytest.mark.django_db
def test_expire_offers_command_expires_due_offers_and_says_how_many(capsys):
    OfferFactory.create_batch(2, expires_at=timezone.now() - datetime.timedelta(minutes=5))
    OfferFactory()

    call_command("expire_offers")
    call_command("expire_offers")

    assert capsys.readouterr().out == "Expired 2 offers.\nExpired 0 offers.\n"
    assert Offer.objects.filter(status=Offer.Status.EXPIRED).count() == 2
