from django import template

from servizo.money import format_money

register = template.Library()


@register.filter
def money(amount_cents: int | None, currency: str = "usd") -> str:
    """Format integer cents: {{ booking.price_cents|money:booking.currency }} -> "$1,234.50"."""
    if amount_cents is None:
        return ""
    return format_money(amount_cents, currency)
