from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from directory.models import PriceLevel

register = template.Library()


@register.filter
def price_level_label(level: int) -> str:
    return PriceLevel(level).label


@register.filter
def response_time(minutes: int) -> str:
    """A rounded duration: "under 5 minutes", "about 40 minutes", "about 3 hours", "about 2 days"."""
    if minutes < 5:
        return _("under 5 minutes")
    if minutes < 60:
        return ngettext("about %(count)d minute", "about %(count)d minutes", minutes) % {"count": minutes}
    if minutes < 48 * 60:
        hours = round(minutes / 60)
        return ngettext("about %(count)d hour", "about %(count)d hours", hours) % {"count": hours}
    days = round(minutes / 1440)
    return ngettext("about %(count)d day", "about %(count)d days", days) % {"count": days}
