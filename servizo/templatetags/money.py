from django import template
from django.conf import settings

from servizo.money import format_money, split_amount

register = template.Library()


@register.filter
def money(amount_cents: int | None, currency: str | None = None) -> str:
    """Format integer minor units: {{ booking.price_cents|money:booking.currency }} -> "$1,234.50" (default
    currency: the deployment's)."""
    if amount_cents is None:
        return ""
    return format_money(amount_cents, currency or settings.CURRENCY)


@register.filter
def percent(basis_points: int) -> str:
    """Basis points as a percentage without trailing zeros: 2500 -> "25", 1250 -> "12.5"."""
    whole, rest = divmod(int(basis_points), 100)
    return f"{whole}.{rest:02d}".rstrip("0").rstrip(".") if rest else str(whole)


@register.filter
def provider_share(amount_cents: int | None, rate_bp: int | None = None) -> int | None:
    """The provider's part of an amount at `rate_bp` (default: the platform's current commission):
    {{ offer.price_cents|provider_share|money:offer.currency }}."""
    if amount_cents is None:
        return None
    return split_amount(amount_cents, settings.PLATFORM_COMMISSION_BP if rate_bp is None else rate_bp)[0]
