import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    """allauth keeps its rate-limit counters in the real (Redis) cache: start every test at zero."""
    cache.clear()


def pdf_upload(name: str = "licence.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def link_in_last_mail(path_fragment: str) -> str:
    """The first URL in the newest email whose path contains `path_fragment`."""
    body = mail.outbox[-1].body
    match = re.search(rf"https?://[^\s/]+(\S*{re.escape(path_fragment)}\S*)", body)
    assert match, body
    return match.group(1)
