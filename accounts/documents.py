"""Provider identity/qualification documents: which files we accept and how we recognise them.

A file is recognised by its first bytes (magic numbers), never by its name or the
Content-Type the browser sent; the extension must agree with what the bytes say.
"""

from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class DocumentKind:
    label: str
    content_type: str
    extension: str
    extensions: frozenset[str]
    magic: bytes


KINDS = (
    DocumentKind("PDF", "application/pdf", "pdf", frozenset({"pdf"}), b"%PDF-"),
    DocumentKind("PNG", "image/png", "png", frozenset({"png"}), b"\x89PNG\r\n\x1a\n"),
    DocumentKind("JPEG", "image/jpeg", "jpg", frozenset({"jpg", "jpeg"}), b"\xff\xd8\xff"),
)
ACCEPT = ",".join(sorted(f".{ext}" for kind in KINDS for ext in kind.extensions))
_HEAD_BYTES = max(len(kind.magic) for kind in KINDS)


def document_kind(file) -> DocumentKind | None:
    """The kind the file's first bytes announce, or None. Leaves the file at position 0."""
    file.seek(0)
    head = file.read(_HEAD_BYTES)
    file.seek(0)
    return next((kind for kind in KINDS if head.startswith(kind.magic)), None)


def validate_provider_document(upload) -> None:
    """Raise ValidationError unless `upload` is a PDF/PNG/JPEG within the size cap."""
    max_bytes = settings.PROVIDER_DOCUMENT_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s."),
            code="too_big",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
        )
    extension = PurePath(upload.name).suffix.lower().lstrip(".")
    kind = document_kind(upload)
    if kind is None or extension not in kind.extensions:
        raise ValidationError(_("Upload a PDF, JPG or PNG file (the file's content must match its type)."), code="type")
