"""The account pages in Urdu: our own strings, allauth's and Django's (accounts.borrowed_strings), the
flash messages and emails allauth sends (templates/account/messages/, templates/account/email/)."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from accounts import borrowed_strings, landing
from accounts.models import ProviderProfile, ServiceCategory, User
from accounts.services import provider_transition
from accounts.tests.conftest import link_in_last_mail
from accounts.tests.factories import CustomerFactory, ProviderProfileFactory
from accounts.tests.test_signup import PASSWORD, customer_data, provider_data

pytestmark = pytest.mark.django_db


def page(response) -> str:
    """The page's own part (the site's frame, base.html, is checked with it)."""
    assert response.status_code == 200
    return response.content.decode().split('id="main"', 1)[1].split("</main>", 1)[0]


def assert_urdu(body: str, *, urdu_client: list[str], english: list[str]) -> None:
    missing = [text for text in urdu_client if text not in body]
    left = [text for text in english if text in body]
    assert not missing and not left, {"Urdu missing": missing, "English left": left}


def rendered(text, language: str) -> list[str]:
    """A borrowed string as a page shows it in `language` (a plural: its singular and its plural)."""
    with translation.override(language):
        if isinstance(text, str):
            return [translation.gettext(text)]
        return [str(text % {"min_length": n, "limit_value": n, "show_value": n + 1}) for n in (1, 8)]


def test_every_borrowed_allauth_and_django_string_has_an_urdu_translation(urdu_catalog):
    for text in borrowed_strings.ALLAUTH + borrowed_strings.DJANGO:
        english, urdu_client = rendered(text, "en"), rendered(text, "ur")
        assert all(en != ur for en, ur in zip(english, urdu_client, strict=True)), english


def test_signup_chooser_and_customer_form_in_urdu(urdu_client):
    assert_urdu(
        page(urdu_client.get(reverse("account_signup"))),
        urdu_client=["Servizo میں شامل ہوں", "مجھے کوئی خدمت چاہیے", "میں خدمات پیش کرتا ہوں", "لاگ اِن کریں"],
        english=["Join Servizo", "I need a service", "I offer services", "Already have an account?"],
    )
    assert_urdu(
        page(urdu_client.get(reverse("signup_customer"))),
        urdu_client=["مجھے کوئی خدمت چاہیے", "پاس ورڈ (دوبارہ)", "پورا نام", "فون (اختیاری)", "سروس کی شرائط"],
        english=["Password (again)", "Full name", "Phone (optional)", "terms of service", "Create account"],
    )


def test_provider_signup_form_in_urdu(urdu_client):
    assert_urdu(
        page(urdu_client.get(reverse("signup_provider"))),
        urdu_client=[
            "وہ شہر جہاں سے آپ کام کرتے ہیں",
            "آپ کتنی دور تک جاتے ہیں (کلومیٹر)",
            "(1–100 کلومیٹر)",
            "شہر کا نام",
        ],
        english=["City you work from", "How far you travel", "Start typing a city", "Apply as a provider"],
    )


def test_signup_errors_in_urdu_from_our_forms_allauth_and_django(urdu_client):
    weak = customer_data(password1="4821", password2="4821", accept_terms="", full_name="")
    assert_urdu(
        page(urdu_client.post(reverse("signup_customer"), weak)),
        urdu_client=[
            "یہ پاس ورڈ بہت چھوٹا ہے۔ اس میں کم از کم 8 حروف ہونے چاہییں۔",  # Django's validators, our catalog
            "یہ پاس ورڈ صرف ہندسوں پر مشتمل ہے۔",
            "اکاؤنٹ بنانے کے لیے براہ کرم سروس کی شرائط قبول کریں۔",  # ours
            "یہ خانہ درکار ھے۔",  # Django's own Urdu catalog
        ],
        english=["too short", "entirely numeric", "Please accept the terms", "This field is required"],
    )
    mismatch = customer_data(password2=PASSWORD + "x")
    assert_urdu(
        page(urdu_client.post(reverse("signup_customer"), mismatch)),
        urdu_client=["آپ کو دونوں بار ایک ہی پاس ورڈ لکھنا ہوگا۔"],  # allauth's form, our catalog
        english=["same password each time"],
    )


def test_unknown_city_error_in_urdu(urdu_client):
    data = provider_data(base_place_text="Atlantis", categories=[ServiceCategory.objects.first().pk])

    body = page(urdu_client.post(reverse("signup_provider"), data))

    assert "ہمیں “Atlantis” نام کا کوئی شہر معلوم نہیں۔" in body and "We know no city" not in body


def test_login_page_and_refused_login_in_urdu(urdu_client):
    CustomerFactory(email="carla@example.com")
    assert_urdu(
        page(urdu_client.get(reverse("account_login"))),
        urdu_client=["لاگ اِن کریں", "ای میل", "پاس ورڈ", "مجھے یاد رکھیں", "پاس ورڈ بھول گئے؟", "اکاؤنٹ بنائیں"],
        english=["Log in", "Remember Me", "Forgot your password?", "Create an account"],
    )

    body = page(
        urdu_client.post(reverse("account_login"), {"login": "carla@example.com", "password": "wrong-password-1"})
    )

    assert_urdu(body, urdu_client=["آپ کا درج کردہ ای میل پتہ یا پاس ورڈ درست نہیں ہے۔"], english=["are not correct"])


def test_signup_email_and_allauth_messages_in_urdu(urdu_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = urdu_client.post(reverse("signup_customer"), customer_data())
    assert response.status_code == 302

    assert User.objects.get(email="carla@example.com").language == "ur"  # the language of the signup page
    sent = mail.outbox[-1]
    assert sent.subject == "[Servizo] اپنے ای میل پتے کی تصدیق کریں"
    assert "براہ کرم یہ لنک کھول کر تصدیق کریں" in sent.body and "Servizo کی طرف سے سلام!" in sent.body
    assert "Please confirm" not in sent.body

    confirmed = urdu_client.post(link_in_last_mail("/accounts/confirm-email/"), follow=True)
    assert "آپ نے carla@example.com کی تصدیق کر دی ہے۔" in page(confirmed)

    logged_in = urdu_client.post(
        reverse("account_login"), {"login": "carla@example.com", "password": PASSWORD}, follow=True
    )
    assert "آپ Carla Rossi کے طور پر کامیابی سے سائن اِن ہو گئے۔" in page(logged_in)
    assert "Successfully signed in" not in page(logged_in)

    logged_out = urdu_client.post(reverse("account_logout"), follow=True)
    assert "آپ سائن آؤٹ ہو گئے ہیں۔" in page(logged_out) and "You have signed out." not in page(logged_out)


def test_password_reset_email_in_urdu(urdu_client, django_capture_on_commit_callbacks):
    CustomerFactory(email="carla@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        urdu_client.post(reverse("account_reset_password"), {"email": "carla@example.com"})

    sent = mail.outbox[-1]
    assert sent.subject == "[Servizo] اپنا پاس ورڈ ری سیٹ کریں"
    assert "/accounts/password/reset/key/" in sent.body and "نیا پاس ورڈ منتخب کرنے کے لیے" in sent.body


def test_settings_and_legal_pages_in_urdu(urdu_client):
    urdu_client.force_login(CustomerFactory())
    assert_urdu(
        page(urdu_client.get(reverse("account_settings"))),
        urdu_client=["ترتیبات", "آپ کا موجودہ وقت:", "ٹائم زون", "محفوظ کریں"],
        english=["Your time now", "Time zone", "Every time on Servizo"],
    )
    assert_urdu(
        page(urdu_client.get(reverse("terms"))),
        urdu_client=["سروس کی شرائط", "ورژن 0", "Servizo گاہکوں کو آزاد خدمت فراہم کنندگان سے ملاتا ہے۔"],
        english=["Terms of service", "Version", "independent service providers"],
    )


def test_application_status_page_and_the_review_in_the_admin_in_urdu(
    urdu_client, support_user, django_capture_on_commit_callbacks
):
    profile = ProviderProfileFactory(status=ProviderProfile.Status.PENDING)
    urdu_client.force_login(profile.user)
    assert_urdu(
        page(urdu_client.get(reverse("provider_status"))),
        urdu_client=["آپ کی فراہم کنندہ کی درخواست", "جائزہ زیر التوا", "آگے کیا ہوگا", "آپ نے ہمیں کیا بھیجا"],
        english=["Your provider application", "Pending review", "What happens next", "What you sent us"],
    )

    urdu_client.force_login(support_user)
    admin_page = urdu_client.get(reverse("admin:accounts_providerprofile_change", args=[profile.pk])).content.decode()
    assert ">منظور کریں</button>" in admin_page and ">مسترد کریں…</button>" in admin_page
    assert ">Approve</button>" not in admin_page
    data = {"action": "approve", "index": "0", "_selected_action": profile.pk}
    with django_capture_on_commit_callbacks(execute=True):
        response = urdu_client.post(reverse("admin:accounts_providerprofile_changelist"), data, follow=True)

    assert "1 فراہم کنندہ اب منظور شدہ ہے؛ انہیں ای میل بھیج دی گئی۔" in response.content.decode()


def test_a_user_who_picks_english_gets_english_pages_from_then_on(urdu_client):
    user = CustomerFactory(language="ur")
    urdu_client.force_login(user)
    data = {"full_name": user.full_name, "phone": "", "time_zone": user.time_zone, "language": "en"}

    response = urdu_client.post(reverse("account_settings"), data, follow=True)

    user.refresh_from_db()
    assert user.language == "en" and urdu_client.cookies["django_language"].value == "en"
    assert "Your settings are saved." in page(response) and "Time zone" in page(response)


def test_the_provider_is_told_of_a_decision_in_their_language_not_the_reviewers(
    staff_user, django_capture_on_commit_callbacks, urdu_catalog
):
    profile = ProviderProfileFactory(status=ProviderProfile.Status.PENDING, user__language="ur")

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        provider_transition(profile_id=profile.pk, to_status=ProviderProfile.Status.APPROVED, actor=staff_user)

    assert profile.user.notifications.get().text.startswith("آپ کا فراہم کنندہ اکاؤنٹ منظور ہو گیا ہے۔")
    assert mail.outbox[-1].subject.startswith("[Servizo] آپ کا فراہم کنندہ اکاؤنٹ منظور ہو گیا ہے۔")


def test_the_anonymous_landing_page_is_cached_per_language(client, urdu_catalog):
    client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert cache.get(landing._key("en")) and cache.get(landing._key("ur")) is None

    client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="ur")
    assert cache.get(landing._key("ur")) is not None
