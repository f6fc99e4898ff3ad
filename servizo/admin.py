"""The one AdminSite for Servizo, replacing Django's default: the floor every app registers its ModelAdmins on.

It knows no app. The `console` app (above every app) fills it in its ready(): the operator pages
(`add_page`), the dashboard on the index (`set_index_context`) and the pages built from several
apps' pieces (console/admin.py).
"""

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ERROR_FLAG, SEARCH_VAR, ChangeList
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from servizo.converters import MAX_ID
from servizo.models import FailedTask
from servizo.money import format_money
from servizo.pagecache import page_cache
from servizo.pagination import CappedCountPaginator, rows_by_ids
from servizo.tasks import failed_task_retry

_INTEGER = re.compile(r"-?([0-9]+)", re.ASCII)
# Each search word is one OR over every search field; thousands of words made a query SQLite refuses.
SEARCH_MAX_CHARS = 200
SEARCH_MAX_WORDS = 10


def photo_preview(url: str, thumbnail_url: str) -> str:
    """A thumbnail linking to the larger photo, both through their authorizing views (staff pages)."""
    return format_html(
        '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="" style="max-height: 96px"></a>',
        url,
        thumbnail_url,
    )


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
                    return _("Search for at most %(words)s words (%(characters)s characters).") % {
                        "words": SEARCH_MAX_WORDS,
                        "characters": SEARCH_MAX_CHARS,
                    }
            elif _out_of_range(value) or (key.endswith("__year") and value.isdigit() and int(value) >= 9999):
                return _("That filter value is out of range.")
    return None


def _checked_changelist_query(view):
    """Answers a bad changelist query like Django answers a bad filter name: back to the whole list, with a message."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        match = request.resolver_match
        if match and match.url_name and match.url_name.endswith("_changelist"):
            problem = changelist_query_problem(request.GET)
            if problem:
                messages.error(request, _("%(problem)s Showing the whole list.") % {"problem": problem})
                return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return view(request, *args, **kwargs)

    return wrapper


def money_column(
    field: str, *, description: str = gettext_lazy("Amount"), currency_field: str | None = "currency", ordering=None
):
    """A ModelAdmin column showing `field` (integer cents) as money in the row's `currency_field`.

    Rows without a currency field (`currency_field=None`) are in settings.CURRENCY.
    Use as a class attribute: `amount = money_column("amount_cents")`.
    """

    @admin.display(description=description, ordering=ordering)
    def column(self, obj) -> str:
        currency = getattr(obj, currency_field) if currency_field else settings.CURRENCY
        return format_money(getattr(obj, field), currency)

    return column


class IdsFirstChangeList(ChangeList):
    """A changelist whose rows are always read ids first, on one page as on many."""

    def get_results(self, request):
        super().get_results(request)
        if isinstance(self.result_list, QuerySet):  # everything fits one page: Django kept the joined queryset
            self.result_list = rows_by_ids(self.result_list, 0, self.result_count)


class BoundedChangelistMixin:
    """A changelist that reads only its page however large the table: no full COUNT, a count capped at
    CappedCountPaginator.MAX_COUNTED, and the page's rows ids first (servizo.pagination.rows_by_ids), so the
    joins of `list_select_related` never choose the plan. 25 rows a page. Pair with filters that do not read
    the table."""

    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 25  # Django's 100 rows cost more to render than every query of the page together

    def get_changelist(self, request, **kwargs):
        return IdsFirstChangeList

    @method_decorator(page_cache())
    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, extra_context)


class ReadOnlyAdminMixin:
    """For rows written only by services (events, ledger, messages): staff look, never add, change or delete."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.display(description=gettext_lazy("note"))
def stored_note(row) -> str:
    """An event's or ledger line's note in the viewer's language: the notes the site writes are stored as
    their English catalog text (`bookings.services.stored_text_language`); a typed note is shown as typed."""
    return _(row.note) if row.note else ""


@dataclass(frozen=True)
class AdminPage:
    """An operator page that is not a model's: its URL, the title the app list shows, who may open it."""

    route: str
    name: str
    title: str
    permission: str
    view: Callable


class ServizoAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Servizo operations")
    site_title = gettext_lazy("Servizo operations")
    index_title = gettext_lazy("Operations dashboard")

    def __init__(self, name="admin"):
        super().__init__(name)
        self._pages: list[AdminPage] = []
        self._index_context: Callable[[object], dict] | None = None

    def add_page(self, page: AdminPage) -> None:
        self._pages.append(page)

    def set_index_context(self, context: Callable[[object], dict], *, template: str) -> None:
        """The index becomes a dashboard: `template` rendered with `context(request)` added."""
        self._index_context = context
        self.index_template = template

    def admin_view(self, view, cacheable=False):
        return super().admin_view(_checked_changelist_query(view), cacheable)

    def get_urls(self):
        pages = [path(page.route, self.admin_view(page.view), name=page.name) for page in self._pages]
        return [*pages, *super().get_urls()]

    def get_app_list(self, request, app_label=None):
        """The apps, with the operator pages first for staff who may open them."""
        apps = super().get_app_list(request, app_label)
        pages = [page for page in self._pages if request.user.has_perm(page.permission)]
        if app_label is not None or not pages:
            return apps
        models = [
            {
                "name": page.title,
                "object_name": page.name,
                "admin_url": reverse(f"{self.name}:{page.name}"),
                "view_only": True,
            }
            for page in pages
        ]
        console = {"name": _("Operations"), "app_label": "operations", "app_url": models[0]["admin_url"]}
        return [{**console, "has_module_perms": True, "models": models}, *apps]

    @method_decorator(page_cache())
    def index(self, request, extra_context=None):
        dashboard = self._index_context(request) if self._index_context else {}
        return super().index(request, {**dashboard, **(extra_context or {})})


admin_site = ServizoAdminSite(name="admin")
admin_site.register(Group, GroupAdmin)


@admin.register(FailedTask, site=admin_site)
class FailedTaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Background tasks that failed after every retry (servizo.tasks); staff queue them again."""

    list_display = ["failed_at", "task_name", "kwargs", "status", "short_error", "retried_at"]
    list_filter = ["status", "task_name"]
    search_fields = ["task_name", "task_id", "error"]
    date_hierarchy = "failed_at"
    actions = ["retry"]

    @admin.display(description=gettext_lazy("Error"))
    def short_error(self, obj: FailedTask) -> str:
        return obj.error[:120]

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("servizo.change_failedtask")

    @admin.action(description=gettext_lazy("Retry: queue the task again"), permissions=["retry"])
    def retry(self, request, queryset):
        queued = sum(failed_task_retry(failed_task_id=pk) for pk in queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)d task queued again; if it fails again it is listed anew.",
                "%(count)d tasks queued again; one that fails again is listed anew.",
                queued,
            )
            % {"count": queued},
        )
