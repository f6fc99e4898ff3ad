"""Urdu: the same shapes as servizo/formats/en ("1 Dec 2026, 12:00 PKT", month names from Django's Urdu catalog),
and numbers as written in Pakistan, "1,234.50" in ASCII digits (servizo.money reads typed Urdu digits too)."""

from servizo.formats.en.formats import (  # noqa: F401 (the shapes are the same in both languages)
    DATE_FORMAT,
    DATETIME_FORMAT,
    SHORT_DATE_FORMAT,
    SHORT_DATETIME_FORMAT,
    TIME_FORMAT,
)

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
