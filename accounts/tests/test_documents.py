import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.documents import validate_provider_document
from accounts.models import ProviderProfile
from accounts.tests.conftest import PDF_BYTES, PNG_BYTES, pdf_upload
from accounts.tests.factories import CustomerFactory, ProviderProfileFactory, StaffFactory, UserFactory


@pytest.fixture
def profile(db) -> ProviderProfile:
    return ProviderProfileFactory(status=ProviderProfile.Status.PENDING, document=pdf_upload("my id.pdf"))


def test_validator_accepts_matching_content_and_extension(settings):
    validate_provider_document(pdf_upload("a.pdf"))
    validate_provider_document(pdf_upload("b.png", PNG_BYTES))
    validate_provider_document(pdf_upload("c.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 16))


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("a.exe", PDF_BYTES, "type"),
        ("a.pdf", b"<html><script>alert(1)</script>", "type"),
        ("a.jpg", PDF_BYTES, "type"),
        ("a.pdf", b"%PDF-" + b"x" * 200, "too_big"),
    ],
)
def test_validator_refuses(settings, name, content, code):
    settings.PROVIDER_DOCUMENT_MAX_BYTES = 100

    with pytest.raises(ValidationError) as error:
        validate_provider_document(pdf_upload(name, content))

    assert error.value.code == code


def test_owner_gets_the_document_inline_with_a_safe_type(client, profile):
    client.force_login(profile.user)

    response = client.get(reverse("provider_document", args=[profile.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="provider-{profile.pk}-document.pdf"'
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_reviewing_staff_get_the_document(client, profile):
    reviewer = UserFactory(is_staff=True)
    reviewer.user_permissions.add(Permission.objects.get(codename="view_providerprofile"))

    for staff in (StaffFactory(), reviewer):
        client.force_login(staff)
        assert client.get(reverse("provider_document", args=[profile.pk])).status_code == 200


@pytest.mark.parametrize(
    "intruder",
    [CustomerFactory, lambda: ProviderProfileFactory().user, UserFactory, lambda: UserFactory(is_staff=True)],
    ids=["customer", "other-provider", "no-role", "staff-without-provider-permission"],
)
def test_anyone_else_gets_404(client, profile, intruder):
    client.force_login(intruder())

    assert client.get(reverse("provider_document", args=[profile.pk])).status_code == 404


def test_anonymous_visitor_is_sent_to_login(client, profile):
    response = client.get(reverse("provider_document", args=[profile.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_missing_document_is_404(client, db):
    profile = ProviderProfileFactory()
    client.force_login(profile.user)

    assert client.get(reverse("provider_document", args=[profile.pk])).status_code == 404


def test_documents_are_not_reachable_under_media_or_static(client, profile):
    assert client.get(f"/media/{profile.document.name}").status_code == 404
    assert client.get(f"/static/{profile.document.name}").status_code == 404


def test_behind_nginx_the_view_authorizes_and_nginx_sends_the_file(client, profile, settings):
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT = "/_private-media/"
    client.force_login(profile.user)

    response = client.get(reverse("provider_document", args=[profile.pk]))

    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/_private-media/{profile.document.name}"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="provider-{profile.pk}-document.pdf"'
    assert response["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response["Cache-Control"]


def test_behind_nginx_a_stranger_still_gets_404_and_no_redirect(client, profile, settings):
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT = "/_private-media/"
    client.force_login(CustomerFactory())

    response = client.get(reverse("provider_document", args=[profile.pk]))

    assert response.status_code == 404 and "X-Accel-Redirect" not in response
