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
# Each search word is one OR over every search field; thousands of words made a query SQLite refuses.
SEARCH_MAX_CHARS = 200
SEARCH_MAX_WORDS = 10


def _out_of_range(value: str) -> bool:
    """True if `value` (or an item of a comma-separated `__in` list) is an integer no database column holds."""
    for item in value.split(","):
        match = _INTEGER.fullmatch(item.strip())
        if match and (len(match[1]) > len(str(MAX_ID)) or int(match[1]) > MAX_ID):
            return True
    return False


def changelist_query_problem(query) -> str | None:
    """What is wrong with a changelist's query string that Django would pass on to a 500, if anything.

    Django checks filter names, not values: a foreign key or `__in` filter out of the 64-bit range is
    an OverflowError on SQLite, the date hierarchy's year 9999 has no next year, and a search of
    thousands of words builds a query too deep to run.
    """
    for key, values in query.lists():
        for value in values:
            if key == SEARCH_VAR:
                if len(value) > SEARCH_MAX_CHARS or len(value.split()) > SEARCH_MAX_WORDS:
                    return f"Search for at most {SEARCH_MAX_WORDS} words ({SEARCH_MAX_CHARS} characters)."
            elif _out_of_range(value) or (key.endswith("__year") and value.isdigit() and int(value) >= 9999):
                return "That filter value is out of range."
    return None


def _checked_changelist_query(view):
    """Answers a bad changelist query like Django answers a bad filter name: back to the whole list, with a message."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        match = request.resolver_match
        if match and match.url_name and match.url_name.endswith("_changelist"):
            problem = changelist_query_problem(request.GET)
            if problem:
                messages.error(request, f"{problem} Showing the whole list.")
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
        return super().admin_view(_checked_changelist_query(view), cacheable)

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
