"""Ids from untrusted input: the `<id:...>` path converter and `parse_id` for query strings and frames.

A path id out of range is no match (404), never a number the database rejects (OverflowError, 500).
Registered in ServizoConfig.ready(); every urls.py, routing.py and admin URL uses `<id:...>`, not `<int:...>`.
"""

# The largest BigAutoField value (signed 64-bit); SQLite refuses larger integers with OverflowError.
MAX_ID = 2**63 - 1


def parse_id(value) -> int | None:
    """A valid id from untrusted input (a query parameter, a socket frame), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit() and len(value) <= len(str(MAX_ID))):
            return None
        value = int(value)
    return value if isinstance(value, int) and 0 < value <= MAX_ID else None


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        id_ = parse_id(value)
        if id_ is None:
            raise ValueError(f"{value!r} is not an id")  # the resolver tries the next pattern, then 404s
        return id_

    def to_url(self, value) -> str:
        return str(value)
