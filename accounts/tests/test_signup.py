import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import ProviderProfile, ProviderStatusEvent, ServiceCategory, User
from accounts.tests.conftest import PNG_BYTES, link_in_last_mail, pdf_upload
from accounts.tests.factories import CustomerFactory
from places.tests.factories import PlaceFactory

PASSWORD = "Tidy-plumbing-2026"


def customer_data(**overrides):
    return {
        "email": "carla@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "full_name": "Carla Rossi",
        "phone": "+39 055 777",
        "accept_terms": "on",
        **overrides,
    }


def provider_data(**overrides):
    categories = ServiceCategory.objects.filter(slug__in=["electrician", "plumber"])
    PlaceFactory(names=["Firenze"])
    return {
        **customer_data(email="paolo@example.com", full_name="Paolo Bianchi"),
        "base_place_text": "Firenze",  # typed without the typeahead: the Italian name finds Florence
        "service_radius_km": "20",
        "service_area": "Florence and Prato",
        "categories": [c.pk for c in categories],
        "years_experience": "12",
        "bio": "Certified electrician.",
        "document": pdf_upload(),
        **overrides,
    }


def confirm_email_from_outbox(client) -> None:
    link = link_in_last_mail("/accounts/confirm-email/")
    assert client.get(link).status_code == 200  # a GET only shows the confirm button
    response = client.post(link)
    assert response.status_code == 302


@pytest.mark.django_db
def test_signup_url_offers_the_two_roles(client):
    response = client.get(reverse("account_signup"))

    body = response.content.decode()
    assert "I need a service" in body and "I offer services" in body
    assert reverse("signup_customer") in body and reverse("signup_provider") in body


