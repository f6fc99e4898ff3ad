from datetime import timedelta

import pytest
from django.core import mail

from accounts.tests.factories import CustomerFactory, ProviderFactory
from bookings.models import Booking
from bookings.services import booking_transition
from bookings.tests.factories import BookingFactory
from notifications.models import Notification
from reviews.models import ProviderReputation, Review, ReviewModerationEvent, ReviewReply
from reviews.selectors import customer_rating_summary
from reviews.services import (
    ReviewChanged,
    ReviewNotAllowed,
    customer_rate,
    review_create,
    review_hide,
    review_reply,
    review_unhide,
    review_update,
    review_version,
)
from reviews.tests.factories import ReviewFactory
from servizo.exceptions import DomainError

pytestmark = pytest.mark.django_db


def reputation(provider) -> ProviderReputation:
    return ProviderReputation.objects.get(provider=provider)


# --- writing -----------------------------------------------------------------------------


def test_the_customer_reviews_a_completed_booking_and_the_reputation_follows(booking, customer, provider):
    review = review_create(booking_id=booking.pk, customer=customer, rating=4, comment="  Good work.  ")

    assert (review.rating, review.comment, review.provider) == (4, "Good work.", provider)
    rep = reputation(provider)
    assert (rep.rating_count, rep.rating_sum, rep.stars_4, rep.average) == (1, 4, 1, 4)
    assert Notification.objects.filter(recipient=provider, kind="review_received").exists()


def test_only_the_bookings_customer_may_review(booking):
    with pytest.raises(ReviewNotAllowed, match="Only the customer of this booking"):
        review_create(booking_id=booking.pk, customer=CustomerFactory(), rating=5)
    with pytest.raises(ReviewNotAllowed, match="Only the customer of this booking"):
        review_create(booking_id=booking.pk, customer=booking.provider, rating=5)
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    "status", [Booking.Status.SCHEDULED, Booking.Status.PROVIDER_COMPLETED, Booking.Status.CANCELLED]
)
def test_a_booking_can_be_reviewed_only_after_completion(status):
    booking = BookingFactory(status=status)

    with pytest.raises(ReviewNotAllowed, match="once it is completed"):
        review_create(booking_id=booking.pk, customer=booking.customer, rating=5)
    assert not Review.objects.exists()


def test_a_booking_is_reviewed_only_once(booking, customer):
    review_create(booking_id=booking.pk, customer=customer, rating=5)

    with pytest.raises(ReviewNotAllowed, match="already reviewed"):
        review_create(booking_id=booking.pk, customer=customer, rating=1)
    assert Review.objects.get().rating == 5


@pytest.mark.parametrize(
    ("rating", "comment", "message"), [(0, "", "1 to 5"), (6, "", "1 to 5"), (5, "x" * 2001, "limit")]
)
def test_bad_ratings_and_overlong_comments_are_refused(booking, customer, rating, comment, message):
    with pytest.raises(DomainError, match=message):
        review_create(booking_id=booking.pk, customer=customer, rating=rating, comment=comment)


# --- editing -----------------------------------------------------------------------------


def test_the_author_edits_within_the_window_and_the_aggregate_follows(booking, customer, provider):
    review = review_create(booking_id=booking.pk, customer=customer, rating=5)

    edited = review_update(review_id=review.pk, customer=customer, rating=2, comment="It broke again.")

    assert (edited.rating, edited.comment) == (2, "It broke again.")
    assert edited.edited_at is not None
    rep = reputation(provider)
    assert (rep.rating_count, rep.rating_sum, rep.stars_5, rep.stars_2) == (1, 2, 0, 1)


def test_after_the_edit_window_a_review_is_frozen(booking, customer, settings):
    review = review_create(booking_id=booking.pk, customer=customer, rating=5)
    Review.objects.filter(pk=review.pk).update(
        created_at=review.created_at - settings.REVIEW_EDIT_WINDOW - timedelta(1)
    )

    with pytest.raises(ReviewNotAllowed, match="frozen"):
        review_update(review_id=review.pk, customer=customer, rating=1)
    assert Review.objects.get().rating == 5


