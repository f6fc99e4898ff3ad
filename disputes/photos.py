"""Evidence photos: what we accept, recognised by decoding the content with Pillow, never by name or type.

JPEG and PNG are accepted; HEIC/HEIF (iPhone photos) are decoded with pillow-heif and stored as JPEG.
Every photo is re-encoded (at most PHOTO_MAX_SIDE px; EXIF, GPS and any trailing bytes dropped), and a
thumbnail of THUMB_MAX_SIDE px is made. Files go to private storage and are served by disputes.views.
"""

import io
from dataclasses import dataclass

import pillow_heif
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps, UnidentifiedImageError

pillow_heif.register_heif_opener()

MAX_PHOTOS = 5
PHOTO_MAX_SIDE = 2000
THUMB_MAX_SIDE = 320
ACCEPT = "image/jpeg,image/png,image/heic,image/heif,.jpg,.jpeg,.png,.heic,.heif"
# Decoded format -> (stored format, content type, extension).
_STORED = {
    "JPEG": ("JPEG", "image/jpeg", "jpg"),
    "PNG": ("PNG", "image/png", "png"),
    "HEIF": ("JPEG", "image/jpeg", "jpg"),
}
NOT_A_PHOTO = "“%(name)s” is not a JPEG, PNG or HEIC photo (its content was checked)."


@dataclass(frozen=True)
class PreparedPhoto:
    image: ContentFile
    thumbnail: ContentFile
    content_type: str


def _encode(image: Image.Image, fmt: str, max_side: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((max_side, max_side))
    if fmt == "JPEG" and copy.mode not in ("RGB", "L"):
        copy = copy.convert("RGB")
    out = io.BytesIO()
    copy.save(out, format=fmt, **({"quality": 85} if fmt == "JPEG" else {"optimize": True}))
    return out.getvalue()


def photo_prepare(upload) -> PreparedPhoto:
    """Check one upload by content and size; return the re-encoded photo and thumbnail (ValidationError otherwise)."""
    max_bytes = settings.DISPUTE_PHOTO_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            "“%(name)s” is %(size)s; the limit is %(limit)s.",
            code="too_big",
            params={"name": upload.name, "size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            fmt = probe.format
            probe.verify()  # structure check; the image must be reopened to be used
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            image = ImageOps.exif_transpose(image)  # keep the orientation the phone meant, then drop EXIF
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(NOT_A_PHOTO, code="type", params={"name": upload.name}) from None
    if fmt not in _STORED:
        raise ValidationError(NOT_A_PHOTO, code="type", params={"name": upload.name})
    stored_format, content_type, extension = _STORED[fmt]
    return PreparedPhoto(
        image=ContentFile(_encode(image, stored_format, PHOTO_MAX_SIDE), name=f"photo.{extension}"),
        thumbnail=ContentFile(_encode(image, stored_format, THUMB_MAX_SIDE), name=f"thumb.{extension}"),
        content_type=content_type,
    )


def photos_prepare(uploads) -> list[PreparedPhoto]:
    """All of a party's uploads, or a ValidationError listing every problem."""
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError(f"Attach at most {MAX_PHOTOS} photos.", code="too_many")
    prepared, errors = [], []
    for upload in uploads:
        try:
            prepared.append(photo_prepare(upload))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return prepared
