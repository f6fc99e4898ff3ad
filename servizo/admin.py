"""The operator console: one AdminSite for Servizo, replacing Django's default.

The index is a dashboard of key figures; the commission report and the payouts page are admin
views added here (servizo.admin_views). Figures come from payments.reports (aggregate queries).
"""

import functools
import re

from django.contrib import admin, messages
from django.contrib.admin.views.main import ERROR_FLAG, SEARCH_VAR
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.http import HttpResponseRedirect
from django.urls import path, reverse

from servizo.converters import MAX_ID

_INTEGER = re.compile(r"-?([0-9]+)", re.ASCII)


def _out_of_range(value: str) -> bool:
    """True if `value` (or an item of a comma-separated `__in` list) is an integer no database column holds."""
    for item in value.split(","):
        match = _INTEGER.fullmatch(item.strip())
        if match and (len(match[1]) > len(str(MAX_ID)) or int(match[1]) > MAX_ID):
            return True
    return False


def _bounded_filters(view):
    """Changelist filters from the URL (`?booking=<id>`, `?id__in=...`) go to the database unchecked by
    Django for foreign keys and `__in` lists; one out of range is an OverflowError (500) on SQLite.
    Such a list is answered like Django answers any bad filter: back to the unfiltered list, with a message.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        match = request.resolver_match
        if match and match.url_name and match.url_name.endswith("_changelist"):
            params = {key: value for key, value in request.GET.lists() if key != SEARCH_VAR}
            if any(_out_of_range(value) for values in params.values() for value in values):
                messages.error(request, "That filter value is out of range; showing the whole list.")
                return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return view(request, *args, **kwargs)

    return wrapper


class ReadOnlyAdminMixin:
    """For rows written only by services (events, ledger, messages): staff look, never add, change or delete."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ServizoAdminSite(admin.AdminSite):
    site_header = "Servizo operations"
    site_title = "Servizo operations"
    index_title = "Operations dashboard"
    index_template = "admin/servizo_index.html"

    def admin_view(self, view, cacheable=False):
        return super().admin_view(_bounded_filters(view), cacheable)

    def get_urls(self):
        from servizo import admin_views  # the views read every app's models; import once URLs are built

        return [
            path("reports/revenue/", self.admin_view(admin_views.revenue_report_view), name="revenue_report"),
            path("payouts/", self.admin_view(admin_views.payouts_view), name="payouts"),
            *super().get_urls(),
        ]

    def get_app_list(self, request, app_label=None):
        """The apps, with the console's own pages first for staff who may open them."""
        apps = super().get_app_list(request, app_label)
        pages = [
            (name, title, perm)
            for name, title, perm in (
                ("revenue_report", "Commission and revenue report", "payments.view_ledgerentry"),
                ("payouts", "Payout operations", "payments.view_payoutrun"),
            )
            if request.user.has_perm(perm)
        ]
        if app_label is not None or not pages:
            return apps
        models = [
            {"name": title, "object_name": name, "admin_url": reverse(f"admin:{name}"), "view_only": True}
            for name, title, _ in pages
        ]
        console = {"name": "Operations", "app_label": "operations", "app_url": models[0]["admin_url"]}
        return [{**console, "has_module_perms": True, "models": models}, *apps]

    def index(self, request, extra_context=None):
        from servizo import admin_views

        return super().index(request, {**admin_views.dashboard_context(request), **(extra_context or {})})


admin_site = ServizoAdminSite(name="admin")
admin_site.register(Group, GroupAdmin)
