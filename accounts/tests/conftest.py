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
    """The path of the first URL containing `path_fragment` in the newest email that has one."""
    pattern = rf"https?://[^\s/]+(\S*{re.escape(path_fragment)}\S*)"
    match = next(filter(None, (re.search(pattern, sent.body) for sent in reversed(mail.outbox))), None)
    assert match, [sent.body for sent in mail.outbox]
    return match.group(1)
