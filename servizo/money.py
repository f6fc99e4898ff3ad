"""Money is integer minor units (cents) plus an ISO currency code, everywhere.

`parse_money` is the one parser of typed amounts (forms, admin, filters go through
`servizo.forms.MoneyField`); `format_money` the one rendering; `split_amount` the one rule that splits
a booking's money between provider and platform.
"""

import re

CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}

# Longer input is refused before any parsing ("99,999,999,999.99" is 17 characters).
MONEY_MAX_CHARS = 20
# ASCII digits only; either no grouping or correct groups of three; "." then one or two decimals.
_AMOUNT = re.compile(r"(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<fraction>[0-9]{1,2}))?", re.ASCII)
_TOO_PRECISE = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)\.[0-9]{3,}", re.ASCII)
_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]{1,2}", re.ASCII)
BAD_AMOUNT = "Enter an amount like 45 or 45.50."


def format_amount(amount_cents: int) -> str:
    """The canonical typed form of an amount, without currency: 123450 -> "1,234.50"."""
    whole, cents = divmod(abs(int(amount_cents)), 100)
    return f"{'-' if amount_cents < 0 else ''}{whole:,}.{cents:02d}"


def format_money(amount_cents: int, currency: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency.lower())
    number = format_amount(amount_cents)
    if not symbol:
        return f"{number} {currency.upper()}"
    return f"-{symbol}{number[1:]}" if number.startswith("-") else f"{symbol}{number}"


def parse_money(text: str) -> int:
    """'1,234.5' -> 123450. Strict and exact (no floats, no locale guessing); raises ValueError on bad input.

    Refused: other digits than ASCII 0-9, a sign, a decimal comma ("12,34"), wrong grouping
    ("1,23,4"), more than two decimals and anything longer than MONEY_MAX_CHARS.
    """
    text = text.strip()
    if len(text) > MONEY_MAX_CHARS:
        raise ValueError(f"Enter at most {MONEY_MAX_CHARS} characters.")
    match = _AMOUNT.fullmatch(text)
    if match is None:
        if _TOO_PRECISE.fullmatch(text):
            raise ValueError("Use at most two decimal places.")
        if _DECIMAL_COMMA.fullmatch(text):
            raise ValueError("Use a dot before the cents, e.g. 12.34.")
        raise ValueError(BAD_AMOUNT)
    whole = int(match["whole"].replace(",", ""))
    return whole * 100 + int((match["fraction"] or "").ljust(2, "0"))


def split_amount(amount_cents: int, rate_bp: int) -> tuple[int, int]:
    """Return `(provider_cents, commission_cents)` for `amount_cents` at `rate_bp` basis points.

    Rounding rule (the only one in Servizo): commission = amount * rate / 10 000 rounded
    half up to a whole cent, computed in integers as `(amount * rate_bp + 5 000) // 10 000`.
    The provider gets the rest, so the two parts always sum to the amount exactly.
    """
    if amount_cents < 0 or not 0 <= rate_bp <= 10_000:
        raise ValueError("Amount must be non-negative and the rate between 0 and 10 000 basis points.")
    commission = (amount_cents * rate_bp + 5_000) // 10_000
    return amount_cents - commission, commission
