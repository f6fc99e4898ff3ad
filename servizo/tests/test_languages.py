"""English and Urdu (servizo.languages): the switcher, the saved language, right-to-left pages, the JavaScript
catalog, emails in the reader's language and caches kept per language. Needs the compiled catalogs
(`make compilemessages`, which `make test` runs first)."""

import datetime
import json

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.tests.factories import CustomerFactory
from accounts.tests.test_signup import customer_data
from notifications.services import notification_create
from servizo.fragments import cached_fragments
from servizo.languages import in_language_of
from servizo.timezones import when_text
from servizo.usercache import user_cache_drop, user_cached

pytestmark = pytest.mark.django_db
RTL_CSS = "/static/vendor/bootstrap/bootstrap.rtl.min.css"
LTR_CSS = "/static/vendor/bootstrap/bootstrap.min.css"
COOKIE = settings.LANGUAGE_COOKIE_NAME


def test_english_pages_are_left_to_right_with_bootstraps_own_css(client):
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="en" dir="ltr">' in page
    assert f'href="{LTR_CSS}"' in page and RTL_CSS not in page
    assert "Find a provider" in page and '<script src="/jsi18n/en/">' in page
    assert 'value="ur" lang="ur">اردو</button>' in page  # the switcher names Urdu in Urdu


def test_urdu_pages_are_right_to_left_with_bootstraps_rtl_build(client):
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="ur").content.decode()

    assert '<html lang="ur" dir="rtl">' in page
    assert f'href="{RTL_CSS}"' in page and LTR_CSS not in page
    assert "فراہم کنندہ تلاش کریں" in page and "Find a provider" not in page  # the navbar, in Urdu
    assert '<script src="/jsi18n/ur/">' in page
    assert 'value="en" lang="en">English</button>' in page


def test_a_visitor_switches_without_javascript_or_a_token_and_stays_on_the_page(client):
    client = type(client)(enforce_csrf_checks=True)  # the landing page is cached: it has no visitor's token

    response = client.post(reverse("set_language"), {"language": "ur", "next": "/providers/?trade=2"})

    assert response.status_code == 302 and response["Location"] == "/providers/?trade=2"
    assert response.cookies[COOKIE].value == "ur"
    assert '<html lang="ur" dir="rtl">' in client.get(reverse("home")).content.decode()
    assert client.post(reverse("set_language"), {"language": "ur", "next": "https://evil.example/"})["Location"] == "/"


def test_a_signed_in_switch_needs_the_token_and_saves_the_choice_on_the_account(client):
    user = CustomerFactory()
    client = type(client)(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(reverse("dashboard"))  # sets the CSRF cookie (the logout form)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value

    assert client.post(reverse("set_language"), {"language": "ur"}).status_code == 403
    user.refresh_from_db()
    assert user.language == ""

    response = client.post(reverse("set_language"), {"language": "ur", "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "ur"


def test_the_saved_language_follows_the_user_to_another_device(client):
    user = CustomerFactory(language="ur")
    client.cookies[COOKIE] = "en"  # this device was set to English before

    assert '<html lang="en"' in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.force_login(user)
    page = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")

    assert '<html lang="ur" dir="rtl">' in page.content.decode() and page["Content-Language"] == "ur"


def test_without_a_saved_language_the_browsers_is_used(client):
    client.force_login(CustomerFactory(language=""))

    assert '<html lang="ur"' in client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="ur").content.decode()
    assert '<html lang="en"' in client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_settings_page_sets_and_clears_the_language(client):
    user = CustomerFactory(time_zone="UTC")
    client.force_login(user)
    data = {"full_name": user.full_name, "phone": "", "time_zone": "Asia/Karachi"}

    client.post(reverse("account_settings"), {**data, "language": "ur"})
    user.refresh_from_db()
    assert user.language == "ur"
    assert "ترتیبات" in client.get(reverse("account_settings")).content.decode()

    client.post(reverse("account_settings"), {**data, "language": ""})
    user.refresh_from_db()
    assert user.language == ""
    assert client.post(reverse("account_settings"), {**data, "language": "xx"}).status_code == 200  # refused


def test_a_language_picked_before_signing_up_is_kept(client):
    client.cookies[COOKIE] = "ur"

    client.post(reverse("signup_customer"), customer_data())

    assert User.objects.get(email="carla@example.com").language == "ur"


def test_the_javascript_catalog_is_per_language_and_cached(client):
    urdu = client.get("/jsi18n/ur/")
    english = client.get("/jsi18n/en/")

    close = json.dumps("بند کریں")  # "Close" (static/js/servizo.js), as the catalog's JSON writes it
    assert urdu.status_code == 200 and f'"Close": {close}' in urdu.content.decode()
    assert close not in english.content.decode()
    assert "max-age=3600" in urdu["Cache-Control"]
    assert client.get("/jsi18n/xx/").status_code == 404


def test_an_urdu_reader_gets_the_notice_and_its_email_in_urdu(mailoutbox, django_capture_on_commit_callbacks):
    # Given an Urdu reader and an English one, and a notice written by a caller in each reader's language
    # (a catalog string stands in for the apps' texts)
    readers = [CustomerFactory(language="ur"), CustomerFactory(language="en")]

    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):  # the actor's language
        for reader in readers:
            with in_language_of(reader):
                text = _("Something went wrong on our side")
            notification_create(recipient=reader, kind="test", text=text, link="/bookings/1/", email=True)

    # Then each email is wholly in its reader's language, subject and body
    urdu, english = sorted(mailoutbox, key=lambda email: email.to[0] != readers[0].email)
    assert urdu.subject == "[Servizo] ہماری طرف کچھ غلط ہو گیا"
    assert "سرویزو پر کھولیں: http" in urdu.body and "Open it on" not in urdu.body
    assert english.subject == "[Servizo] Something went wrong on our side"
    assert "Open it on Servizo: http" in english.body
    assert readers[0].notifications.get().text == "ہماری طرف کچھ غلط ہو گیا"


def test_the_anonymous_landing_page_is_cached_per_language(client):
    english = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()  # fills the cache
    urdu = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="ur").content.decode()
    english_again = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "How it works" in english and "How it works" not in urdu and "یہ کیسے کام کرتا ہے" in urdu
    assert english_again == english


def test_cached_rows_and_user_values_are_kept_per_language():
    """servizo.fragments (feed cards, chat rows) and servizo.usercache (dashboard panels) add the language."""

    def rows() -> str:
        return cached_fragments([1], key=lambda row: f"test-row:{row}", render=lambda row: _("Next"), timeout=60)

    def panel() -> str:
        return user_cached(7, "test-panel", lambda: _("Previous"))

    with translation.override("en"):
        assert (rows(), panel()) == ("Next", "Previous")  # stored in English
    with translation.override("ur"):
        assert (rows(), panel()) == ("اگلا", "پچھلا")  # not the English copies
    user_cache_drop(7, "test-panel")
    with translation.override("en"):
        assert user_cached(7, "test-panel", lambda: "recomputed") == "recomputed"  # a drop forgets every language


def test_times_name_the_month_in_the_readers_language():
    moment = datetime.datetime(2026, 11, 30, 16, 52, tzinfo=datetime.UTC)

    with translation.override("en"):
        assert when_text(moment, "Asia/Karachi") == "30 Nov 2026, 21:52 PKT"
    with translation.override("ur"):
        assert when_text(moment, "Asia/Karachi") == "30 نومبر 2026, 21:52 PKT"