@pytest.mark.django_db
def test_customer_signs_up_verifies_email_and_logs_in(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # emails leave through the outbox on commit
        response = client.post(reverse("signup_customer"), customer_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="carla@example.com")
    assert (user.role, user.full_name, user.phone) == (User.Role.CUSTOMER, "Carla Rossi", "+39 055 777")
    assert not hasattr(user, "provider_profile")
    assert not EmailAddress.objects.get(user=user).verified

    # Unverified: logging in only re-sends the link.
    client.post(reverse("account_login"), {"login": "carla@example.com", "password": PASSWORD})
    assert client.get(reverse("dashboard")).status_code == 302

    confirm_email_from_outbox(client)
    assert EmailAddress.objects.get(user=user).verified

    response = client.post(reverse("account_login"), {"login": "carla@example.com", "password": PASSWORD})
    assert response["Location"] == reverse("dashboard")
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert b'id="customer-dashboard"' in response.content


@pytest.mark.django_db
def test_a_form_posted_to_the_chooser_url_signs_up_a_customer(client):
    client.post(reverse("account_signup"), customer_data(email="direct@example.com"))

    assert User.objects.get(email="direct@example.com").role == User.Role.CUSTOMER


@pytest.mark.django_db
def test_customer_signup_errors_keep_the_other_fields(client):
    response = client.post(reverse("signup_customer"), customer_data(password2="something-else-99"))

    assert response.status_code == 200
    assert not User.objects.exists()
    body = response.content.decode()
    assert 'value="Carla Rossi"' in body and 'value="carla@example.com"' in body


@pytest.mark.django_db
def test_provider_signup_creates_a_pending_application_with_a_private_document(
    client, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("signup_provider"), provider_data())

    assert response.status_code == 302
    user = User.objects.get(email="paolo@example.com")
    assert user.role == User.Role.PROVIDER and user.phone == "+39 055 777"
    profile = user.provider_profile
    assert profile.status == ProviderProfile.Status.PENDING
    assert (profile.base_place.label, profile.service_radius_km) == ("Florence, IT", 20)
    assert (profile.service_area, profile.years_experience) == ("Florence and Prato", 12)
    assert sorted(profile.categories.values_list("slug", flat=True)) == ["electrician", "plumber"]
    stored = settings.PRIVATE_MEDIA_ROOT / profile.document.name
    assert stored.read_bytes().startswith(b"%PDF-")
    assert not str(stored).startswith(str(settings.STATIC_ROOT))
    with pytest.raises(ValueError):
        profile.document.url  # noqa: B018 - private files have no URL at all
    event = ProviderStatusEvent.objects.get(profile=profile)
    assert (event.from_status, event.to_status, event.actor) == ("", ProviderProfile.Status.PENDING, user)
    assert any("confirm-email" in sent.body for sent in mail.outbox)


@pytest.mark.django_db
def test_verified_pending_provider_lands_on_the_status_page(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("signup_provider"), provider_data())
    confirm_email_from_outbox(client)
    client.post(reverse("account_login"), {"login": "paolo@example.com", "password": PASSWORD})

    response = client.get(reverse("dashboard"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("provider_status")
    body = response.content.decode()
    assert "Pending review" in body and "What happens next" in body
    assert "Confirm your email address first" not in body


@pytest.mark.django_db
def test_provider_signup_page_uploads_as_multipart(client):
    body = client.get(reverse("signup_provider")).content.decode()

    assert 'enctype="multipart/form-data"' in body
    assert 'type="checkbox" class="form-check-input"  name="categories"' in body
    assert ".pdf" in body and 'type="file"' in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (pdf_upload("notes.txt", b"just some text"), "Upload a PDF, JPG or PNG"),
        (pdf_upload("licence.pdf", b"MZ\x90\x00 an executable renamed"), "Upload a PDF, JPG or PNG"),
        (pdf_upload("photo.pdf", PNG_BYTES), "Upload a PDF, JPG or PNG"),  # content and name disagree
        (pdf_upload("huge.pdf", b"%PDF-1.4\n" + b"0" * 2048), "the limit is 1.0"),
    ],
    ids=["wrong-type", "fake-content", "mismatched-extension", "too-big"],
)
def test_provider_signup_rejects_bad_documents_and_keeps_the_other_fields(client, settings, upload, message):
    settings.PROVIDER_DOCUMENT_MAX_BYTES = 1024

    response = client.post(reverse("signup_provider"), provider_data(document=upload))

    assert response.status_code == 200
    assert not User.objects.filter(email="paolo@example.com").exists()
    body = response.content.decode()
    assert message in body
    assert 'value="Florence and Prato"' in body and "Certified electrician." in body
    assert "choose your document again" in body


@pytest.mark.django_db
def test_provider_signup_requires_a_category_and_a_document(client):
    response = client.post(reverse("signup_provider"), provider_data(categories=[], document=""))

    assert response.status_code == 200
    form = response.context["form"]
    assert "categories" in form.errors and "document" in form.errors
    assert not User.objects.exists()


@pytest.mark.django_db
def test_png_document_is_accepted(client):
    upload = pdf_upload("id-card.PNG", PNG_BYTES)

    client.post(reverse("signup_provider"), provider_data(document=upload))

    assert User.objects.get(email="paolo@example.com").provider_profile.document.name.endswith(".PNG")


@pytest.mark.django_db
def test_login_and_logout_by_post(client):
    CustomerFactory(email="anna@example.com")

    response = client.post(reverse("account_login"), {"login": "anna@example.com", "password": "pass-1234-word"})
    assert response["Location"] == reverse("dashboard")

    assert client.get(reverse("account_logout")).status_code == 200  # a confirmation page, still logged in
    assert client.get(reverse("dashboard")).status_code == 200
    client.post(reverse("account_logout"))
    assert client.get(reverse("dashboard")).status_code == 302


@pytest.mark.django_db
def test_repeated_failed_logins_are_rate_limited(client):
    CustomerFactory(email="anna@example.com")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "anna@example.com", "password": "wrong-password"})

    response = client.post(reverse("account_login"), {"login": "anna@example.com", "password": "pass-1234-word"})

    assert "Too many failed login attempts" in response.content.decode()
    assert client.get(reverse("dashboard")).status_code == 302


@pytest.mark.django_db
def test_password_reset_by_emailed_link(client, django_capture_on_commit_callbacks):
    CustomerFactory(email="anna@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "anna@example.com"})
    assert response["Location"] == reverse("account_reset_password_done")

    link = link_in_last_mail("/accounts/password/reset/key/")
    form_url = client.get(link)["Location"]  # allauth moves the key into the session
    new_password = "Brand-new-secret-77"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response["Location"] == reverse("account_reset_password_from_key_done")

    assert client.login(email="anna@example.com", password=new_password)
    assert "no longer works" in client.get(link, follow=True).content.decode()


@pytest.mark.django_db
def test_password_change_for_a_logged_in_user(client):
    user = CustomerFactory()
    client.force_login(user)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "pass-1234-word", "password1": "Another-secret-88", "password2": "Another-secret-88"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Another-secret-88")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name",
    ["account_login", "account_reset_password", "account_email", "account_change_password", "account_logout"],
)
def test_account_pages_use_the_site_layout(client, url_name):
    client.force_login(CustomerFactory())
    if url_name in {"account_login", "account_reset_password"}:
        client.logout()

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert b"vendor/bootstrap/bootstrap.min.css" in response.content
    assert b'class="card shadow-sm"' in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["signup_customer", "signup_provider"])