def test_the_edit_window_is_a_setting(booking, customer, settings):
    review = review_create(booking_id=booking.pk, customer=customer, rating=5)
    settings.REVIEW_EDIT_WINDOW = timedelta(0)

    with pytest.raises(ReviewNotAllowed, match="can be edited for 0 days"):
        review_update(review_id=review.pk, customer=customer, rating=1)


def test_only_the_author_edits(booking, customer, provider):
    review = review_create(booking_id=booking.pk, customer=customer, rating=5)

    for intruder in (CustomerFactory(), provider):
        with pytest.raises(ReviewNotAllowed, match="Only the author"):
            review_update(review_id=review.pk, customer=intruder, rating=1)


# --- replying ----------------------------------------------------------------------------


def test_the_provider_replies_once(booking, customer, provider):
    review = review_create(booking_id=booking.pk, customer=customer, rating=3)

    reply = review_reply(review_id=review.pk, provider=provider, text="Sorry for the delay!")

    assert reply.review == review
    assert Notification.objects.filter(recipient=customer, kind="review_reply").exists()
    with pytest.raises(ReviewNotAllowed, match="already replied"):
        review_reply(review_id=review.pk, provider=provider, text="Again")


def test_a_reply_to_a_text_the_customer_edited_since_is_refused_and_writes_nothing(booking, customer, provider):
    review = review_create(booking_id=booking.pk, customer=customer, rating=2, comment="Messy.")
    seen = review_version(review)
    review_update(review_id=review.pk, customer=customer, rating=5, comment="All good in the end.")

    with pytest.raises(ReviewChanged, match="edited this review since you opened it"):
        review_reply(review_id=review.pk, provider=provider, text="Sorry for the mess", seen_version=seen)

    assert not ReviewReply.objects.exists()
    assert not Notification.objects.filter(kind="review_reply").exists()
    review.refresh_from_db()
    review_reply(review_id=review.pk, provider=provider, text="Thanks!", seen_version=review_version(review))
    assert ReviewReply.objects.get().text == "Thanks!"


def test_only_the_reviewed_provider_replies_and_not_with_an_empty_text(booking, customer, provider):
    review = review_create(booking_id=booking.pk, customer=customer, rating=3)

    with pytest.raises(ReviewNotAllowed, match="Only the reviewed provider"):
        review_reply(review_id=review.pk, provider=ProviderFactory(), text="Hi")
    with pytest.raises(ReviewNotAllowed, match="Only the reviewed provider"):
        review_reply(review_id=review.pk, provider=customer, text="Hi")
    with pytest.raises(DomainError, match="write your reply"):
        review_reply(review_id=review.pk, provider=provider, text="   ")


# --- rating customers --------------------------------------------------------------------


def test_the_provider_rates_the_customer_once_after_completion(booking, customer, provider):
    customer_rate(booking_id=booking.pk, provider=provider, rating=4, note="Left the gate open.")
    other = BookingFactory(offer__customer=customer, status=Booking.Status.COMPLETED)
    customer_rate(booking_id=other.pk, provider=other.provider, rating=5)

    assert customer_rating_summary(customer_id=customer.pk) == {"average": pytest.approx(4.5), "count": 2}
    with pytest.raises(ReviewNotAllowed, match="already rated"):
        customer_rate(booking_id=booking.pk, provider=provider, rating=1)


def test_customers_are_rated_only_by_their_provider_after_completion(customer, provider):
    open_booking = BookingFactory(offer__customer=customer, provider=provider, status=Booking.Status.IN_PROGRESS)
    done = BookingFactory(offer__customer=customer, provider=provider, status=Booking.Status.COMPLETED)

    with pytest.raises(ReviewNotAllowed, match="once the job is completed"):
        customer_rate(booking_id=open_booking.pk, provider=provider, rating=3)
    with pytest.raises(ReviewNotAllowed, match="Only the provider of this booking"):
        customer_rate(booking_id=done.pk, provider=ProviderFactory(), rating=3)
    assert customer_rating_summary(customer_id=customer.pk) == {"average": None, "count": 0}


