from django import template
from django.conf import settings

from servizo.money import format_money, split_amount

register = template.Library()


@register.filter
def money(amount_cents: int | None, currency: str = "usd") -> str:
    """Format integer cents: {{ booking.price_cents|money:booking.currency }} -> "$1,234.50"."""
    if amount_cents is None:
        return ""
    return format_money(amount_cents, currency)


@register.filter
def provider_share(amount_cents: int | None, rate_bp: int | None = None) -> int | None:
    """The provider's part of an amount at `rate_bp` (default: the platform's current commission):
    {{ offer.price_cents|provider_share|money:offer.currency }}."""
    if amount_cents is None:
        return None
    return split_amount(amount_cents, settings.PLATFORM_COMMISSION_BP if rate_bp is None else rate_bp)[0]


@register.filter
def percent_bp(rate_bp: int | None = None) -> str:
    """Basis points as a percentage, "2000" -> "20 %" (none: the platform's current commission)."""
    rate_bp = settings.PLATFORM_COMMISSION_BP if rate_bp in (None, "") else int(rate_bp)
    return f"{rate_bp / 100:g} %"
