"""Real image files for tests of photo uploads (servizo.images)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(fmt: str = "JPEG", size=(800, 600), color="red", **save_options) -> bytes:
    buffer = io.BytesIO()
    mode = "RGBA" if fmt in {"PNG", "WEBP"} and save_options.pop("alpha", False) else "RGB"
    Image.new(mode, size, color).save(buffer, format=fmt, **save_options)
    return buffer.getvalue()


def image_upload(name: str = "photo.jpg", fmt: str = "JPEG", **options) -> SimpleUploadedFile:
    """A real image of `fmt` under any `name`, typed as the browser might (octet-stream)."""
    return SimpleUploadedFile(name, image_bytes(fmt, **options), content_type="application/octet-stream")


def read_image(stored) -> Image.Image:
    """A stored FileField (or ContentFile) decoded by Pillow."""
    stored.open("rb")
    try:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
        return image
    finally:
        stored.close()
