"""Admin views of the operator console: dashboard context, commission report (+ CSV), payouts page.

console/apps.py adds them to the admin site. Thin: parse input, call console.dashboard,
payments.reports / payments.services, render inside the admin layout
(`admin_site.each_context`). Permissions: money figures and the report need
`payments.view_ledgerentry`; the payouts page `payments.view_payoutrun`; its dry run
`payments.add_payoutrun` (see servizo.roles).
"""

import csv
from functools import partial

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from console.dashboard import COUNT_CAP, dashboard_figures_cached
from payments.models import PayoutRun
from payments.reports import (
    GROUPINGS,
    PRESETS,
    Figures,
    Report,
    preset_range,
    provider_available_balances,
    revenue_report,
)
from payments.services.payouts import payouts_run
from servizo.admin import admin_site
from servizo.forms import BoundedDateField
from servizo.money import format_money, major_units

LEDGER_PERMISSION = "payments.view_ledgerentry"
COLUMNS = [
    gettext_lazy("Bookings paid"),
    gettext_lazy("Gross"),
    gettext_lazy("Refunds"),
    gettext_lazy("Net"),
    gettext_lazy("Commission"),
    gettext_lazy("Provider earnings"),
]
# Per payments.reports.GROUPINGS key: its choice label and its report section's title (whole phrases,
# so each language keeps its own word order).
GROUPING_LABELS = {"day": gettext_lazy("Day"), "week": gettext_lazy("Week"), "month": gettext_lazy("Month")}
BY_GROUPING = {"day": gettext_lazy("By day"), "week": gettext_lazy("By week"), "month": gettext_lazy("By month")}
MAX_DAYS_BY_DAY = 400


def _admin_context(request, title: str) -> dict:
    return {**admin_site.each_context(request), "title": title}


def _chart(labels: list[str], gross: list[int], commission: list[int], currency: str) -> dict:
    """Chart.js data (units of currency; display only — the page's figures stay in minor units)."""
    return {
        "labels": labels,
        "datasets": [
            {"label": _("Gross"), "data": [float(major_units(amount, currency)) for amount in gross]},
            {"label": _("Commission"), "data": [float(major_units(amount, currency)) for amount in commission]},
        ],
    }


# --- Dashboard --------------------------------------------------------------------------


def dashboard_context(request) -> dict:
    """Key figures for the admin index, each computed and shown only for staff who may open the list it links to."""
    user = request.user
    changelist = lambda model: reverse(f"admin:{model}_changelist")  # noqa: E731
    transfers = changelist("payments_transfer")
    queues = [  # (key, label, permission, link)
        (
            "providers-pending",
            _("Providers awaiting approval"),
            "accounts.view_providerprofile",
            changelist("accounts_providerprofile") + "?status__exact=pending",
        ),
        (
            "bookings-decision",
            _("Bookings needing a decision"),
            "payments.view_bookingdecision",
            changelist("payments_bookingdecision"),
        ),
        (
            "disputes-overdue",
            _("Disputes past their deadline"),
            "disputes.view_dispute",
            changelist("disputes_dispute") + "?overdue=1",
        ),
        ("offers-open", _("Offers open now"), "offers.view_offer", changelist("offers_offer") + "?status__exact=open"),
        ("payouts-pending", _("Payouts pending"), "payments.view_transfer", transfers + "?status__exact=pending"),
        ("payouts-failed", _("Payouts failed"), "payments.view_transfer", transfers + "?status__exact=failed"),
    ]
    queues = [queue for queue in queues if user.has_perm(queue[2])]
    figures = dashboard_figures_cached(counts={key for key, *_rest in queues}, money=user.has_perm(LEDGER_PERMISSION))
    cards = [(key, label, _count(figures.counts[key]), url) for key, label, _permission, url in queues]
    chart = None
    if figures.money:
        money = figures.money
        amount = lambda cents: format_money(cents, settings.CURRENCY)  # noqa: E731
        report = reverse("admin:revenue_report")
        cards += [
            ("escrow-held", _("Escrow held now"), amount(money.escrow_held), changelist("payments_ledgerentry")),
            ("commission-this-month", _("Commission this month"), amount(money.commission_this_month), report),
            (
                "commission-last-month",
                _("Commission last month"),
                amount(money.commission_last_month),
                report + "?preset=last_month",
            ),
            ("gross-this-month", _("Gross booking value this month"), amount(money.gross_this_month), report),
        ]
        chart = _chart(
            [date_format(day, "d M") for day, _gross, _commission in money.series],
            [gross for _day, gross, _commission in money.series],
            [commission for _day, _gross, commission in money.series],
            settings.CURRENCY,
        )
    return {"dashboard_cards": cards, "dashboard_chart": chart}


def _count(n: int) -> str:
    """A capped count as shown: "100+" at the cap."""
    return f"{n}+" if n >= COUNT_CAP else str(n)


# --- Commission and revenue report --------------------------------------------------------


