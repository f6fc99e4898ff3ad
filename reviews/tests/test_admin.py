import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.tests.factories import StaffFactory
from reviews.models import ProviderReputation, Review, ReviewModerationEvent
from reviews.services import review_create
from reviews.tests.factories import CompletedBookingFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:reviews_review_changelist")


@pytest.fixture
def reviews(provider):
    made = []
    for rating in (5, 1):
        booking = CompletedBookingFactory(provider=provider)
        made.append(review_create(booking_id=booking.pk, customer=booking.customer, rating=rating))
    return made


def action(name: str, reviews, **extra) -> dict:
    return {"action": name, "_selected_action": [r.pk for r in reviews], **extra}


def test_hiding_asks_for_a_reason_then_calls_the_service(client, staff_user, reviews, provider):
    client.force_login(staff_user)
    spam = reviews[1]

    confirm = client.post(CHANGELIST, action("hide_reviews", [spam]))
    assert confirm.status_code == 200 and "Hide 1 review" in confirm.content.decode()
    assert not Review.objects.get(pk=spam.pk).is_hidden

    missing_reason = client.post(CHANGELIST, action("hide_reviews", [spam], apply="1", reason=""))
    assert "This field is required." in missing_reason.content.decode()
    assert not Review.objects.get(pk=spam.pk).is_hidden

    done = client.post(CHANGELIST, action("hide_reviews", [spam], apply="1", reason="Competitor spam."), follow=True)
    assert "1 review hidden." in done.content.decode()
    spam.refresh_from_db()
    assert (spam.is_hidden, spam.hidden_reason, spam.hidden_by) == (True, "Competitor spam.", staff_user)
    assert ReviewModerationEvent.objects.get().reason == "Competitor spam."
    assert ProviderReputation.objects.get(provider=provider).rating_count == 1

    client.post(CHANGELIST, action("unhide_reviews", [spam], apply="1", reason="Appeal accepted."))
    assert ProviderReputation.objects.get(provider=provider).rating_count == 2


def test_hiding_an_already_hidden_review_is_reported_not_repeated(client, staff_user, reviews):
    client.force_login(staff_user)
    client.post(CHANGELIST, action("hide_reviews", reviews[:1], apply="1", reason="Spam."))

    response = client.post(CHANGELIST, action("hide_reviews", reviews, apply="1", reason="Spam."), follow=True)

    body = response.content.decode()
    assert "already hidden" in body and "1 review hidden." in body
    assert ReviewModerationEvent.objects.count() == 2


def test_moderation_needs_the_permission(client, reviews):
    clerk = StaffFactory(is_superuser=False)
    clerk.user_permissions.add(Permission.objects.get(codename="view_review"))
    client.force_login(clerk)

    page = client.get(CHANGELIST)
    response = client.post(CHANGELIST, action("hide_reviews", reviews, apply="1", reason="No right."))

    assert page.status_code == 200 and "hide_reviews" not in page.content.decode()
    assert response.status_code in (200, 302)
    assert not Review.objects.filter(is_hidden=True).exists()
    clerk.user_permissions.add(Permission.objects.get(codename="moderate_review"))
    assert "hide_reviews" in client.get(CHANGELIST).content.decode()


def test_reviews_and_customer_ratings_are_read_only_in_the_admin(client, staff_user, reviews):
    client.force_login(staff_user)

    change = client.get(reverse("admin:reviews_review_change", args=[reviews[0].pk]))
    ratings = client.get(reverse("admin:reviews_customerrating_changelist"))

    assert change.status_code == 200 and 'name="rating"' not in change.content.decode()
    assert ratings.status_code == 200
    assert client.get(reverse("admin:reviews_customerrating_add")).status_code == 403