# --- moderation and aggregates -----------------------------------------------------------


def test_aggregates_after_create_edit_hide_and_unhide(provider, staff_user):
    reviews = []
    for rating in (5, 4, 4, 1):
        booking = BookingFactory(provider=provider, status=Booking.Status.COMPLETED)
        reviews.append(review_create(booking_id=booking.pk, customer=booking.customer, rating=rating))
    rep = reputation(provider)
    assert (rep.rating_count, rep.rating_sum, str(rep.average)) == (4, 14, "3.5")
    assert [row["count"] for row in rep.distribution()] == [1, 2, 0, 0, 1]

    review_update(review_id=reviews[3].pk, customer=reviews[3].customer, rating=2)
    rep = reputation(provider)
    assert (rep.rating_count, rep.rating_sum, rep.stars_1, rep.stars_2, str(rep.average)) == (4, 15, 0, 1, "3.8")

    review_hide(review_id=reviews[0].pk, actor=staff_user, reason="Mentions a phone number.")
    rep = reputation(provider)
    assert (rep.rating_count, rep.rating_sum, rep.stars_5, str(rep.average)) == (3, 10, 0, "3.3")

    review_unhide(review_id=reviews[0].pk, actor=staff_user, reason="Number removed after appeal.")
    rep = reputation(provider)
    assert (rep.rating_count, rep.rating_sum, rep.stars_5) == (4, 15, 1)


def test_hiding_is_staff_only_needs_a_reason_and_is_logged(booking, customer, staff_user):
    review = review_create(booking_id=booking.pk, customer=customer, rating=5)

    with pytest.raises(ReviewNotAllowed, match="Only staff"):
        review_hide(review_id=review.pk, actor=booking.provider, reason="I dislike it")
    with pytest.raises(DomainError, match="reason"):
        review_hide(review_id=review.pk, actor=staff_user, reason=" ")

    review_hide(review_id=review.pk, actor=staff_user, reason="Abusive language.")

    review.refresh_from_db()
    assert (review.is_hidden, review.hidden_reason, review.hidden_by) == (True, "Abusive language.", staff_user)
    event = ReviewModerationEvent.objects.get()
    assert (event.action, event.actor, event.reason) == ("hidden", staff_user, "Abusive language.")
    assert Notification.objects.filter(recipient=customer, kind="review_hidden").exists()
    with pytest.raises(ReviewNotAllowed, match="already hidden"):
        review_hide(review_id=review.pk, actor=staff_user, reason="Twice")


def test_a_hidden_review_can_be_neither_edited_nor_answered(staff_user):
    review = ReviewFactory()
    review_hide(review_id=review.pk, actor=staff_user, reason="Spam.")

    with pytest.raises(ReviewNotAllowed, match="removed by a moderator"):
        review_update(review_id=review.pk, customer=review.customer, rating=4)
    with pytest.raises(ReviewNotAllowed, match="removed by a moderator"):
        review_reply(review_id=review.pk, provider=review.provider, text="Thanks")


# --- the completion prompt ---------------------------------------------------------------


def test_completing_a_booking_emails_the_customer_a_review_link_on_commit(
    customer, provider, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://servizo.example"
    booking = BookingFactory(offer__customer=customer, provider=provider, status=Booking.Status.PROVIDER_COMPLETED)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        booking_transition(booking_id=booking.pk, to_status=Booking.Status.COMPLETED, actor=customer)
    assert not Notification.objects.filter(kind="review_request").exists()  # nothing before commit

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    path = f"/reviews/bookings/{booking.pk}/new/"
    link = f"https://servizo.example{path}"  # emails carry absolute links
    notification = Notification.objects.get(recipient=customer, kind="review_request")
    assert notification.link == path
    # Other completion mails (the booking transition's) go out too; the prompt goes to the customer only.
    prompts = [m for m in mail.outbox if link in m.body]
    assert [m.to for m in prompts] == [[customer.email]]
