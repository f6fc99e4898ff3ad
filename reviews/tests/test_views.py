import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import ProviderProfile
from accounts.tests.factories import CustomerFactory, ProviderFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from reviews.models import CustomerRating, Review, ReviewReply
from reviews.services import customer_rate, reputation_refresh, review_create, review_hide, review_update
from reviews.tests.factories import ReviewFactory, reviews_bulk_create

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- writing a review ---------------------------------------------------------------------


def test_the_customer_reviews_a_completed_booking_from_the_form(client, booking, customer, provider):
    client.force_login(customer)
    url = reverse("reviews:create", args=[booking.pk])

    assert 'name="rating"' in client.get(url).content.decode()
    response = client.post(url, {"rating": "5", "comment": "Spotless work."})

    review = Review.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("reviews:provider_profile", args=[provider.pk]) + f"#review-{review.pk}"
    assert (review.rating, review.comment) == (5, "Spotless work.")
    assert "Thank you! Your review is published." in messages_of(response)


def test_a_missing_rating_is_a_field_error_and_nothing_is_saved(client, booking, customer):
    client.force_login(customer)

    response = client.post(reverse("reviews:create", args=[booking.pk]), {"comment": "No stars?"})

    assert response.status_code == 200
    assert response.context["form"].errors["rating"] == ["This field is required."]
    assert "No stars?" in response.content.decode()
    assert not Review.objects.exists()


def test_other_users_cannot_reach_the_review_form(client, booking, provider):
    url = reverse("reviews:create", args=[booking.pk])

    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(CustomerFactory())
    assert client.post(url, {"rating": "1"}).status_code == 404  # another customer's booking
    client.force_login(provider)
    assert client.post(url, {"rating": "1"}).status_code == 403  # providers do not write reviews
    assert not Review.objects.exists()


def test_an_unfinished_booking_cannot_be_reviewed_and_says_why(client, customer):
    booking = BookingFactory(offer__customer=customer, status=Booking.Status.IN_PROGRESS)
    client.force_login(customer)

    response = client.post(reverse("reviews:create", args=[booking.pk]), {"rating": "5"})

    assert response.url == reverse("dashboard")
    assert messages_of(response) == ["You can review this job once it is completed."]
    assert not Review.objects.exists()


def test_a_second_review_sends_the_customer_to_the_edit_page(client, booking, customer):
    review = review_create(booking_id=booking.pk, customer=customer, rating=4)
    client.force_login(customer)

    response = client.get(reverse("reviews:create", args=[booking.pk]))

    assert response.url == reverse("reviews:edit", args=[review.pk])
    assert "already reviewed" in messages_of(response)[0]


# --- editing and replying -----------------------------------------------------------------


def test_the_author_edits_then_the_review_freezes(client, booking, customer, settings):
    review = review_create(booking_id=booking.pk, customer=customer, rating=4)
    client.force_login(customer)
    url = reverse("reviews:edit", args=[review.pk])

    assert client.get(url).context["form"].initial == {"rating": 4, "comment": ""}
    client.post(url, {"rating": "3", "comment": "Changed my mind."}, follow=True)
    review.refresh_from_db()
    assert (review.rating, review.comment) == (3, "Changed my mind.")

    Review.objects.filter(pk=review.pk).update(
        created_at=review.created_at - settings.REVIEW_EDIT_WINDOW - timedelta(1)
    )
    response = client.post(url, {"rating": "1"})
    assert "frozen" in messages_of(response)[0]
    review.refresh_from_db()
    assert review.rating == 3


def test_only_the_author_reaches_the_edit_form(client):
    review = ReviewFactory()
    client.force_login(CustomerFactory())

    assert client.post(reverse("reviews:edit", args=[review.pk]), {"rating": "1"}).status_code == 404


