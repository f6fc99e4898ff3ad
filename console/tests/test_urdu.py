"""The operator console in Urdu (issue 16): the dashboard, a changelist with its action, the action's result.

A staff member whose browser asks for Urdu (Accept-Language, as LocaleMiddleware reads it) gets every
console string from the project catalog, right to left; Django's admin chrome comes from Django's own.
"""

import pytest
from django.urls import reverse

from reviews.services import review_create
from reviews.tests.factories import CompletedBookingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("urdu_catalog")]
URDU = {"HTTP_ACCEPT_LANGUAGE": "ur"}


def test_dashboard_in_urdu_is_right_to_left_with_urdu_figures(client, staff_user):
    client.force_login(staff_user)

    english = client.get(reverse("admin:index")).content.decode()
    urdu = client.get(reverse("admin:index"), **URDU).content.decode()

    assert "Providers awaiting approval" in english and "Commission this month" in english
    assert 'dir="rtl"' in urdu and 'lang="ur"' in urdu
    for text in (
        "Servizo آپریشنز",  # the site header
        "منظوری کے منتظر فراہم کنندگان",  # a queue card
        "اس مہینے کا کمیشن",  # a money card
        "مجموعی رقم اور کمیشن، پچھلے 30 دن",  # the chart's heading
        "کمیشن اور آمدنی کی رپورٹ",  # the operator pages in the app list
    ):
        assert text in urdu, text
    assert "Providers awaiting approval" not in urdu and "Commission this month" not in urdu


def test_revenue_report_in_urdu(client, staff_user):
    client.force_login(staff_user)

    page = client.get(reverse("admin:revenue_report"), {"grouping": "month"}, **URDU).content.decode()

    assert 'data-section="کل"' in page and 'data-section="مہینے کے لحاظ سے"' in page
    assert "CSV ڈاؤن لوڈ کریں" in page and "Download CSV" not in page


def test_review_changelist_action_and_its_result_in_urdu(client, staff_user, provider):
    booking = CompletedBookingFactory(provider=provider)
    review = review_create(booking_id=booking.pk, customer=booking.customer, rating=1)
    client.force_login(staff_user)
    changelist = reverse("admin:reviews_review_changelist")
    action = {"action": "hide_reviews", "_selected_action": [review.pk]}

    listed = client.get(changelist, **URDU).content.decode()
    confirm = client.post(changelist, action, **URDU).content.decode()
    done = client.post(changelist, {**action, "apply": "1", "reason": "Spam."}, follow=True, **URDU)

    assert "منتخب ریویوز چھپائیں (وجہ پوچھی جائے گی)" in listed  # the action in the actions menu
    assert "1 ریویو چھپائیں" in confirm and "یہ ریویوز چھپا دیے جائیں گے۔" in confirm
    assert "1 ریویو چھپا دیا گیا۔" in done.content.decode()
    review.refresh_from_db()
    assert review.is_hidden
