"""Django's own renderings (admin fields, a bare {{ datetime }}) in Servizo's shape, "1 Dec 2026, 12:00 PKT",
instead of the en locale's "Dec. 1, 2026, noon" (servizo/templatetags/when.py is the template way)."""

DATETIME_FORMAT = "j M Y, H:i T"
DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATE_FORMAT = "j M Y"
