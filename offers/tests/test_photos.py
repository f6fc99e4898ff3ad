"""Offer photos: attached at create and edit (at most OFFER_PHOTOS_MAX), removed, and shown only to who
may see the offer: its customer, matching providers, the booked provider, staff."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import ProviderProfile
from accounts.tests.factories import CustomerFactory, ProviderFactory
from bookings.tests.factories import BookingFactory
from offers.models import Offer, OfferPhoto
from offers.services import offer_photos_change
from offers.tests.factories import OfferFactory
from offers.tests.test_views import _form_data
from places.tests.factories import ROME, PlaceFactory
from servizo.images import image_prepare
from servizo.testing.images import image_upload, read_image

pytestmark = pytest.mark.django_db


def _photos(n: int, **options) -> list:
    return [image_upload(f"room-{i}.jpg", size=(400, 300), **options) for i in range(n)]


def _offer_with_photos(n: int, **offer_fields) -> Offer:
    offer = OfferFactory(**offer_fields)
    offer_photos_change(offer=offer, add=[image_prepare(upload) for upload in _photos(n)])
    return offer


def test_customer_attaches_photos_when_publishing_and_sees_thumbnails(client, customer):
    client.force_login(customer)

    response = client.post(reverse("offers:create"), {**_form_data(), "photos": _photos(2)})

    offer = Offer.objects.get()
    assert response.status_code == 302
    photos = list(offer.photos.all())
    assert len(photos) == 2
    assert read_image(photos[0].thumbnail).size == (320, 240)
    page = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    for photo in photos:
        assert reverse("offers:photo_thumbnail", args=[photo.pk]) in page
        assert reverse("offers:photo", args=[photo.pk]) in page


def test_more_than_five_photos_is_a_field_error_and_nothing_is_saved(client, customer):
    client.force_login(customer)

    response = client.post(reverse("offers:create"), {**_form_data(), "photos": _photos(6)})

    assert response.status_code == 200
    assert response.context["form"].errors["photos"] == ["Attach at most 5 photos."]
    assert not Offer.objects.exists() and not OfferPhoto.objects.exists()


def test_each_refused_file_is_named_in_the_field_error(client, customer):
    client.force_login(customer)
    files = [image_upload("kitchen.jpg"), SimpleUploadedFile("invoice.jpg", b"%PDF-1.4 not a photo")]

    response = client.post(reverse("offers:create"), {**_form_data(), "photos": files})

    assert response.context["form"].errors["photos"] == [
        "“invoice.jpg” is not a JPEG, PNG, WebP or HEIC photo (its content was checked)."
    ]
    assert not Offer.objects.exists()


def test_edit_adds_up_to_the_cap_counting_the_photos_kept(client):
    offer = _offer_with_photos(4)
    client.force_login(offer.customer)
    url = reverse("offers:edit", args=[offer.pk])
    data = {**_form_data(), "price_cents": "120.00"}

    too_many = client.post(url, {**data, "photos": _photos(2)})
    assert "An offer can have at most 5 photos; it has 4." in too_many.context["form"].errors["photos"][0]

    first = offer.photos.first()
    response = client.post(url, {**data, "photos": _photos(2), "remove_photos": [first.pk]})

    assert response.status_code == 302
    assert offer.photos.count() == 5 and not offer.photos.filter(pk=first.pk).exists()
    offer.refresh_from_db()
    assert offer.terms_version == 2  # the price changed; photos alone never bump the terms


def test_removing_a_photo_deletes_its_files_once_committed(django_capture_on_commit_callbacks):
    offer = _offer_with_photos(1)
    photo = offer.photos.get()
    storage, names = photo.image.storage, [photo.image.name, photo.thumbnail.name]

    with django_capture_on_commit_callbacks(execute=True):
        offer_photos_change(offer=offer, remove_ids=[photo.pk])

    assert not offer.photos.exists()
    assert not any(storage.exists(name) for name in names)


def test_the_service_refuses_a_sixth_photo_whatever_the_form_said():
    offer = _offer_with_photos(5)

    with pytest.raises(ValidationError) as refused:
        offer_photos_change(offer=offer, add=[image_prepare(image_upload())])

    assert "at most 5 photos" in refused.value.message_dict["photos"][0]


def test_a_photo_another_customer_tries_to_remove_stays(client):
    offer = _offer_with_photos(1)
    photo = offer.photos.get()
    other = _offer_with_photos(0)
    client.force_login(other.customer)

    client.post(reverse("offers:edit", args=[other.pk]), {**_form_data(), "remove_photos": [photo.pk]})

    assert OfferPhoto.objects.filter(pk=photo.pk).exists()


# --- who may fetch a photo ---------------------------------------------------------------


@pytest.fixture
def photo(customer) -> OfferPhoto:
    return _offer_with_photos(1, customer=customer).photos.get()


def _fetch(client, photo: OfferPhoto, user=None, *, thumbnail: bool = False):
    if user is not None:
        client.force_login(user)
    name = "offers:photo_thumbnail" if thumbnail else "offers:photo"
    return client.get(reverse(name, args=[photo.pk]))


@pytest.mark.parametrize("thumbnail", [False, True])
def test_the_customer_and_matching_providers_fetch_the_photo(client, photo, provider, thumbnail):
    for user in (photo.offer.customer, provider):
        response = _fetch(client, photo, user, thumbnail=thumbnail)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Security-Policy"] == "sandbox"
        assert "no-store" in response["Cache-Control"]
        assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


def test_other_customers_and_providers_who_do_not_match_get_404(client, photo):
    outsiders = [
        CustomerFactory(),
        ProviderFactory(base_place=PlaceFactory(**ROME)),
        ProviderFactory(status=ProviderProfile.Status.PENDING),
        ProviderFactory(status=ProviderProfile.Status.SUSPENDED),
    ]
    for user in outsiders:
        assert _fetch(client, photo, user).status_code == 404
        assert _fetch(client, photo, user, thumbnail=True).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, photo):
    response = _fetch(client, photo)

    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_the_booked_provider_still_sees_the_photos_after_the_offer_is_taken(client, photo):
    booking = BookingFactory(offer=photo.offer)
    Offer.objects.filter(pk=photo.offer_id).update(status=Offer.Status.ACCEPTED)

    assert _fetch(client, photo, booking.provider).status_code == 200
    assert _fetch(client, photo, ProviderFactory()).status_code == 404  # no longer in anyone's feed
    client.force_login(booking.provider)
    page = client.get(reverse("bookings:detail", args=[booking.pk])).content.decode()
    assert reverse("offers:photo_thumbnail", args=[photo.pk]) in page


def test_staff_who_read_offers_see_photos_and_plain_staff_do_not(client, photo, support_user, plain_staff):
    assert _fetch(client, photo, support_user).status_code == 200
    assert _fetch(client, photo, plain_staff).status_code == 404
    client.force_login(support_user)
    page = client.get(reverse("admin:offers_offer_change", args=[photo.offer_id])).content.decode()
    assert reverse("offers:photo_thumbnail", args=[photo.pk]) in page


def test_behind_nginx_the_view_authorizes_and_nginx_sends_the_photo(client, photo, settings):
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT = "/_private-media/"

    response = _fetch(client, photo, photo.offer.customer)

    assert response["X-Accel-Redirect"] == f"/_private-media/{photo.image.name}"
    assert response.content == b""
    assert _fetch(client, photo, CustomerFactory()).status_code == 404


# --- the feed ---------------------------------------------------------------------------


@pytest.mark.usefixtures("no_page_cache")
def test_feed_cards_show_the_first_photo_in_one_query_for_the_page(
    client, provider, customer, django_assert_max_num_queries
):
    from offers.tests.test_views import _count_queries

    client.force_login(provider)
    url = reverse("offers:feed")
    OfferFactory.create_batch(3, customer=customer)
    with_photos = [_offer_with_photos(2, customer=customer) for _ in range(2)]
    at_5 = _count_queries(client, url, django_assert_max_num_queries)
    for _ in range(5):
        _offer_with_photos(1, customer=customer)

    assert _count_queries(client, url, django_assert_max_num_queries) == at_5
    page = client.get(url).content.decode()
    for offer in with_photos:
        first = offer.photos.order_by("id").first()
        assert reverse("offers:photo_thumbnail", args=[first.pk]) in page
    assert page.count("data-offer-thumbnail") == 7
