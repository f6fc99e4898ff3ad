from django import template

from directory.models import PriceLevel

register = template.Library()


@register.filter
def price_level_label(level: int) -> str:
    return PriceLevel(level).label


@register.filter
def response_time(minutes: int) -> str:
    """A rounded duration: "under 5 minutes", "about 40 minutes", "about 3 hours", "about 2 days"."""
    if minutes < 5:
        return "under 5 minutes"
    if minutes < 60:
        return f"about {minutes} minutes"
    if minutes < 48 * 60:
        hours = round(minutes / 60)
        return f"about {hours} hour{'s' if hours != 1 else ''}"
    return f"about {round(minutes / 1440)} days"