def test_the_provider_replies_once_from_the_form(client, booking, customer, provider):
    review = review_create(booking_id=booking.pk, customer=customer, rating=3)
    client.force_login(provider)
    url = reverse("reviews:reply", args=[review.pk])

    client.post(url, {"text": "Thanks, see you next time.", "seen_version": "original"}, follow=True)
    response = client.get(url)

    assert ReviewReply.objects.get().text == "Thanks, see you next time."
    assert messages_of(response) == ["You have already replied to this review."]


def _seen_version_on(page: str) -> str:
    return re.search(r'name="seen_version" value="([^"]*)"', page).group(1)


def test_a_reply_to_a_review_edited_since_the_page_opened_is_refused_and_the_page_shows_the_new_text(
    client, booking, customer, provider
):
    # Given the provider on the reply page of a 2-star review
    review = review_create(booking_id=booking.pk, customer=customer, rating=2, comment="Late and messy.")
    client.force_login(provider)
    url = reverse("reviews:reply", args=[review.pk])
    seen = _seen_version_on(client.get(url).content.decode())
    # ... while the customer rewrites it
    review_update(review_id=review.pk, customer=customer, rating=5, comment="Actually great, all fixed.")

    # When the provider publishes the reply written to the old text
    response = client.post(url, {"text": "Sorry about the mess!", "seen_version": seen})

    # Then nothing is published; the page shows the new text and now carries its version
    assert response.status_code == 200
    assert messages_of(response) == [
        "The customer edited this review since you opened it. Read the new version and reply again."
    ]
    page = response.content.decode()
    assert "Actually great, all fixed." in page and "Sorry about the mess!" in page  # the draft is kept
    assert _seen_version_on(page) != seen
    assert not ReviewReply.objects.exists()
    client.post(url, {"text": "Thank you!", "seen_version": _seen_version_on(page)})
    assert ReviewReply.objects.get().text == "Thank you!"


@pytest.mark.parametrize("data", [{}, {"seen_version": ""}, {"seen_version": "x" * 65}])
def test_a_reply_without_a_usable_seen_version_is_a_form_error_not_a_500(client, booking, customer, provider, data):
    review = review_create(booking_id=booking.pk, customer=customer, rating=3)
    client.force_login(provider)

    response = client.post(reverse("reviews:reply", args=[review.pk]), {"text": "Thanks", **data})

    assert response.status_code == 200
    assert "This page is out of date: reload it and try again." in response.content.decode()
    assert not ReviewReply.objects.exists()


def test_other_providers_and_customers_cannot_reply(client):
    review = ReviewFactory()
    url = reverse("reviews:reply", args=[review.pk])

    client.force_login(ProviderFactory())
    assert client.post(url, {"text": "Hijack"}).status_code == 404
    client.force_login(review.customer)
    assert client.post(url, {"text": "Hijack"}).status_code == 403
    assert not ReviewReply.objects.exists()


def test_the_provider_rates_the_customer_from_the_form(client, booking, provider):
    client.force_login(provider)

    client.post(reverse("reviews:rate_customer", args=[booking.pk]), {"rating": "5", "note": "Coffee!"})

    assert CustomerRating.objects.get().note == "Coffee!"
    client.force_login(ProviderFactory())
    assert client.get(reverse("reviews:rate_customer", args=[booking.pk])).status_code == 404


# --- the public profile -------------------------------------------------------------------