class ReportForm(forms.Form):
    preset = forms.ChoiceField(choices=PRESETS.items(), required=False, initial="this_month")
    start = BoundedDateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = BoundedDateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    grouping = forms.ChoiceField(
        choices=[(name, GROUPING_LABELS[name]) for name in GROUPINGS],
        required=False,
        initial="day",
    )

    def clean(self):
        data = super().clean()
        preset = data.get("preset") or "this_month"
        if preset == "custom":
            if not data.get("start") or not data.get("end"):
                raise forms.ValidationError(_("A custom range needs a start and an end date."))
            if data["start"] > data["end"]:
                raise forms.ValidationError(_("The start date must be on or before the end date."))
        else:
            data["start"], data["end"] = preset_range(preset)
        data["preset"] = preset
        data["grouping"] = data.get("grouping") or "day"
        if data["grouping"] == "day" and (data["end"] - data["start"]).days >= MAX_DAYS_BY_DAY:
            raise forms.ValidationError(
                _("Group by week or month for ranges over %(days)s days.") % {"days": MAX_DAYS_BY_DAY}
            )
        return data


def report_sections(report: Report) -> list[tuple[str, list[tuple[str, Figures]]]]:
    """What the page shows and the CSV contains, in order: (section, [(label, figures)])."""
    return [
        (_("Total"), [(_("All"), report.totals)]),
        (str(BY_GROUPING[report.grouping]), [(line.label, line.figures) for line in report.periods]),
        (_("By category"), [(line.label, line.figures) for line in report.categories]),
        (_("Top providers"), [(line.label, line.figures) for line in report.providers]),
    ]


def figure_cells(figures: Figures) -> list[int]:
    """The numbers of one row, in COLUMNS order (the count first, then amounts in cents)."""
    return [
        figures.bookings_paid,
        figures.gross,
        figures.refunds,
        figures.net,
        figures.commission,
        figures.provider_earnings,
    ]


def _report_csv(report: Report) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"servizo-revenue-{report.start:%Y%m%d}-{report.end:%Y%m%d}-{report.grouping}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    plain = partial(major_units, currency=report.currency)  # "-12.34"; "1200" for a zero-decimal currency
    writer.writerow([_("Section"), _("Row"), *COLUMNS, _("Currency")])
    for section, lines in report_sections(report):
        for label, figures in lines:
            count, *amounts = figure_cells(figures)
            writer.writerow([section, label, count, *map(plain, amounts), report.currency.upper()])
    writer.writerow([_("Escrow held at end of range"), f"{report.end:%Y-%m-%d}", "", plain(report.escrow_held_at_end)])
    return response


def revenue_report_view(request):
    if not request.user.has_perm(LEDGER_PERMISSION):
        raise PermissionDenied
    form = ReportForm(request.GET or {"preset": "this_month", "grouping": "day"})
    report = None
    context = _admin_context(request, _("Commission and revenue"))
    if form.is_valid():
        data = form.cleaned_data
        report = revenue_report(start=data["start"], end=data["end"], grouping=data["grouping"])
        if request.GET.get("format") == "csv":
            return _report_csv(report)
        context["sections"] = [
            (section, [(label, figure_cells(figures)) for label, figures in lines])
            for section, lines in report_sections(report)
        ]
        context["chart"] = _chart(
            [line.label for line in report.periods],
            [line.figures.gross for line in report.periods],
            [line.figures.commission for line in report.periods],
            report.currency,
        )
        context["csv_query"] = request.GET.copy()
        context["csv_query"]["format"] = "csv"
    context.update(form=form, report=report, columns=COLUMNS, presets=PRESETS)
    return TemplateResponse(request, "admin/console/revenue_report.html", context)


# --- Payout operations ---------------------------------------------------------------------


def payouts_view(request):
    """Last payout runs, what each provider can be paid, and a dry run (real runs: `manage.py payouts`)."""
    if not request.user.has_perm("payments.view_payoutrun"):
        raise PermissionDenied
    context = _admin_context(request, _("Payouts"))
    if request.method == "POST":
        if not request.user.has_perm("payments.add_payoutrun"):
            raise PermissionDenied
        summary = payouts_run(dry_run=True)
        users = User.objects.in_bulk(list(summary.providers) + list(summary.skipped) + list(summary.held))
        context["dry_run"] = {
            "summary": summary,
            "lines": [(users.get(pid), line) for pid, line in sorted(summary.providers.items())],
            "skipped": [(users.get(pid), why) for pid, why in sorted(summary.skipped.items())],
            "held": [(users.get(pid), line) for pid, line in sorted(summary.held.items())],
        }
        messages.info(request, _("Dry run #%(run)s: nothing was transferred.") % {"run": summary.run_id})
    context.update(
        runs=PayoutRun.objects.all()[:20],
        balances=provider_available_balances(),
        currency=settings.CURRENCY,
        can_dry_run=request.user.has_perm("payments.add_payoutrun"),
    )
    return TemplateResponse(request, "admin/console/payouts.html", context)
