"""Photos are recognised by content, re-encoded without metadata, resized, and bounded (servizo.images)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from servizo.images import DISPLAY_SIDE, THUMB_SIDE, image_prepare, images_prepare
from servizo.testing.images import image_bytes, image_upload, read_image


def test_a_png_named_jpg_is_accepted_by_its_content():
    prepared = image_prepare(image_upload("holiday.jpg", "PNG"))

    assert prepared.content_type == "image/jpeg"
    assert read_image(prepared.image).format == "JPEG"


def test_a_text_file_named_jpg_is_refused():
    with pytest.raises(ValidationError, match=r"“notes\.jpg” is not a JPEG, PNG, WebP or HEIC photo"):
        image_prepare(SimpleUploadedFile("notes.jpg", b"just some text, not a photo"))


@pytest.mark.parametrize(
    "content",
    [b"\xff\xd8\xff\xe0 a JPEG header and nothing else", b"<svg xmlns='http://www.w3.org/2000/svg'/>"],
)
def test_broken_or_foreign_content_is_refused(content):
    with pytest.raises(ValidationError, match="is not a JPEG"):
        image_prepare(SimpleUploadedFile("x.jpg", content))


def test_a_gif_is_refused_though_pillow_reads_it():
    with pytest.raises(ValidationError, match="is not a JPEG"):
        image_prepare(image_upload("anim.gif", "GIF"))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_every_accepted_format_gives_a_display_copy_and_a_thumbnail(fmt):
    prepared = image_prepare(image_upload(f"photo.{fmt.lower()}", fmt, size=(2000, 1500)))

    assert read_image(prepared.image).size == (DISPLAY_SIDE, 1200)
    assert read_image(prepared.thumbnail).size == (THUMB_SIDE, 240)


def test_transparency_is_kept_as_webp():
    prepared = image_prepare(image_upload("logo.png", "PNG", alpha=True, color=(0, 0, 0, 0)))

    assert prepared.content_type == "image/webp"
    assert read_image(prepared.image).format == "WEBP"


def test_stored_names_are_random_never_the_users_filename():
    first = image_prepare(image_upload("My House, 12 Via Roma.jpg"))
    second = image_prepare(image_upload("My House, 12 Via Roma.jpg"))

    assert "Roma" not in first.image.name and "House" not in first.thumbnail.name
    assert first.image.name != second.image.name


def test_an_oversized_file_is_refused(settings):
    settings.IMAGE_MAX_BYTES = 1000

    with pytest.raises(ValidationError, match="the limit is 1000"):
        image_prepare(image_upload("big.jpg", size=(400, 400)))


def test_too_many_pixels_is_refused(settings):
    settings.IMAGE_MAX_PIXELS = 1_000_000

    with pytest.raises(ValidationError, match="megapixels"):
        image_prepare(image_upload("panorama.jpg", size=(2000, 1000)))


def _png_bomb(side: int) -> bytes:
    """`side` x `side` black pixels: a few kB as a 1-bit PNG, side² x 3 bytes once decoded to RGB."""
    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = _png_bomb(8_000)  # 64 megapixels in ~10 kB
    assert len(bomb) < 100_000

    with pytest.raises(ValidationError, match="64 megapixels; the limit is 40"):
        image_prepare(SimpleUploadedFile("bomb.png", bomb))


def test_pillows_own_bomb_guard_is_a_field_error_too(settings):
    settings.IMAGE_MAX_PIXELS = 10**12  # our cap out of the way: Pillow refuses over 2 x 89 megapixels

    with pytest.raises(ValidationError, match="is not a JPEG"):
        image_prepare(SimpleUploadedFile("bomb.png", _png_bomb(14_000)))


def test_exif_and_gps_are_removed_and_orientation_is_applied():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif.get_ifd(0x8825)[2] = (43.0, 46.0, 12.0)  # GPSLatitude
    exif.get_ifd(0x8825)[1] = "N"
    raw = image_bytes("JPEG", size=(400, 200), exif=exif)
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)  # the upload does carry GPS

    prepared = image_prepare(SimpleUploadedFile("IMG_0001.jpg", raw))

    for stored in (prepared.image, prepared.thumbnail):
        image = read_image(stored)
        assert not image.getexif()
        assert "exif" not in image.info and "icc_profile" not in image.info
    assert read_image(prepared.image).size == (200, 400)  # turned upright as the phone meant


def test_images_prepare_names_each_refused_file_and_caps_the_count():
    with pytest.raises(ValidationError) as refused:
        images_prepare(
            [image_upload("ok.jpg"), SimpleUploadedFile("a.jpg", b"text"), SimpleUploadedFile("b.png", b"x")],
            max_count=5,
        )
    assert [message[:7] for message in refused.value.messages] == ["“a.jpg”", "“b.png”"]

    with pytest.raises(ValidationError, match="at most 2 photos"):
        images_prepare([image_upload() for _ in range(3)], max_count=2)
