"""The directory in Urdu: its filters, its provider cards, the parts of a provider's profile it gives
(response time, portfolio) and the hourly rate form's errors."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import PortfolioPhoto, ServiceCategory
from accounts.tests.test_urdu import assert_urdu, page
from directory.models import DirectoryListing, ProviderResponseTime
from directory.tests.factories import listed_provider

pytestmark = pytest.mark.django_db

URL = reverse("directory:list")


@pytest.fixture
def ann():
    """An electrician at $50.00/h with 3 jobs done and no reviews yet."""
    electrician = ServiceCategory.objects.get(slug="electrician")
    provider = listed_provider(user__full_name="Ann", categories=[electrician], hourly_rate_cents=5000)
    DirectoryListing.objects.filter(provider=provider).update(jobs_done=3)
    return provider


def test_directory_filters_and_cards_in_urdu(urdu_client, ann):
    place = ann.provider_profile.base_place

    body = page(urdu_client.get(f"{URL}?place={place.pk}"))

    assert_urdu(
        body,
        urdu_client=[
            "فراہم کنندہ تلاش کریں",
            "شعبہ",
            "تمام شعبے",
            "کوئی بھی ریٹنگ",
            "4.5★ اور اس سے زیادہ",
            "کوئی بھی قیمت",
            "$$ ($35.00–$69.99 فی گھنٹہ)",
            "بہترین ریٹنگ",
            "قریب ترین (مقام کے ساتھ)",
            "تلاش کریں",
            "0 کلومیٹر دور",
            "$50.00 فی گھنٹہ",
            "ابھی کوئی جائزہ نہیں",
            "3 کام مکمل",
        ],
        english=["Find a provider", "All trades", "Any rating", "and up", "Best rated", "km away", "0/h", "jobs done"],
    )


def test_no_match_and_unknown_city_in_urdu(urdu_client, ann):
    body = page(urdu_client.get(f"{URL}?place_text=Atlantis&min_rating=450"))

    assert "کوئی فراہم کنندہ ان فلٹرز سے مطابقت نہیں رکھتا۔" in body
    assert "ہمیں “Atlantis” نام کا کوئی شہر معلوم نہیں۔" in body
    assert "No provider matches" not in body and "We know no city" not in body


def test_provider_profile_response_time_and_portfolio_in_urdu(urdu_client, ann):
    ProviderResponseTime.objects.create(provider=ann, responses=2, total_minutes=180)
    PortfolioPhoto.objects.create(
        profile=ann.provider_profile,
        image=ContentFile(b"x", name="work.jpg"),
        thumbnail=ContentFile(b"x", name="work-thumb.jpg"),
        content_type="image/jpeg",
    )

    body = page(urdu_client.get(reverse("reviews:provider_profile", args=[ann.pk])))

    assert_urdu(
        body,
        urdu_client=["تقریباً 2 گھنٹے", "سابقہ کام", "سابقہ کام کی تصویر", "بڑی تصویر کھولیں"],
        english=["about 2 hours", "Past work", "Photo of past work"],
    )


def test_hourly_rate_form_and_its_errors_in_urdu(urdu_client, ann):
    urdu_client.force_login(ann)
    assert_urdu(
        page(urdu_client.get(reverse("directory:rate"))),
        urdu_client=["آپ کا فی گھنٹہ ریٹ", "عام فی گھنٹہ ریٹ", "محفوظ کریں"],
        english=["Your hourly rate", "Typical hourly rate", "Shown on your profile"],
    )

    body = page(urdu_client.post(reverse("directory:rate"), {"hourly_rate_cents": "0.50"}))

    assert "کم از کم $1.00 درج کریں۔" in body and "Enter at least" not in body

    saved = urdu_client.post(reverse("directory:rate"), {"hourly_rate_cents": "55.00"}, follow=True)
    assert "آپ کا فی گھنٹہ ریٹ محفوظ ہو گیا۔" in page(saved)
