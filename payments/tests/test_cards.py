"""Saved cards: opt-in, listed from our table, removable, and never offered again after a decline."""

import pytest
from django.test import TestCase
from django.urls import reverse

from accounts.tests.factories import CustomerFactory
from bookings.tests.factories import BookingFactory
from payments.models import Payment, SavedCard
from payments.services.cards import card_list
from payments.services.checkout import PaymentDeclined, payment_checkout, payment_start
from payments.stripe_gateway import object_id, stripe_client
from payments.tests.conftest import DECLINED_WHEN_CHARGED
from servizo.exceptions import DomainError

pytestmark = pytest.mark.django_db


def attached_to(method_id: str) -> str:
    return object_id(stripe_client().v1.payment_methods.retrieve(method_id).customer)


def test_a_card_is_kept_only_when_the_customer_asks(save_card, customer):
    """Given two paid bookings, one with "save this card" and one without: only the first card is listed,
    and the other is detached from the Stripe customer once its payment is recorded."""
    kept, not_kept = save_card(customer), save_card(customer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        payment_start(
            booking_id=BookingFactory(offer__customer=customer).pk,
            customer=customer,
            payment_method_id=kept,
            save_card=True,
        )
    with TestCase.captureOnCommitCallbacks(execute=True):
        payment_start(
            booking_id=BookingFactory(offer__customer=customer).pk, customer=customer, payment_method_id=not_kept
        )

    assert [card.payment_method_id for card in card_list(user=customer)] == [kept]
    assert attached_to(kept) == customer.stripe_customer.customer_id
    assert attached_to(not_kept) == ""


def test_a_card_declined_when_charged_is_never_saved_even_if_asked(save_card, customer):
    method = save_card(customer, DECLINED_WHEN_CHARGED)
    booking = BookingFactory(offer__customer=customer)

    with pytest.raises(PaymentDeclined), TestCase.captureOnCommitCallbacks(execute=True):
        payment_start(booking_id=booking.pk, customer=customer, payment_method_id=method, save_card=True)

    assert card_list(user=customer) == []
    assert attached_to(method) == ""
    assert booking.payments.get().status == Payment.Status.FAILED  # the decline is recorded on the attempt


def test_a_saved_card_that_is_declined_is_removed_from_the_list(client, kept_card, customer):
    card = kept_card(customer, DECLINED_WHEN_CHARGED)  # e.g. cancelled by the bank since it was saved
    booking = BookingFactory(offer__customer=customer)
    client.force_login(customer)

    response = client.post(
        reverse("payments:pay", args=[booking.pk]), {"payment_method": card.payment_method_id}, follow=True
    )

    body = response.content.decode()
    assert "Your card was declined." in body
    assert 'id="saved-cards"' not in body and not SavedCard.objects.filter(pk=card.pk).exists()
    with pytest.raises(DomainError, match="not saved on your account"):
        payment_checkout(booking_id=booking.pk, customer=customer, payment_method_id=card.payment_method_id)


def test_the_pay_form_saves_the_card_only_when_the_box_is_ticked(client, localstripe, customer):
    from payments.tests.test_views import saved_setup

    first, second = BookingFactory(offer__customer=customer), BookingFactory(offer__customer=customer)
    client.force_login(customer)

    client.post(
        reverse("payments:pay", args=[first.pk]),
        {"setup_intent": saved_setup(localstripe, customer, "4242424242424242")},
    )
    assert card_list(user=customer) == []
    client.post(
        reverse("payments:pay", args=[second.pk]),
        {"setup_intent": saved_setup(localstripe, customer, "4242424242424242"), "save_card": "on"},
    )

    [card] = card_list(user=customer)
    assert card.payment_method_id == second.payments.get().payment_method_id
    page = client.get(reverse("payments:pay", args=[BookingFactory(offer__customer=customer).pk])).content.decode()
    assert 'name="save_card"' in page and "checked" not in page.split('name="save_card"')[1].split(">")[0]
    assert f'value="{card.payment_method_id}"' in page


def test_the_customer_removes_a_saved_card(client, kept_card, customer):
    card = kept_card(customer)
    client.force_login(customer)
    assert "•••• 4242" in client.get(reverse("payments:cards")).content.decode()

    response = client.post(reverse("payments:card_remove", args=[card.pk]), follow=True)

    assert "was removed" in response.content.decode() and 'id="no-saved-cards"' in response.content.decode()
    assert not SavedCard.objects.exists()
    assert attached_to(card.payment_method_id) == ""


def test_removing_when_stripe_is_down_keeps_the_card_and_can_be_retried(client, localstripe, kept_card, customer):
    card = kept_card(customer)
    client.force_login(customer)
    localstripe.stop()

    response = client.post(reverse("payments:card_remove", args=[card.pk]), follow=True)

    localstripe.start()
    assert "The card was not removed" in response.content.decode()
    assert SavedCard.objects.filter(pk=card.pk).exists()
    client.post(reverse("payments:card_remove", args=[card.pk]))
    assert not SavedCard.objects.exists()


def test_a_card_already_detached_at_stripe_is_still_removed(client, kept_card, customer):
    card = kept_card(customer)
    stripe_client().v1.payment_methods.detach(card.payment_method_id)  # an earlier try we did not record
    client.force_login(customer)

    client.post(reverse("payments:card_remove", args=[card.pk]))

    assert not SavedCard.objects.exists()


def test_another_users_card_cannot_be_removed_or_seen(client, kept_card, customer):
    card = kept_card(customer)
    client.force_login(CustomerFactory())

    assert client.post(reverse("payments:card_remove", args=[card.pk])).status_code == 404
    assert client.get(reverse("payments:card_remove", args=[card.pk])).status_code == 405
    assert "4242" not in client.get(reverse("payments:cards")).content.decode()
    assert SavedCard.objects.filter(pk=card.pk).exists()
