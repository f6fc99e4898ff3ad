"""Uploaded photos: recognised by decoding their content with Pillow, never by name or browser type.

JPEG, PNG, WebP and HEIC/HEIF (iPhone, through pillow-heif) are accepted; anything else, a file over
the byte cap, an image over IMAGE_MAX_PIXELS or a decompression bomb is a ValidationError naming the
file. Every accepted photo is re-encoded: EXIF orientation applied, then all metadata (EXIF, GPS, ICC
comments, trailing bytes) dropped, at two sizes (a display copy and a thumbnail), as JPEG (WebP where
the photo has transparency). Stored names are random; the user's filename is never kept.

The files go to the private storage documents use and are served by `servizo.files.private_file_response`
from each app's authorizing view.
"""

import io
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import pillow_heif
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

pillow_heif.register_heif_opener()

DISPLAY_SIDE = 1600
THUMB_SIDE = 320
ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif,.jpg,.jpeg,.png,.webp,.heic,.heif"
FORMATS = frozenset({"JPEG", "PNG", "WEBP", "HEIF"})
NOT_A_PHOTO = _("“%(name)s” is not a JPEG, PNG, WebP or HEIC photo (its content was checked).")
TOO_LARGE = _("“%(name)s” is %(pixels)s megapixels; the limit is %(limit)s.")


@dataclass(frozen=True)
class PreparedImage:
    """A checked photo, re-encoded, ready to assign to a model's FileFields (random names)."""

    image: ContentFile
    thumbnail: ContentFile
    content_type: str


def _encode(image: Image.Image, *, max_side: int, fmt: str, square: bool = False) -> bytes:
    if square:
        copy = ImageOps.fit(image, (max_side, max_side))
    else:
        copy = image.copy()
        copy.thumbnail((max_side, max_side))
    out = io.BytesIO()
    if fmt == "JPEG":
        copy = copy if copy.mode in ("RGB", "L") else copy.convert("RGB")
        copy.save(out, format="JPEG", quality=85, optimize=True)
    else:
        copy = copy if copy.mode in ("RGB", "RGBA") else copy.convert("RGBA")
        copy.save(out, format="WEBP", quality=85)
    return out.getvalue()


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def image_open(upload, *, needed_side: int = DISPLAY_SIDE) -> Image.Image:
    """The upload decoded (orientation applied), or a ValidationError naming the file.

    A JPEG is decoded at the smallest of 1/1, 1/2, 1/4, 1/8 scale whose long side still reaches
    `needed_side` (Pillow's draft mode): a 12-megapixel phone photo costs about half the CPU.
    """
    name = upload.name or "photo"
    max_bytes = settings.IMAGE_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            _("“%(name)s” is %(size)s; the limit is %(limit)s."),
            code="too_big",
            params={"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            fmt, (width, height) = probe.format, probe.size
            if fmt not in FORMATS:
                raise ValidationError(NOT_A_PHOTO, code="type", params={"name": name})
            if width * height > settings.IMAGE_MAX_PIXELS:
                raise ValidationError(
                    TOO_LARGE,
                    code="too_large",
                    params={
                        "name": name,
                        "pixels": f"{width * height / 1e6:.0f}",
                        "limit": f"{settings.IMAGE_MAX_PIXELS / 1e6:.0f}",
                    },
                )
            probe.verify()  # structure check; the image must be reopened to be used
        upload.seek(0)
        with Image.open(upload) as image:
            scale = needed_side / max(width, height)
            if image.format == "JPEG" and scale < 1:
                image.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
            image.load()
            return ImageOps.exif_transpose(image)  # the orientation the phone meant; the copy has no EXIF
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(NOT_A_PHOTO, code="type", params={"name": name}) from None


def image_prepare(
    upload,
    *,
    display_side: int = DISPLAY_SIDE,
    thumb_side: int = THUMB_SIDE,
    square_thumb: bool = False,
) -> PreparedImage:
    """Check one upload by content and size; return its display copy and thumbnail, metadata stripped."""
    image = image_open(upload, needed_side=display_side)
    fmt, content_type, extension = (
        ("WEBP", "image/webp", "webp") if _has_alpha(image) else ("JPEG", "image/jpeg", "jpg")
    )
    token = secrets.token_urlsafe(16)
    return PreparedImage(
        image=ContentFile(_encode(image, max_side=display_side, fmt=fmt), name=f"{token}.{extension}"),
        thumbnail=ContentFile(
            _encode(image, max_side=thumb_side, fmt=fmt, square=square_thumb), name=f"{token}-thumb.{extension}"
        ),
        content_type=content_type,
    )


def images_prepare(uploads: Iterable, *, max_count: int, **options) -> list[PreparedImage]:
    """Every upload prepared, or one ValidationError listing each refused file (and a count over `max_count`)."""
    uploads = list(uploads)
    if len(uploads) > max_count:
        raise ValidationError(
            ngettext("Attach at most %(count)d photo.", "Attach at most %(count)d photos.", max_count),
            code="too_many",
            params={"count": max_count},
        )
    prepared, errors = [], []
    for upload in uploads:
        try:
            prepared.append(image_prepare(upload, **options))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return prepared


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; cleans to the list of `PreparedImage` (one error per refused file)."""

    def __init__(self, *, max_count: int, prepare_options: dict | None = None, **kwargs):
        self.max_count, self.prepare_options = max_count, prepare_options or {}
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            format_lazy(
                ngettext_lazy(
                    "Up to {count} photo: JPEG, PNG, WebP or HEIC (iPhone).",
                    "Up to {count} photos: JPEG, PNG, WebP or HEIC (iPhone).",
                    max_count,
                ),
                count=max_count,
            ),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = [upload for upload in (data if isinstance(data, list | tuple) else [data]) if upload]
        for upload in uploads:
            super().clean(upload, initial)
        try:
            return images_prepare(uploads, max_count=self.max_count, **self.prepare_options)
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class PhotoField(forms.FileField):
    """One photo; cleans to a `PreparedImage` (or None when nothing was chosen)."""

    def __init__(self, *, prepare_options: dict | None = None, **kwargs):
        self.prepare_options = prepare_options or {}
        kwargs.setdefault("widget", forms.FileInput(attrs={"accept": ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        return image_prepare(upload, **self.prepare_options) if upload else None
