"""A provider's profile photo and portfolio: uploaded and removed on their photos page, public with their
profile once approved (not while pending or suspended), and `{% provider_avatar %}` for any list."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from accounts.models import PortfolioPhoto, ProviderProfile
from accounts.services import portfolio_photo_add, provider_avatar_set
from accounts.templatetags.provider_photos import initials
from accounts.tests.factories import CustomerFactory, ProviderFactory, ProviderProfileFactory
from servizo.exceptions import DomainError
from servizo.images import image_prepare
from servizo.testing.images import image_upload, read_image

pytestmark = pytest.mark.django_db
PAGE = reverse("provider_photos")


def _with_photos(**profile_fields) -> ProviderProfile:
    profile = ProviderProfileFactory(**profile_fields)
    provider_avatar_set(profile_id=profile.pk, actor=profile.user, photo=image_prepare(image_upload()))
    portfolio_photo_add(profile_id=profile.pk, actor=profile.user, photo=image_prepare(image_upload()), caption="Hall")
    profile.refresh_from_db()
    return profile


def test_provider_uploads_a_square_avatar_and_portfolio_photos(client, provider):
    client.force_login(provider)

    avatar = client.post(PAGE, {"action": "avatar", "avatar": image_upload("me.png", "PNG", size=(900, 600))})
    added = client.post(PAGE, {"action": "portfolio_add", "photo": image_upload("job.jpg"), "caption": "New kitchen"})

    assert avatar.status_code == added.status_code == 302
    profile = ProviderProfile.objects.get(user=provider)
    assert read_image(profile.avatar_thumbnail).size == (256, 256)
    assert read_image(profile.avatar).size == (800, 533)
    photo = profile.portfolio.get()
    assert photo.caption == "New kitchen"
    page = client.get(PAGE).content.decode()
    assert reverse("provider_avatar_thumbnail", args=[profile.pk]) in page
    assert reverse("portfolio_photo_thumbnail", args=[photo.pk]) in page


def test_a_bad_upload_is_a_field_error(client, provider):
    client.force_login(provider)

    response = client.post(PAGE, {"action": "avatar", "avatar": image_upload("me.jpg", "GIF")})

    assert response.status_code == 200
    assert "is not a JPEG, PNG, WebP or HEIC photo" in response.context["avatar_form"].errors["avatar"][0]
    assert not ProviderProfile.objects.get(user=provider).avatar


def test_replacing_and_removing_the_avatar_deletes_old_files(client, django_capture_on_commit_callbacks):
    profile = _with_photos()
    storage, old = profile.avatar.storage, [profile.avatar.name, profile.avatar_thumbnail.name]
    client.force_login(profile.user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(PAGE, {"action": "avatar", "avatar": image_upload()})
    assert not any(storage.exists(name) for name in old)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(PAGE, {"action": "avatar_remove"})
    profile.refresh_from_db()
    assert not profile.avatar and not profile.avatar_thumbnail


def test_the_portfolio_is_capped(client, settings):
    settings.PORTFOLIO_PHOTOS_MAX = 1
    profile = _with_photos()
    client.force_login(profile.user)

    response = client.post(PAGE, {"action": "portfolio_add", "photo": image_upload()}, follow=True)

    assert "at most 1 photos" in response.content.decode()
    assert profile.portfolio.count() == 1


def test_a_provider_removes_only_their_own_portfolio_photos(client):
    mine, theirs = _with_photos(), _with_photos()
    client.force_login(mine.user)

    client.post(PAGE, {"action": "portfolio_remove", "photo": theirs.portfolio.get().pk})
    client.post(PAGE, {"action": "portfolio_remove", "photo": mine.portfolio.get().pk})

    assert theirs.portfolio.exists() and not mine.portfolio.exists()


def test_customers_have_no_photos_page(client, customer):
    client.force_login(customer)

    assert client.get(PAGE).status_code == 403


def _urls(profile: ProviderProfile) -> list[str]:
    photo = profile.portfolio.get()
    return [
        reverse("provider_avatar", args=[profile.pk]),
        reverse("provider_avatar_thumbnail", args=[profile.pk]),
        reverse("portfolio_photo", args=[photo.pk]),
        reverse("portfolio_photo_thumbnail", args=[photo.pk]),
    ]


def test_an_approved_providers_photos_are_public_and_cacheable_briefly(client):
    profile = _with_photos()

    for url in _urls(profile):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, max-age=300"
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("status", [ProviderProfile.Status.PENDING, ProviderProfile.Status.SUSPENDED])
def test_pending_and_suspended_providers_photos_are_not_public(client, status, support_user):
    profile = _with_photos(status=status)

    for user in (None, CustomerFactory(), ProviderFactory()):
        if user:
            client.force_login(user)
        assert [client.get(url).status_code for url in _urls(profile)] == [404] * 4
    for user in (profile.user, support_user):  # the provider and reviewing staff still see them
        client.force_login(user)
        assert [client.get(url).status_code for url in _urls(profile)] == [200] * 4


def test_the_public_profile_shows_the_avatar_and_the_portfolio(client):
    profile = _with_photos()

    page = client.get(reverse("reviews:provider_profile", args=[profile.user_id])).content.decode()

    assert reverse("provider_avatar_thumbnail", args=[profile.pk]) in page
    assert reverse("portfolio_photo_thumbnail", args=[profile.portfolio.get().pk]) in page
    assert "Hall" in page


def _avatar(user, size: int = 40) -> str:
    return Template("{% load provider_photos %}{% provider_avatar user size %}").render(
        Context({"user": user, "size": size})
    )


def test_the_avatar_tag_shows_the_photo_of_an_approved_provider_or_initials():
    approved = _with_photos()
    suspended = _with_photos(status=ProviderProfile.Status.SUSPENDED)
    bare = ProviderFactory(user__full_name="Ana María López")

    assert reverse("provider_avatar_thumbnail", args=[approved.pk]) in _avatar(approved.user)
    assert 'width="40"' in _avatar(approved.user)
    assert "data-avatar-initials" in _avatar(suspended.user)
    assert ">AL</span>" in _avatar(bare)
    assert "data-avatar-initials" in _avatar(CustomerFactory())


@pytest.mark.parametrize(("name", "expected"), [("Ana María López", "AL"), ("cher", "C"), ("", "?")])
def test_initials(name, expected):
    assert initials(name) == expected


def test_services_refuse_another_providers_profile():
    profile, other = ProviderProfileFactory(), ProviderFactory()

    with pytest.raises(DomainError):
        provider_avatar_set(profile_id=profile.pk, actor=other, photo=None)
    with pytest.raises(DomainError):
        portfolio_photo_add(profile_id=profile.pk, actor=other, photo=image_prepare(image_upload()))
    assert not PortfolioPhoto.objects.exists()


def test_reviewing_staff_see_a_pending_providers_photos_in_the_admin(client, support_user):
    profile = _with_photos(status=ProviderProfile.Status.PENDING)
    client.force_login(support_user)

    page = client.get(reverse("admin:accounts_providerprofile_change", args=[profile.pk])).content.decode()

    assert reverse("provider_avatar_thumbnail", args=[profile.pk]) in page
    assert reverse("portfolio_photo_thumbnail", args=[profile.portfolio.get().pk]) in page
