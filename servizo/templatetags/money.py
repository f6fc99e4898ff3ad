from django import template

from servizo.money import format_money

register = template.Library()


@register.filter
def money(amount_cents: int | None, currency: str = "usd") -> str:
    """Format integer cents: {{ booking.price_cents|money:booking.currency }} -> "$1,234.50"."""
    if amount_cents is None:
        return ""
    return format_money(amount_cents, currency)


@register.filter
def percent(basis_points: int) -> str:
    """Basis points as a percentage without trailing zeros: 2500 -> "25", 1250 -> "12.5"."""
    whole, rest = divmod(int(basis_points), 100)
    return f"{whole}.{rest:02d}".rstrip("0").rstrip(".") if rest else str(whole)
