"""The booking pages and their messages in Urdu (issue 16); English stays the source text."""

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from bookings.models import Booking, BookingStatusCounts
from bookings.services import booking_transition, dashboard_panel_cache_name
from bookings.tests.factories import BookingFactory
from notifications.models import Notification
from servizo.exceptions import TransitionNotAllowed

S = Booking.Status
pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_customer_reads_an_unpaid_booking_in_urdu(urdu_client):
    booking = BookingFactory()
    urdu_client.force_login(booking.customer)

    page = urdu_client.get(booking.get_absolute_url()).content.decode()

    assert '<span class="badge text-bg-warning" data-status>ادائیگی کا انتظار</span>' in page
    assert "طے شدہ شرائط" in page  # Agreed terms
    assert "اس بکنگ کی تصدیق کے لیے" in page  # Pay by … to confirm this booking
    assert ">بکنگ منسوخ کریں</button>" in page  # the cancel action
    assert "Agreed terms" not in page and "Cancel the booking" not in page


def test_the_provider_lists_their_jobs_in_urdu_with_translated_states(urdu_client):
    booking = BookingFactory(status=S.SCHEDULED)
    urdu_client.force_login(booking.provider)
    url = reverse("bookings:list")

    page = urdu_client.get(url).content.decode()
    empty = urdu_client.get(url, {"status": S.REFUNDED}).content.decode()

    assert '<h1 class="h3 mb-0">آپ کے کام</h1>' in page  # Your jobs
    assert '<option value="" selected>تمام حالتیں</option>' in page  # the filter's "All states"
    assert ">طے شدہ (ادائیگی ہو چکی، ایسکرو میں)</span>" in page  # the booking's status badge
    assert '<option value="refunded" selected>رقم واپس</option>' in empty
    assert "یہاں ابھی کوئی کام نہیں۔" in empty  # No jobs here yet.


def test_a_refused_move_is_explained_in_urdu_and_nothing_moves(urdu_client):
    booking = BookingFactory(status=S.SCHEDULED)
    urdu_client.force_login(booking.customer)

    response = urdu_client.post(
        reverse("bookings:transition", args=[booking.pk]), {"to_status": S.IN_PROGRESS, "from_status": S.SCHEDULED}
    )

    assert _messages(response) == [
        "یہ بکنگ اس وقت “طے شدہ (ادائیگی ہو چکی، ایسکرو میں)” ہے؛ آپ اسے “جاری” میں تبدیل نہیں کر سکتے۔"
    ]
    booking.refresh_from_db()
    assert booking.status == S.SCHEDULED


def test_the_service_refuses_in_the_active_language():
    booking = BookingFactory(status=S.IN_PROGRESS)

    with translation.override("ur"), pytest.raises(TransitionNotAllowed) as refused:
        booking_transition(booking_id=booking.pk, to_status=S.DISPUTED, actor=booking.customer, note="")
    with pytest.raises(TransitionNotAllowed) as in_english:
        booking_transition(booking_id=booking.pk, to_status=S.DISPUTED, actor=booking.customer, note="")

    assert str(refused.value) == "براہِ کرم وجہ بتائیں۔"
    assert str(in_english.value) == "Please give a reason."


@pytest.mark.parametrize(
    ("language", "expected"),
    [("", "” is now in progress — by "), ("en", "” is now in progress — by "), ("ur", "اب “جاری” ہے")],
)
def test_a_move_is_told_to_the_other_party_in_their_language_not_the_actors(urdu_client, language, expected):
    """The provider acts on an Urdu page; the customer's notice (and so its email) follows the customer's language."""
    booking = BookingFactory(status=S.SCHEDULED)
    booking.customer.language = language
    booking.customer.save(update_fields=["language"])
    urdu_client.force_login(booking.provider)

    response = urdu_client.post(
        reverse("bookings:transition", args=[booking.pk]), {"to_status": S.IN_PROGRESS, "from_status": S.SCHEDULED}
    )

    assert _messages(response) == ["ہو گیا: بکنگ اب “جاری” ہے۔"]
    notice = Notification.objects.get(recipient=booking.customer)
    assert expected in notice.text


def test_the_cached_dashboard_panel_follows_the_viewers_language(urdu_client):
    """The panel is cached per user and language (servizo.usercache): neither language shows the other's."""
    booking = BookingFactory()
    urdu_client.force_login(booking.customer)
    cached = f"user:{booking.customer.pk}:{dashboard_panel_cache_name(BookingStatusCounts.Side.CUSTOMER)}:en"

    english = urdu_client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert cache.get(cached) is not None
    urdu = urdu_client.get(reverse("dashboard")).content.decode()
    english_again = urdu_client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    for page, label in (
        (english, "Awaiting payment"),
        (urdu, "ادائیگی کا انتظار"),
        (english_again, "Awaiting payment"),
    ):
        assert f'{label} <span class="badge text-bg-secondary">1</span>' in page
    assert '<h2 class="h5 mb-0">آپ کی بکنگز</h2>' in urdu  # Your bookings
