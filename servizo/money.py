"""Money is integers in the currency's minor unit (ISO 4217) plus an ISO currency code, everywhere.

`MINOR_UNIT_EXPONENTS` is the one table of how many decimals a currency has (USD, EUR, PKR: 2, so
12345 is 123.45; JPY: 0, so 12345 is ¥12,345). Forms, Stripe, the ledger, reports and CSV all carry
that integer; only `format_amount`/`format_money` (rendering), `parse_money` (typed input) and
`major_units` (spreadsheets, charts) look at the exponent. Rendering and parsing follow the active
language's separators (servizo/formats: English and Urdu both write "1,234.50"; digits are shown in ASCII)
and typed Urdu or Arabic-Indic digits are read as ASCII ones. `split_amount` is the one rule that splits
a booking's money between provider and platform. A deployment has one currency (`CURRENCY`, from
`PLATFORM_CURRENCY`); `require_platform_currency` refuses anything else.
"""

import re
from decimal import Decimal
from functools import cache

from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from servizo.exceptions import DomainError

# ISO 4217 minor-unit exponents. JPY is here for tests of a zero-decimal currency.
MINOR_UNIT_EXPONENTS = {"usd": 2, "eur": 2, "gbp": 2, "chf": 2, "pkr": 2, "jpy": 0}
# What a deployment may set as PLATFORM_CURRENCY.
PLATFORM_CURRENCIES = ("usd", "pkr", "eur")
CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥"}

# Longer input is refused before any parsing ("99,999,999,999.99" is 17 characters).
MONEY_MAX_CHARS = 20
# Typed digits of the Urdu (Extended Arabic-Indic, U+06F0-06F9) and Arabic-Indic (U+0660-0669) keyboards read as
# ASCII; the Arabic decimal and thousands marks as the language's separators. Other digits (full-width, ...) are
# refused.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_ARABIC_DECIMAL, _ARABIC_THOUSANDS = "\u066b", "\u066c"
BAD_AMOUNT = gettext_lazy("Enter an amount like 45 or 45.50.")
BAD_WHOLE_AMOUNT = gettext_lazy("Enter a whole amount like 4500.")


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
            _("This amount is in %(currency)s, but this site works in %(platform)s only.")
            % {"currency": currency.upper(), "platform": platform_currency.upper()}
        )


def separators() -> tuple[str, str]:
    """The active language's (decimal, thousands) separators (servizo/formats/<language>/formats.py)."""
    return get_format("DECIMAL_SEPARATOR"), get_format("THOUSAND_SEPARATOR")


def format_amount(amount: int, currency: str) -> str:
    """The typed form of an amount, without symbol, in the active language's separators: (123450, "usd") ->
    "1,234.50", (1234, "jpy") -> "1,234"."""
    exponent = minor_unit_exponent(currency)
    decimal, thousands = separators()
    whole, fraction = divmod(abs(int(amount)), 10**exponent)
    decimals = f"{decimal}{fraction:0{exponent}d}" if exponent else ""
    return f"{'-' if amount < 0 else ''}{whole:,}".replace(",", thousands) + decimals


def major_units(amount: int, currency: str) -> Decimal:
    """The amount as an exact decimal in the major unit, for spreadsheets and charts: (-1234, "usd") -> -12.34."""
    return Decimal(int(amount)).scaleb(-minor_unit_exponent(currency))


def format_money(amount: int, currency: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency.lower())
    number = format_amount(amount, currency)
    if not symbol:
        return f"{number} {currency.upper()}"
    return f"-{symbol}{number[1:]}" if number.startswith("-") else f"{symbol}{number}"


def ascii_digits(text: str) -> str:
    """Typed Urdu and Arabic-Indic digits as ASCII ones, the Arabic decimal and thousands marks as the active
    language's separators; everything else as typed."""
    decimal, thousands = separators()
    return text.translate(_DIGITS).replace(_ARABIC_DECIMAL, decimal).replace(_ARABIC_THOUSANDS, thousands)


@cache
def _amount_pattern(decimal: str, thousands: str) -> re.Pattern:
    """ASCII digits; either no grouping or correct groups of three; then the decimal separator and decimals."""
    d, t = re.escape(decimal), re.escape(thousands)
    return re.compile(rf"(?P<whole>[0-9]{{1,3}}(?:{t}[0-9]{{3}})+|[0-9]+)(?:{d}(?P<fraction>[0-9]+))?", re.ASCII)


def parse_money(text: str, currency: str) -> int:
    """('1,234.5', "usd") -> 123450; ('1,234', "jpy") -> 1234; the same typed in Urdu or Arabic-Indic digits.
    Strict and exact (no floats, no guessing): the active language's separators only.

    Raises ValueError on bad input. Refused: other digits than ASCII, Urdu and Arabic-Indic 0-9, a sign,
    the thousands separator before the cents ("12,34"), wrong grouping ("1,23,4"), more decimals than the
    currency has (any for JPY) and anything longer than MONEY_MAX_CHARS.
    """
    exponent = minor_unit_exponent(currency)
    bad = BAD_AMOUNT if exponent else BAD_WHOLE_AMOUNT
    decimal, thousands = separators()
    text = text.strip()
    if len(text) > MONEY_MAX_CHARS:
        raise ValueError(_("Enter at most %(count)d characters.") % {"count": MONEY_MAX_CHARS})
    text = ascii_digits(text)
    match = _amount_pattern(decimal, thousands).fullmatch(text)
    if match is None:
        if exponent and re.fullmatch(rf"[0-9]+{re.escape(thousands)}[0-9]{{1,2}}", text, re.ASCII):
            raise ValueError(_("Use a dot before the cents, e.g. 12.34."))  # both languages' separator
        raise ValueError(str(bad))
    fraction = match["fraction"] or ""
    if len(fraction) > exponent:
        if not exponent:
            raise ValueError(str(bad))
        raise ValueError(
            ngettext("Use at most %(count)d decimal place.", "Use at most %(count)d decimal places.", exponent)
            % {"count": exponent}
        )
    whole = int(match["whole"].replace(thousands, ""))
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
