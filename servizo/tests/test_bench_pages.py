"""bench/pages.py's data builder: the rows it bulk-inserts are the ones the apps would have written."""

import pytest

from bench.pages import build
from bookings.models import Booking
from chat.models import Conversation, Message
from offers.models import Offer
from payments.audit import ledger_audit
from reviews.models import ProviderReputation, Review


@pytest.mark.django_db
def test_the_builder_makes_a_consistent_history_at_a_tiny_scale():
    actors = build(open_offers=3, bookings=20, reviews=2, conversations=3, messages=2)

    assert Offer.objects.filter(customer=actors.customer, status=Offer.Status.OPEN).count() == 3
    bookings = Booking.objects.filter(customer=actors.customer, provider=actors.provider)
    assert bookings.count() == 20
    assert set(bookings.values_list("status", flat=True)) == set(Booking.Status)  # every status
    assert set(bookings.values_list("offer__status", flat=True)) == {Offer.Status.ACCEPTED}
    assert bookings.values("offer").distinct().count() == 20
    assert list(ledger_audit(check_stripe=False)) == []  # money in = released + refunded + held
    assert actors.booking.status == Booking.Status.SCHEDULED

    reviews = Review.objects.filter(provider=actors.provider)
    assert reviews.count() == 2
    assert set(reviews.values_list("booking__status", flat=True)) == {Booking.Status.COMPLETED}
    reputation = ProviderReputation.objects.get(provider=actors.provider)
    assert reputation.rating_count == 2 and reputation.rating_sum == sum(r.rating for r in reviews)

    conversations = Conversation.objects.filter(customer=actors.customer, provider=actors.provider)
    assert conversations.count() == 3 and Message.objects.count() == 6
    for conversation in conversations:
        last = conversation.messages.order_by("-id").first().pk
        assert conversation.booking.offer_id == conversation.offer_id
        assert conversation.customer_read_up_to == last
        assert conversation.provider_read_up_to in (last, last - 1)