def test_the_profile_shows_the_reputation_distribution_and_reviews(client, provider):
    reviews_bulk_create(count=12, provider=provider)
    review = Review.objects.filter(provider=provider).latest("id")
    ReviewReply.objects.create(review=review, provider=provider, text="Glad it worked out.")

    response = client.get(reverse("reviews:provider_profile", args=[provider.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert provider.full_name in body and "Verified provider" in body and "Electrician" in body
    assert '<span id="rating-average">3.3</span>' in body  # 39/12 = 3.25: halves round up
    assert "12 reviews" in body
    assert [row["count"] for row in response.context["reputation"].distribution()] == [3, 3, 2, 2, 2]
    assert response.context["completed_jobs"] == 13  # the 12 reviewed + the template booking
    assert len(response.context["page"]) == 10
    assert "Glad it worked out." in body


def test_the_profile_sorts_by_rating(client, provider):
    reviews_bulk_create(count=5, provider=provider)
    url = reverse("reviews:provider_profile", args=[provider.pk])

    assert [r.rating for r in client.get(url, {"sort": "highest"}).context["page"]] == [5, 4, 3, 2, 1]
    assert [r.rating for r in client.get(url, {"sort": "lowest"}).context["page"]] == [1, 2, 3, 4, 5]
    recent = client.get(url, {"sort": "nonsense"}).context["page"]
    assert [r.pk for r in recent] == sorted((r.pk for r in recent), reverse=True)


@pytest.mark.parametrize("status", [ProviderProfile.Status.PENDING, ProviderProfile.Status.SUSPENDED])
def test_only_approved_providers_have_a_profile(client, status):
    provider = ProviderFactory(status=status)

    assert client.get(reverse("reviews:provider_profile", args=[provider.pk])).status_code == 404
    assert client.get(reverse("reviews:provider_profile", args=[CustomerFactory().pk])).status_code == 404


def test_a_hidden_review_shows_as_removed_only_to_its_provider(client, provider, staff_user):
    review = ReviewFactory(booking__provider=provider, comment="Rude words here")
    ReviewFactory(booking__provider=provider, rating=4, comment="Fine")
    review_hide(review_id=review.pk, actor=staff_user, reason="Abuse")
    url = reverse("reviews:provider_profile", args=[provider.pk])

    public = client.get(url).content.decode()
    client.force_login(provider)
    own = client.get(url).content.decode()

    assert "Rude words" not in public and "removed by moderator" not in public
    assert "Rude words" not in own and "Review removed by moderator" in own
    assert '<span id="rating-average">4.0</span>' in own and "1 review<" in own


def test_the_profile_pages_its_reviews_by_the_maintained_count(client, provider, staff_user):
    # Given 21 reviews of a provider, one of them hidden by a moderator: 20 shown to the public, 21 to them
    reviews_bulk_create(count=21, provider=provider)
    review_hide(review_id=Review.objects.filter(provider=provider).earliest("id").pk, actor=staff_user, reason="Abuse")
    url = reverse("reviews:provider_profile", args=[provider.pk])

    # Then the public sees two pages, the last one full
    public = client.get(url, {"page": 2})
    assert public.context["page"].paginator.num_pages == 2 and len(public.context["page"]) == 10
    assert "Page 2 of 2" in public.content.decode()
    # and the provider three, the third holding the removed review
    client.force_login(provider)
    own = client.get(url, {"page": 3})
    assert own.context["page"].paginator.num_pages == 3 and [r.is_hidden for r in own.context["page"]] == [True]


# --- query counts -------------------------------------------------------------------------


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.parametrize("count", [10, 200])
def test_profile_page_query_count_does_not_grow_with_reviews(client, django_assert_num_queries, count):
    provider = ProviderFactory()
    reviews_bulk_create(count=count, provider=provider)
    for review in Review.objects.filter(provider=provider)[:3]:
        ReviewReply.objects.create(review=review, provider=provider, text="Thanks")
    url = reverse("reviews:provider_profile", args=[provider.pk])

    # profile+user+reputation (whose review count pages the list), categories, completed jobs, portfolio
    # photos, page of reviews+customers+replies
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200
    client.force_login(provider)
    # + user, provider profile (role-aware navbar), their hidden reviews' count, and on this first view the
    # cached badges: unread notifications, unread messages (the session comes from the cache)
    with django_assert_num_queries(10):
        assert client.get(url, {"sort": "lowest", "page": 2}).status_code == 200


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.parametrize("count", [10, 200])
def test_my_reviews_list_query_count_does_not_grow_with_providers(client, django_assert_num_queries, count):
    customer = CustomerFactory()
    reviews_bulk_create(count=count, customer=customer)
    client.force_login(customer)

    # user, unread notifications and unread messages (first view: the cached badges), page count,
    # page of reviews+bookings+providers+reputations+replies (the session comes from the cache)
    with django_assert_num_queries(5):
        response = client.get(reverse("reviews:mine"))
    assert len(response.context["page"]) == min(count, 20)
    assert response.content.decode().count('class="provider-rating') == min(count, 20)


@pytest.mark.usefixtures("no_page_cache")
def test_dashboards_show_the_review_prompts_in_bounded_queries(
    client, customer, provider, django_assert_max_num_queries
):
    for _ in range(7):
        BookingFactory(offer__customer=customer, provider=provider, status=Booking.Status.COMPLETED)
    rated = review_create(booking_id=Booking.objects.first().pk, customer=customer, rating=5)
    customer_rate(booking_id=rated.booking_id, provider=provider, rating=5)

    # The whole dashboard, with every app's panel, stays bounded (7 completed bookings here). The first view
    # builds the cached bookings panel: SQLite, with no LIMIT inside a UNION, reads its status ranges one by one.
    client.force_login(customer)
    with django_assert_max_num_queries(13 if connection.vendor == "mysql" else 18):
        body = client.get(reverse("dashboard")).content.decode()
    assert "Rate your last jobs" in body and body.count(">Rate</a>") == 5

    client.force_login(provider)
    with django_assert_max_num_queries(20):
        body = client.get(reverse("dashboard")).content.decode()
    assert "★</span> <strong>5.0</strong> from 1 review" in body
    assert "Reviews awaiting your reply" in body and "Rate your customers" in body


# --- partials -----------------------------------------------------------------------------


def test_provider_rating_partial_links_to_the_profile(provider):
    ReviewFactory.create_batch(2, booking__provider=provider, rating=4)
    with transaction.atomic():
        reputation_refresh(provider_id=provider.pk)

    html = render_to_string("reviews/_provider_rating.html", {"provider": provider})
    fresh = render_to_string("reviews/_provider_rating.html", {"provider": ProviderFactory()})

    assert reverse("reviews:provider_profile", args=[provider.pk]) in html
    assert "<strong>4.0</strong>" in html and "(2)" in html
    assert "No reviews yet" in fresh
    assert render_to_string("reviews/_provider_rating.html", {"provider": None}).strip() == ""


def test_customer_rating_partial_is_for_providers_only(booking, customer, provider):
    customer_rate(booking_id=booking.pk, provider=provider, rating=4, note="secret note")

    for_provider = render_to_string("reviews/_customer_rating.html", {"customer": customer, "user": ProviderFactory()})
    for_customer = render_to_string("reviews/_customer_rating.html", {"customer": customer, "user": customer})

    assert "Customer rating" in for_provider and "<strong>4.0</strong>" in for_provider and "(1)" in for_provider
    assert "secret note" not in for_provider
    assert for_customer.strip() == ""


def test_booking_panel_prompts_then_shows_the_review(booking, customer, provider):
    def panel(user):
        return render_to_string("reviews/_booking_panel.html", {"booking": booking, "user": user})

    assert "Leave a review" in panel(customer)
    assert "Rate the customer" in panel(provider)

    review_create(booking_id=booking.pk, customer=customer, rating=5, comment="Great job")
    customer_rate(booking_id=booking.pk, provider=provider, rating=5)

    assert "Great job" in panel(customer) and "Edit (until" in panel(customer)
    assert ">Reply</a>" in panel(provider) and "Rate the customer" not in panel(provider)
    unfinished = BookingFactory(offer__customer=customer, status=Booking.Status.SCHEDULED)
    assert render_to_string("reviews/_booking_panel.html", {"booking": unfinished, "user": customer}).strip() == ""
