"""One notification and one email per event per party, saying what happens to the money."""

import pytest
from django.urls import reverse

from bookings.models import Booking
from notifications.models import Notification, OutgoingEmail
from offers.tests.factories import OfferFactory
from payments.services.settlements import settlement_create
from payments.tests.conftest import walk

pytestmark = pytest.mark.django_db
S = Booking.Status


def notices(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("text", flat=True))


def emails(user) -> int:
    return sum(1 for to in OutgoingEmail.objects.values_list("to", flat=True) if to == [user.email])


def test_a_payment_tells_each_party_once(paid_booking):
    customer, provider = paid_booking.customer, paid_booking.provider

    assert notices(customer) == [
        f"Payment of $120.00 received for “{paid_booking.title}”. It is held in escrow until the job is done."
    ]
    assert notices(provider) == [f"“{paid_booking.title}” is paid ($120.00 in escrow) and scheduled."]
    assert (emails(customer), emails(provider)) == (1, 1)


def test_a_staff_decision_tells_each_party_once_with_the_reason(paid_booking, support_user):
    booking = walk(paid_booking, S.CANCELLED)
    Notification.objects.all().delete()
    OutgoingEmail.objects.all().delete()

    settlement_create(booking_id=booking.pk, decision="refund_all", reason="Provider no-show", actor=support_user)

    for party in (booking.customer, booking.provider):
        [text] = notices(party)
        assert "$120.00 refunded to the customer" in text and text.endswith("Reason: Provider no-show")
        assert emails(party) == 1


def test_marked_done_tells_the_customer_when_escrow_releases_itself(paid_booking, settings):
    booking = walk(paid_booking, S.IN_PROGRESS)
    Notification.objects.all().delete()

    booking = walk(booking, S.PROVIDER_COMPLETED)

    [text] = notices(booking.customer)
    when = booking.provider_completed_at + settings.ESCROW_AUTO_RELEASE_AFTER
    assert f"Escrow is released to {booking.provider} on {when:%-d %b %Y, %H:%M} UTC unless you confirm" in text


def test_completion_tells_the_provider_the_escrow_is_released(paid_booking):
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED)
    Notification.objects.all().delete()

    walk(booking, S.COMPLETED)

    [text] = notices(booking.provider)
    assert "The escrow is released to the provider" in text


def test_the_booking_page_shows_the_release_date_and_the_providers_share(client, paid_booking):
    booking = walk(paid_booking, S.IN_PROGRESS, S.PROVIDER_COMPLETED)

    client.force_login(booking.customer)
    page = client.get(booking.get_absolute_url()).content.decode()
    assert 'id="auto-release"' in page and "unless you confirm sooner or report a problem" in page
    assert 'id="booking-provider-share"' not in page

    client.force_login(booking.provider)
    page = client.get(booking.get_absolute_url()).content.decode()
    assert "unless the customer confirms sooner" in page
    assert "$96.00 (after the 20 % platform commission)" in page


def test_the_feed_and_the_accept_button_show_the_providers_share(client, connected_provider):
    offer = OfferFactory(price_cents=12000)
    client.force_login(connected_provider)

    detail = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    assert "Accept for $120.00 · you get $96.00" in detail
    feed = client.get(reverse("offers:feed")).content.decode()
    assert f'data-offer-id="{offer.pk}"' in feed and "you get $96.00" in feed
