"""How place names compare: one normal form for the names we store and the text people type."""

import unicodedata

NAME_KEY_LENGTH = 200


def strip_accents(text: str) -> str:
    """ "Forlì" -> "Forli" (compatibility decomposition, combining marks dropped)."""
    return "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))


def name_key(text: str) -> str:
    """Case folded, accents stripped, whitespace collapsed ("  FORLÌ " -> "forli", "Zürich" -> "zurich")."""
    return " ".join(strip_accents(text.casefold()).split())[:NAME_KEY_LENGTH]
