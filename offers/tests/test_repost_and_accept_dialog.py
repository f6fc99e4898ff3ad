"""'Post again' on a closed offer, and the accept dialog on an offer's page (no browser confirm box)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from offers.models import Offer
from offers.tests.factories import OfferFactory
from servizo.money import split_amount

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "closed",
    [{"status": Offer.Status.WITHDRAWN}, {"expires_at": timezone.now() - datetime.timedelta(minutes=1)}],
    ids=["withdrawn", "expired"],
)
def test_post_again_prefills_a_new_offer_from_a_closed_one_without_copying_it(client, customer, closed):
    old = OfferFactory(customer=customer, title="Fix the gate", price_cents=8250, **closed)
    client.force_login(customer)
    detail = client.get(reverse("offers:detail", args=[old.pk])).content.decode()
    link = f"{reverse('offers:create')}?from={old.pk}"
    assert 'id="post-again"' in detail and f'href="{link}"' in detail

    form = client.get(link)
    assert form.status_code == 200
    assert form.context["form"].initial["title"] == "Fix the gate"
    body = form.content.decode()
    assert 'value="Fix the gate"' in body and "82.50" in body and old.address in body
    assert 'name="preferred_date"' in body and f'value="{old.preferred_date.isoformat()}"' not in body
    assert Offer.objects.count() == 1  # nothing is copied until the customer submits


def test_post_again_is_only_for_the_owners_closed_offers(client, customer):
    other = OfferFactory(status=Offer.Status.WITHDRAWN)
    still_open = OfferFactory(customer=customer, title="Still open")
    client.force_login(customer)

    assert client.get(reverse("offers:create"), {"from": other.pk}).status_code == 404
    assert client.get(reverse("offers:create"), {"from": "x1"}).status_code == 404
    assert client.get(reverse("offers:create"), {"from": "9" * 30}).status_code == 404
    assert "Still open" not in client.get(reverse("offers:create"), {"from": still_open.pk}).content.decode()
    assert 'id="post-again"' not in client.get(reverse("offers:detail", args=[still_open.pk])).content.decode()


def test_accept_asks_in_the_sites_dialog_with_price_date_share_and_terms(client, provider, settings):
    offer = OfferFactory(price_cents=12345)
    client.force_login(provider)

    body = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()

    assert "confirm(" not in body and "onsubmit" not in body
    assert 'data-confirm="accept-dialog"' in body and 'id="accept-dialog"' in body
    dialog = body[body.index('id="accept-dialog"') :]
    share = split_amount(12345, settings.PLATFORM_COMMISSION_BP)[0]
    assert re.search(rf"data-accept-share>\$?{share // 100}\.{share % 100:02d}", dialog.replace(",", ""))
    assert "$123.45" in dialog and offer.preferred_date.strftime("%Y") in dialog
    assert f'href="{reverse("payments:cancellation_policy")}"' in dialog
    # Without JavaScript the form still posts straight to accept
    assert f'action="{reverse("bookings:accept", args=[offer.pk])}"' in body


def test_no_template_uses_the_browsers_confirm_box():
    from pathlib import Path

    from django.conf import settings

    roots = [Path(settings.BASE_DIR) / "templates", Path(settings.BASE_DIR) / "static" / "js"]
    roots += list(Path(settings.BASE_DIR).glob("*/templates"))
    files = [f for root in roots for f in root.rglob("*") if f.suffix in {".html", ".js"}]
    assert files and not [str(f) for f in files if re.search(r"\bconfirm\(", f.read_text())]
