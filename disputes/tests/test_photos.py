"""Evidence photos are recognised by content, re-encoded without metadata, and thumbnailed."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from disputes.photos import MAX_PHOTOS, THUMB_MAX_SIDE, photo_prepare, photos_prepare

from .conftest import image_upload


def _open(content_file) -> Image.Image:
    return Image.open(io.BytesIO(content_file.read()))


@pytest.mark.parametrize(("fmt", "name", "stored"), [("JPEG", "a.jpg", "JPEG"), ("PNG", "a.png", "JPEG")])
def test_jpeg_and_png_are_stored_as_jpeg_with_a_small_thumbnail(fmt, name, stored):
    prepared = photo_prepare(image_upload(name, fmt, size=(1600, 1200)))

    assert _open(prepared.image).format == stored
    thumbnail = _open(prepared.thumbnail)
    assert max(thumbnail.size) == THUMB_MAX_SIDE and thumbnail.size == (320, 240)


def test_heic_from_an_iphone_is_converted_to_jpeg():
    prepared = photo_prepare(image_upload("IMG_0001.HEIC", "HEIF", size=(400, 300)))

    assert prepared.content_type == "image/jpeg"
    assert _open(prepared.image).format == "JPEG"


def test_gps_and_other_exif_is_not_kept():
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    Image.new("RGB", (50, 50)).save(buffer, format="JPEG", exif=exif)
    upload = SimpleUploadedFile("exif.jpg", buffer.getvalue())
    assert Image.open(io.BytesIO(buffer.getvalue())).getexif()

    assert not _open(photo_prepare(upload).image).getexif()


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4 not a photo",
        b"\xff\xd8\xff\xe0 a JPEG header and nothing else",
        b"<svg xmlns='http://www.w3.org/2000/svg'></svg>",
    ],
)
def test_files_that_are_not_photos_are_refused_whatever_their_name(content):
    with pytest.raises(ValidationError, match="not a JPEG, PNG, WebP or HEIC photo"):
        photo_prepare(SimpleUploadedFile("photo.jpg", content))


def test_a_gif_is_refused_though_pillow_reads_it():
    with pytest.raises(ValidationError, match="not a JPEG, PNG, WebP or HEIC"):
        photo_prepare(image_upload("anim.gif", "GIF"))


def test_size_cap(settings):
    settings.IMAGE_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="the limit is 100"):
        photo_prepare(image_upload())


def test_at_most_five_photos():
    with pytest.raises(ValidationError, match=f"at most {MAX_PHOTOS}"):
        photos_prepare([image_upload() for _ in range(MAX_PHOTOS + 1)])
    assert len(photos_prepare([image_upload() for _ in range(MAX_PHOTOS)])) == MAX_PHOTOS
