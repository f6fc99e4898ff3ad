"""The commission report and the dashboard as pages: numbers on a known history, CSV equals page."""

import csv
import io
import re
from datetime import date

import pytest
from django.urls import reverse

from offers.tests.factories import OfferFactory

pytestmark = pytest.mark.django_db
JAN_FEB = {"preset": "custom", "start": "2026-01-01", "end": "2026-02-28", "grouping": "month"}


def _page_rows(html: str) -> list[list[str]]:
    """(section, label, cells...) of every report row on the page, money as plain decimals."""
    rows = []
    for section, body in re.findall(r'<table class="console-table" data-section="([^"]+)">(.*?)</table>', html, re.S):
        for label, cells in re.findall(r'<tr class="report-row">\s*<th>(.*?)</th>(.*?)</tr>', body, re.S):
            values = [re.sub(r"[$,]", "", cell) for cell in re.findall(r'<td class="num">(.*?)</td>', cells)]
            rows.append([section, label.replace("&lt;", "<").replace("&gt;", ">"), *values])
    return rows


def test_report_page_shows_the_known_history_and_the_csv_has_exactly_its_numbers(client, finance_user, dated_history):
    client.force_login(finance_user)

    page = client.get(reverse("admin:revenue_report"), JAN_FEB).content.decode()
    download = client.get(reverse("admin:revenue_report"), {**JAN_FEB, "format": "csv"})

    rows = _page_rows(page)
    assert rows[0] == ["Total", "All", "2", "150.00", "25.00", "125.00", "25.00", "100.00"]
    assert ["By month", "2026-01", "1", "100.00", "0.00", "100.00", "20.00", "80.00"] in rows
    assert ["By category", "Plumber", "1", "50.00", "25.00", "25.00", "5.00", "20.00"] in rows
    assert "Escrow still held at the end of the range:</strong> $0.00" in page
    assert 'id="report-chart"' in page
    assert download["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(download.content.decode())))
    assert lines[0][:2] == ["Section", "Row"]
    assert [line[:8] for line in lines[1:-1]] == rows
    assert lines[-1][:4] == ["Escrow held at end of range", "2026-02-28", "", "0.00"]


def test_report_rejects_a_backwards_custom_range(client, finance_user):
    client.force_login(finance_user)

    page = client.get(
        reverse("admin:revenue_report"), {"preset": "custom", "start": "2026-02-01", "end": "2026-01-01"}
    ).content.decode()

    assert "The start date must be on or before the end date." in page and "report-row" not in page


def test_report_presets_and_groupings_render(client, finance_user, dated_history):
    client.force_login(finance_user)
    for preset in ("this_month", "last_month", "last_90_days", "year_to_date"):
        for grouping in ("day", "week", "month"):
            response = client.get(reverse("admin:revenue_report"), {"preset": preset, "grouping": grouping})
            assert response.status_code == 200 and response.context["report"] is not None


def test_dashboard_figures_link_to_filtered_lists_and_chart(client, staff_user, completed_booking):
    client.force_login(staff_user)

    page = client.get(reverse("admin:index")).content.decode()

    commission = re.search(r'id="figure-commission-this-month" href="([^"]+)">\s*<span[^>]*>([^<]+)<', page)
    assert commission.group(2) == "$24.00" and commission.group(1) == reverse("admin:revenue_report")
    assert "?status__exact=pending" in page and 'id="dashboard-chart"' in page
    assert date.today().strftime("%d %b") in page


@pytest.mark.usefixtures("no_page_cache")
@pytest.mark.parametrize("who", ["staff_user", "finance_user", "support_user"])
def test_dashboard_runs_at_most_8_queries(request, client, who, completed_booking, django_assert_max_num_queries):
    client.force_login(request.getfixturevalue(who))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("admin:index")).status_code == 200


def test_a_queue_longer_than_the_cap_shows_as_cap_plus(client, staff_user, monkeypatch):
    monkeypatch.setattr("console.dashboard.COUNT_CAP", 2)
    monkeypatch.setattr("console.views.COUNT_CAP", 2)
    OfferFactory.create_batch(3)
    client.force_login(staff_user)

    page = client.get(reverse("admin:index")).content.decode()

    assert re.search(r'id="figure-offers-open" href="[^"]+">\s*<span[^>]*>2\+<', page)


@pytest.mark.parametrize(
    ("start", "end", "grouping"),
    [
        ("9999-12-01", "9999-12-31", "week"),
        ("0001-01-01", "0001-01-02", "month"),
        ("2026-01-01", "9999-12-31", "month"),
    ],
)
def test_report_refuses_dates_far_out_of_range_with_a_form_error(client, finance_user, start, end, grouping):
    client.force_login(finance_user)

    response = client.get(
        reverse("admin:revenue_report"), {"preset": "custom", "start": start, "end": end, "grouping": grouping}
    )

    assert response.status_code == 200
    assert "Choose a date between 1900-01-01 and 2999-12-31." in response.content.decode()