def test_an_email_address_over_254_characters_is_refused_not_cut_short(client, url_name):
    email = f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 58}.com"  # 255 characters, valid otherwise
    assert len(email) == 255
    data = customer_data(email=email) if url_name == "signup_customer" else provider_data(email=email)

    response = client.post(reverse(url_name), data)

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Email addresses can be at most 254 characters."]
    assert not User.objects.filter(email__startswith="a" * 64).exists()
    assert 'maxlength="254"' in response.content.decode()


@pytest.mark.django_db
def test_signup_requires_consent_and_records_the_terms_version_it_accepted(client, staff_user):
    from accounts.models import LegalPage
    from accounts.services import legal_page_publish

    form = client.get(reverse("signup_customer")).content.decode()
    assert f'href="{reverse("terms")}"' in form and f'href="{reverse("privacy")}"' in form

    refused = client.post(reverse("signup_customer"), customer_data(accept_terms=""))
    assert refused.status_code == 200 and b"Please accept the terms of service" in refused.content
    assert not User.objects.filter(email="carla@example.com").exists()

    legal_page_publish(kind=LegalPage.Kind.TERMS, body="New terms.", actor=staff_user)  # version 1
    legal_page_publish(kind=LegalPage.Kind.TERMS, body="Newer terms.", actor=staff_user)  # version 2
    client.post(reverse("signup_customer"), customer_data())
    user = User.objects.get(email="carla@example.com")
    assert user.terms_version == 2 and user.terms_accepted_at is not None
    assert CustomerFactory().terms_version is None  # accounts made before consent stay as they were


@pytest.mark.django_db
def test_terms_and_privacy_show_the_default_text_until_an_operator_publishes_their_own(client, staff_user):
    for name in ("terms", "privacy"):
        page = client.get(reverse(name))
        assert page.status_code == 200 and b"Version 0" in page.content
    assert b"Operators replace this default text" in client.get(reverse("terms")).content

    client.force_login(staff_user)
    add = client.get(reverse("admin:accounts_legalpage_add") + "?kind=privacy")
    assert b"This notice explains what Servizo stores" in add.content  # starts from the default
    client.post(reverse("admin:accounts_legalpage_add"), {"kind": "privacy", "body": "Our own privacy notice."})
    page = client.get(reverse("privacy"))
    assert b"Our own privacy notice." in page.content and b"Version 1" in page.content

    legal = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("terms")}"' in legal and f'href="{reverse("privacy")}"' in legal


@pytest.mark.django_db
def test_login_page_offers_forgot_password_once(client):
    assert client.get(reverse("account_login")).content.decode().count("Forgot your password?") == 1


@pytest.mark.django_db
def test_logging_in_unverified_shows_check_your_inbox_with_a_rate_limited_resend(
    client, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("signup_customer"), customer_data())
    assert len(mail.outbox) == 1
    response = client.post(reverse("account_login"), {"login": "carla@example.com", "password": PASSWORD}, follow=True)
    page = response.content.decode()
    assert "Check your inbox" in page and 'id="resend-confirmation"' in page

    # Right after the first link allauth's rate limit holds the second one back, and the page says so
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("email_verification_resend"), follow=True)
    assert len(mail.outbox) == 1 and b"We sent a link a few minutes ago" in response.content

    cache.clear()  # three minutes later, as far as the rate limit is concerned
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("email_verification_resend"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 2 and "/accounts/confirm-email/" in mail.outbox[-1].body


@pytest.mark.django_db
def test_resend_without_a_pending_login_asks_to_log_in(client):
    response = client.post(reverse("email_verification_resend"))
    assert response.status_code == 302 and response["Location"] == reverse("account_login")
