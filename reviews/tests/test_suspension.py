"""Reviews under suspension (README "Provider suspension"): a suspended provider neither replies to reviews nor
rates customers; a deactivated customer writes no review; a suspended provider's finished work can be reviewed."""

import pytest
from django.urls import reverse

from accounts.models import ProviderProfile, User
from reviews.models import CustomerRating, ReviewReply
from reviews.services import customer_rate, review_create, review_reply, review_update
from servizo.exceptions import DomainError

pytestmark = pytest.mark.django_db


def _suspend(user) -> None:
    ProviderProfile.objects.filter(user=user).update(status=ProviderProfile.Status.SUSPENDED)


def test_suspended_provider_neither_replies_nor_rates(booking, customer, provider):
    review = review_create(booking_id=booking.pk, customer=customer, rating=2)
    _suspend(provider)

    with pytest.raises(DomainError, match="suspended"):
        review_reply(review_id=review.pk, provider=provider, text="Not fair!")
    with pytest.raises(DomainError, match="suspended"):
        customer_rate(booking_id=booking.pk, provider=provider, rating=1)
    assert not ReviewReply.objects.exists() and not CustomerRating.objects.exists()


def test_reply_page_is_forbidden_to_a_suspended_provider(client, booking, customer, provider):
    review = review_create(booking_id=booking.pk, customer=customer, rating=2)
    _suspend(provider)
    client.force_login(provider)

    assert client.get(reverse("reviews:reply", args=[review.pk])).status_code == 403


def test_a_suspended_providers_finished_job_can_still_be_reviewed(booking, customer, provider):
    _suspend(provider)

    assert review_create(booking_id=booking.pk, customer=customer, rating=1).provider == provider


def test_deactivated_customer_writes_no_review(booking, customer):
    review = review_create(booking_id=booking.pk, customer=customer, rating=4)
    User.objects.filter(pk=customer.pk).update(is_active=False)

    with pytest.raises(DomainError, match="deactivated"):
        review_update(review_id=review.pk, customer=customer, rating=1)
    review.refresh_from_db()
    assert review.rating == 4
