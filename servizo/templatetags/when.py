"""The one shape of every time Servizo shows: "30 Nov 2026, 21:52 PKT", in the viewer's zone.

`{{ value|when }}`, `{{ value|when_date }}` ("30 Nov 2026"), `{{ value|when_time }}` ("21:52 PKT"),
`{% now_when %}`, and `{{ booking|job_when }}` for a job's local date and window. The zone is the one
active for the request (servizo.timezones.TimeZoneMiddleware). static/js/servizo.js formats
client-side times (chat, live feed cards) the same way.
"""

import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from servizo.timezones import format_date, format_job_window, format_when, zone_label

register = template.Library()


def _local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


@register.filter
def when(value: datetime.datetime | None) -> str:
    return format_when(_local(value)) if value else ""


@register.filter
def when_date(value: datetime.date | datetime.datetime | None) -> str:
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = _local(value)
    return format_date(value)


@register.filter
def when_time(value: datetime.datetime | None) -> str:
    return format_when(_local(value), date=False) if value else ""


@register.simple_tag
def now_when() -> str:
    return when(timezone.now())


@register.filter
def job_when(job) -> str:
    """A job's date and window in its own zone, named when the viewer is elsewhere:
    "Tue 1 Dec, 08:00-12:00 (Florence time)"."""
    return format_job_window(job.job_window, viewer_zone=timezone.get_current_timezone_name()) if job else ""


@register.simple_tag
def zone_attrs() -> str:
    """The viewer's zone for client-side formatting (static/js/servizo.js `Servizo.formatWhen`): its name,
    and today's label and UTC offset so that the browser writes the same label as the server."""
    now = timezone.localtime()
    offset = now.strftime("%z")
    return format_html(
        'data-time-zone="{}" data-time-zone-label="{}" data-time-zone-offset="{}"',
        timezone.get_current_timezone_name(),
        zone_label(now),
        f"{offset[:3]}:{offset[3:]}",
    )
