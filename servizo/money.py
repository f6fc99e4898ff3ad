"""Money is integers in the currency's minor unit (ISO 4217) plus an ISO currency code, everywhere.

`MINOR_UNIT_EXPONENTS` is the one table of how many decimals a currency has (USD, EUR, PKR: 2, so
12345 is 123.45; JPY: 0, so 12345 is ¥12,345). Forms, Stripe, the ledger, reports and CSV all carry
that integer; only `format_amount`/`format_money` (rendering), `parse_money` (typed input) and
`major_units` (spreadsheets, charts) look at the exponent. `split_amount` is the one rule that splits
a booking's money between provider and platform. A deployment has one currency (`CURRENCY`, from
`PLATFORM_CURRENCY`); `require_platform_currency` refuses anything else.
"""

import re
from decimal import Decimal

from servizo.exceptions import DomainError

# ISO 4217 minor-unit exponents. JPY is here for tests of a zero-decimal currency.
MINOR_UNIT_EXPONENTS = {"usd": 2, "eur": 2, "gbp": 2, "chf": 2, "pkr": 2, "jpy": 0}
# What a deployment may set as PLATFORM_CURRENCY.
PLATFORM_CURRENCIES = ("usd", "pkr", "eur")
CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥"}

# Longer input is refused before any parsing ("99,999,999,999.99" is 17 characters).
MONEY_MAX_CHARS = 20
# ASCII digits only; either no grouping or correct groups of three; then "." and decimals.
_AMOUNT = re.compile(r"(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<fraction>[0-9]+))?", re.ASCII)
_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]{1,2}", re.ASCII)
BAD_AMOUNT = "Enter an amount like 45 or 45.50."
BAD_WHOLE_AMOUNT = "Enter a whole amount like 4500."
_NUMBER_WORDS = {1: "one", 2: "two", 3: "three"}


class CurrencyMismatch(DomainError):
    """An amount in another currency than the deployment's: mixing currencies is refused."""


def minor_unit_exponent(currency: str) -> int:
    """How many decimals `currency` has (ISO 4217); ValueError for a currency Servizo does not know."""
    try:
        return MINOR_UNIT_EXPONENTS[currency.lower()]
    except KeyError:
        raise ValueError(f"Unknown currency {currency!r} (servizo.money.MINOR_UNIT_EXPONENTS).") from None


def require_platform_currency(currency: str, platform_currency: str) -> None:
    """Raise CurrencyMismatch unless `currency` is the deployment's (callers pass settings.CURRENCY)."""
    if currency.lower() != platform_currency.lower():
        raise CurrencyMismatch(
            f"This amount is in {currency.upper()}, but this site works in {platform_currency.upper()} only."
        )


def format_amount(amount: int, currency: str) -> str:
    """The typed form of an amount, without symbol: (123450, "usd") -> "1,234.50", (1234, "jpy") -> "1,234"."""
    exponent = minor_unit_exponent(currency)
    whole, fraction = divmod(abs(int(amount)), 10**exponent)
    decimals = f".{fraction:0{exponent}d}" if exponent else ""
    return f"{'-' if amount < 0 else ''}{whole:,}{decimals}"


def major_units(amount: int, currency: str) -> Decimal:
    """The amount as an exact decimal in the major unit, for spreadsheets and charts: (-1234, "usd") -> -12.34."""
    return Decimal(int(amount)).scaleb(-minor_unit_exponent(currency))


def format_money(amount: int, currency: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency.lower())
    number = format_amount(amount, currency)
    if not symbol:
        return f"{number} {currency.upper()}"
    return f"-{symbol}{number[1:]}" if number.startswith("-") else f"{symbol}{number}"


def parse_money(text: str, currency: str) -> int:
    """('1,234.5', "usd") -> 123450; ('1,234', "jpy") -> 1234. Strict and exact (no floats, no locale guessing).

    Raises ValueError on bad input. Refused: other digits than ASCII 0-9, a sign, a decimal comma
    ("12,34"), wrong grouping ("1,23,4"), more decimals than the currency has (any for JPY) and
    anything longer than MONEY_MAX_CHARS.
    """
    exponent = minor_unit_exponent(currency)
    bad = BAD_AMOUNT if exponent else BAD_WHOLE_AMOUNT
    text = text.strip()
    if len(text) > MONEY_MAX_CHARS:
        raise ValueError(f"Enter at most {MONEY_MAX_CHARS} characters.")
    match = _AMOUNT.fullmatch(text)
    if match is None:
        if exponent and _DECIMAL_COMMA.fullmatch(text):
            raise ValueError("Use a dot before the cents, e.g. 12.34.")
        raise ValueError(bad)
    fraction = match["fraction"] or ""
    if len(fraction) > exponent:
        raise ValueError(f"Use at most {_NUMBER_WORDS[exponent]} decimal places." if exponent else bad)
    whole = int(match["whole"].replace(",", ""))
    return whole * 10**exponent + int(fraction.ljust(exponent, "0") or 0)


def split_amount(amount_cents: int, rate_bp: int) -> tuple[int, int]:
    """Return `(provider_cents, commission_cents)` for `amount_cents` at `rate_bp` basis points.

    Rounding rule (the only one in Servizo): commission = amount * rate / 10 000 rounded
    half up to a whole minor unit (a cent; a yen for JPY), computed in integers as
    `(amount * rate_bp + 5 000) // 10 000`. The provider gets the rest, so the two parts always sum
    to the amount exactly.
    """
    if amount_cents < 0 or not 0 <= rate_bp <= 10_000:
        raise ValueError("Amount must be non-negative and the rate between 0 and 10 000 basis points.")
    commission = (amount_cents * rate_bp + 5_000) // 10_000
    return amount_cents - commission, commission
