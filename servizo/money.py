"""Money is integer minor units (cents) plus an ISO currency code, everywhere."""

CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}


def format_money(amount_cents: int, currency: str) -> str:
    sign = "-" if amount_cents < 0 else ""
    whole, cents = divmod(abs(int(amount_cents)), 100)
    symbol = CURRENCY_SYMBOLS.get(currency.lower())
    number = f"{whole:,}.{cents:02d}"
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency.upper()}"


def parse_money(text: str) -> int:
    """'12.5' -> 1250. Exact decimal parsing (no floats); raises ValueError on bad input."""
    text = text.strip().replace(",", "")
    if not text or text.count(".") > 1 or text.startswith("-"):
        raise ValueError("Enter an amount like 45 or 45.50.")
    whole, _, fraction = text.partition(".")
    if not (whole or fraction) or not (whole or "0").isdigit() or (fraction and not fraction.isdigit()):
        raise ValueError("Enter an amount like 45 or 45.50.")
    if len(fraction) > 2:
        raise ValueError("Use at most two decimal places.")
    return int(whole or "0") * 100 + int(fraction.ljust(2, "0") or "0")
