"""Time zones: which zones a user may pick, and the one shape every time is shown in.

Instants are stored in UTC (USE_TZ); each request renders them in the viewer's zone, which
`TimeZoneMiddleware` activates from `request.user.time_zone` (no query: the user is loaded anyway).
Text written once for one reader (a notification and its email) uses that reader's zone
(`when_text`). A job's date and window are wall-clock times in the job's zone (`Booking.time_zone`),
turned into an instant by `local_instant`.
"""

import datetime
import zoneinfo
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@cache
def zone_names() -> frozenset[str]:
    """Every IANA zone this machine knows (tzdata), the only values `User.time_zone` accepts."""
    return frozenset(zoneinfo.available_timezones())


def is_zone(name: str) -> bool:
    return name in zone_names()


# The menu's regions, named in the active language when the menu is shown (zone_choices is cached).
REGION_LABELS = {
    "Africa": gettext_lazy("Africa"),
    "America": gettext_lazy("America"),
    "Antarctica": gettext_lazy("Antarctica"),
    "Arctic": gettext_lazy("Arctic"),
    "Asia": gettext_lazy("Asia"),
    "Atlantic": gettext_lazy("Atlantic"),
    "Australia": gettext_lazy("Australia"),
    "Europe": gettext_lazy("Europe"),
    "Indian": gettext_lazy("Indian Ocean"),
    "Pacific": gettext_lazy("Pacific"),
}


@cache
def zone_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Zones grouped by region ("Europe", "America", ...) and sorted, for a <select> with optgroups.

    Legacy aliases without a region ("EST", "GB") are left out of the menu but stay valid. Cities keep
    their IANA names ("Karachi", "New York").
    """
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(zone_names()):
        region, _, city = name.partition("/")
        if city and region not in {"Etc", "SystemV", "US", "Brazil", "Canada", "Chile", "Mexico"}:
            groups.setdefault(region, []).append((name, city.replace("_", " ")))
    return [
        ("UTC", [("UTC", "UTC")]),
        *((REGION_LABELS.get(region, region), zones) for region, zones in sorted(groups.items())),
    ]


def zone(name: str | None) -> datetime.tzinfo:
    """The named zone, or the site's default for an empty or unknown name."""
    return zoneinfo.ZoneInfo(name) if name and is_zone(name) else timezone.get_default_timezone()


def zone_label(moment: datetime.datetime) -> str:
    """ "PKT", "EST", "CET"; a zone whose abbreviation is only an offset ("+05") gets "UTC+05:00"."""
    abbreviation = moment.strftime("%Z")
    if abbreviation and abbreviation[0] not in "+-":
        return abbreviation
    offset = moment.strftime("%z")  # "+0530"
    return f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"


def local_instant(day: datetime.date, at: datetime.time, time_zone: str) -> datetime.datetime:
    """The aware instant of a wall-clock time in a zone (a gap or overlap resolves like zoneinfo: fold=0)."""
    return datetime.datetime.combine(day, at, tzinfo=zone(time_zone))


def default_zone_name() -> str:
    return settings.TIME_ZONE


class TimeZoneMiddleware:
    """Render every time in the signed-in user's zone (pages, admin); anonymous visitors see TIME_ZONE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        timezone.activate(zone(user.time_zone if user.is_authenticated else None))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def format_date(day: datetime.date) -> str:
    """ "30 Nov 2026"; the month's name in the active language ("30 نومبر 2026")."""
    return dateformat.format(day, "j M Y")


def format_when(moment: datetime.datetime, *, date: bool = True) -> str:
    """ "30 Nov 2026, 21:52 PKT" (or "21:52 PKT"); `moment` is already in the zone to show."""
    clock = f"{moment:%H:%M} {zone_label(moment)}" if timezone.is_aware(moment) else f"{moment:%H:%M}"
    return f"{format_date(moment)}, {clock}" if date else clock


@dataclass(frozen=True)
class JobWindow:
    """When a job happens, in wall-clock time at its place: a day, a window (None: any time) and the zone."""

    day: datetime.date
    start: datetime.time
    end: datetime.time | None
    time_zone: str
    place_name: str

    @property
    def starts_at(self) -> datetime.datetime:
        return local_instant(self.day, self.start, self.time_zone)


def format_job_window(job: JobWindow, *, viewer_zone: str) -> str:
    """ "Tue 1 Dec, 08:00-12:00", plus "(Florence time)" for a viewer in another zone (day and month
    names in the active language)."""
    hours = f"{job.start:%H:%M}–{job.end:%H:%M}" if job.end else _("any time")
    text = f"{dateformat.format(job.day, 'D j M')}, {hours}"
    if viewer_zone != job.time_zone:
        text += " " + _("(%(place)s time)") % {"place": job.place_name or job.time_zone}
    return text


def when_text(moment: datetime.datetime, time_zone: str | None = None) -> str:
    """A time for text stored or sent as is (timeline notes, notifications), labelled so it is never
    ambiguous: in `time_zone` if given (the reader's), else the active zone."""
    return format_when(timezone.localtime(moment, zone(time_zone) if time_zone else None))
