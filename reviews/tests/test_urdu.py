"""Writing and answering reviews in Urdu (issue 16)."""

import pytest
from django.urls import reverse
from django.utils import translation

from reviews.models import COMMENT_MAX_LENGTH, Review
from reviews.services import review_create
from servizo.exceptions import DomainError

pytestmark = pytest.mark.django_db


def test_the_customer_writes_a_review_in_urdu_and_a_missing_rating_is_an_urdu_field_error(
    urdu_client, booking, customer, provider
):
    urdu_client.force_login(customer)
    url = reverse("reviews:create", args=[booking.pk])

    page = urdu_client.get(url).content.decode()
    refused = urdu_client.post(url, {"comment": "No stars?"}).content.decode()

    assert f'<h1 class="h3 mb-3">{provider} کا جائزہ لیں</h1>' in page  # Review <provider>
    assert "آپ کی ریٹنگ" in page  # Your rating
    assert "★★★★★ 5 — بہترین" in page  # the rating choices
    assert f"عوامی، زیادہ سے زیادہ {COMMENT_MAX_LENGTH} حروف۔" in page  # the comment's help text
    assert 'value="جائزہ شائع کریں"' in page  # Publish review
    assert "یہ خانہ درکار ھے۔" in refused
    assert not Review.objects.exists()


def test_a_reply_to_a_page_that_lost_its_version_is_refused_in_urdu(urdu_client, booking, customer, provider):
    review = review_create(booking_id=booking.pk, customer=customer, rating=4, comment="Good.")
    urdu_client.force_login(provider)

    response = urdu_client.post(reverse("reviews:reply", args=[review.pk]), {"text": "Thanks!"})

    assert "یہ صفحہ پرانا ہو چکا ہے: اسے دوبارہ لوڈ کر کے پھر کوشش کریں۔" in response.content.decode()
    assert not hasattr(Review.objects.get(), "reply")


def test_a_too_long_comment_is_refused_in_the_active_language(booking, customer, urdu_catalog):
    comment = "x" * (COMMENT_MAX_LENGTH + 1)

    with translation.override("ur"), pytest.raises(DomainError) as refused:
        review_create(booking_id=booking.pk, customer=customer, rating=5, comment=comment)

    assert str(refused.value) == f"آپ کا تبصرہ {COMMENT_MAX_LENGTH + 1} حروف کا ہے؛ حد {COMMENT_MAX_LENGTH} ہے۔"


def test_the_provider_profile_counts_reviews_in_urdu(urdu_client, booking, customer, provider):
    review_create(booking_id=booking.pk, customer=customer, rating=5, comment="Spotless.")

    page = urdu_client.get(reverse("reviews:provider_profile", args=[provider.pk])).content.decode()

    assert '<p class="text-body-secondary" id="rating-count">1 جائزہ</p>' in page
    assert "تصدیق شدہ فراہم کنندہ" in page  # Verified provider
    assert ">تازہ ترین</a>" in page  # the "Most recent" sort
