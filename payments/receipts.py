"""Receipts as PDF: the receipt's HTML (templates/payments/receipt_pdf.html) rendered by WeasyPrint.

WeasyPrint lays out with Pango and the system's fonts (Debian: libpango-1.0-0, libpangoft2-1.0-0,
fonts-dejavu-core, and fonts-noto-core's Noto Nastaliq Urdu for Urdu; scripts/system-deps.sh). The PDF is
in the viewer's language, right to left for Urdu (the template's `lang`/`dir`). Nothing is fetched: the
template carries its own CSS and any other URL is refused, so rendering makes no request.
"""


def _refuse_fetch(url: str, *args, **kwargs):
    raise ValueError(f"Receipts load no resources ({url})")


def render_pdf(html: str, *, base_url: str) -> bytes:
    """The PDF bytes of an HTML document (links resolved against `base_url`)."""
    from weasyprint import HTML  # heavy (Pango, fonts): loaded by the first receipt, not at startup

    return HTML(string=html, base_url=base_url, url_fetcher=_refuse_fetch).write_pdf()
