import datetime
import re
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone

from servizo.timezones import JobWindow, format_job_window, is_zone, local_instant, zone_choices, zone_label

# 1 December 2026, 07:00 UTC: winter in both hemispheres' northern zones.
MOMENT = datetime.datetime(2026, 12, 1, 7, 0, tzinfo=datetime.UTC)


def render(source: str, **context) -> str:
    return Template("{% load when %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Karachi", "1 Dec 2026, 12:00 PKT"),
        ("America/New_York", "1 Dec 2026, 02:00 EST"),
        ("Europe/Rome", "1 Dec 2026, 08:00 CET"),
        ("UTC", "1 Dec 2026, 07:00 UTC"),
        # tzdata abbreviates some zones by their offset only ("-03", "+0545"): the label is the offset.
        ("America/Sao_Paulo", "1 Dec 2026, 04:00 UTC-03:00"),
        ("Asia/Kathmandu", "1 Dec 2026, 12:45 UTC+05:45"),
    ],
)
def test_when_shows_the_active_zone_with_its_label(zone, expected):
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        assert render("{{ moment|when }}", moment=MOMENT) == expected


def test_date_and_time_parts_use_the_same_shape_and_zone():
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        late = MOMENT.replace(hour=3)  # still 30 November in New York
        assert render("{{ m|when_date }} | {{ m|when_time }}", m=late) == "30 Nov 2026 | 22:00 EST"
    assert render("{{ d|when_date }}{{ missing|when }}", d=datetime.date(2026, 12, 1)) == "1 Dec 2026"


def test_summer_time_changes_the_label():
    with timezone.override(zoneinfo.ZoneInfo("Europe/Rome")):
        assert render("{{ m|when }}", m=MOMENT.replace(month=7)) == "1 Jul 2026, 09:00 CEST"


def test_zone_label_of_a_fixed_offset():
    assert zone_label(datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=5)))) == (
        "UTC+05:00"
    )


def test_job_window_names_the_job_zone_for_viewers_elsewhere():
    job = JobWindow(
        day=datetime.date(2026, 12, 1),
        start=datetime.time(8),
        end=datetime.time(12),
        time_zone="Europe/Rome",
        place_name="Florence",
    )
    assert format_job_window(job, viewer_zone="Europe/Rome") == "Tue 1 Dec, 08:00–12:00"
    assert format_job_window(job, viewer_zone="Asia/Karachi") == "Tue 1 Dec, 08:00–12:00 (Florence time)"
    assert job.starts_at == MOMENT  # 08:00 in Florence in winter is 07:00 UTC


def test_local_instant_is_unambiguous_across_the_summer_time_change():
    # 29 March 2026, 08:00 in Rome is after the 02:00 jump: UTC+2.
    assert local_instant(datetime.date(2026, 3, 29), datetime.time(8), "Europe/Rome") == datetime.datetime(
        2026, 3, 29, 6, 0, tzinfo=datetime.UTC
    )


def test_zone_choices_are_grouped_valid_and_start_with_utc():
    groups = zone_choices()
    assert groups[0] == ("UTC", [("UTC", "UTC")])
    regions = [region for region, _ in groups[1:]]
    assert regions == sorted(regions) and "Asia" in regions and "Europe" in regions
    names = [name for _, zones in groups for name, _ in zones]
    assert "Asia/Karachi" in names and "America/New_York" in names
    assert all(is_zone(name) for name in names)
    assert not is_zone("Mars/Olympus_Mons") and not is_zone("")


# A datetime shown with Django's |date or |time has no zone label and another shape: templates use |when.
RAW_TIME_FORMAT = re.compile(r"\|(?:date|time):\s*['\"][^'\"]*[HhGgisaAPTeOZU]")


def test_no_template_formats_a_time_by_hand():
    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
    offenders = [
        f"{path}: {match.group(0)}"
        for root in roots
        for path in root.rglob("*.html")
        for match in RAW_TIME_FORMAT.finditer(path.read_text())
    ]
    assert offenders == []


@pytest.mark.django_db
def test_anonymous_pages_use_the_default_zone_and_tell_the_browser(client):
    body = client.get("/").content.decode()
    assert 'data-time-zone="UTC" data-time-zone-label="UTC" data-time-zone-offset="+00:00"' in body


def test_django_default_renderings_share_the_shape():
    with timezone.override(zoneinfo.ZoneInfo("Asia/Karachi")):
        assert render("{{ m }} | {{ m|date }}", m=MOMENT) == "1 Dec 2026, 12:00 PKT | 1 Dec 2026"
