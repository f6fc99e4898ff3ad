from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from offers.models import Offer
from offers.selectors import offers_matching_provider


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_gives_every_role_something_to_see():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    assert User.objects.filter(email__endswith="@servizo.local").count() == 6
    assert set(User.objects.get(email="support@servizo.local").groups.values_list("name", flat=True)) == {"Support"}
    assert Offer.objects.filter(customer__email="customer@servizo.local").count() == 2
    provider = User.objects.get(email="provider@servizo.local")
    assert offers_matching_provider(provider=provider).count() == 2
    assert User.objects.get(email="pending@servizo.local").provider_profile.status == "pending"
