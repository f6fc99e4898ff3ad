"""Disputes in the operator console: read-only; staff decide the money on payments' settle page."""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes.models import Dispute, DisputeEvent
from servizo.admin import ReadOnlyAdminMixin, admin_site


class PastDeadlineFilter(admin.SimpleListFilter):
    title = gettext_lazy("deadline")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("1", _("Open past the decision deadline"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(status__in=Dispute.OPEN, decide_by__lte=timezone.now())
        return queryset


class DisputeEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DisputeEvent
    extra = 0
    fields = ["created_at", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields


@admin.register(Dispute, site=admin_site)
class DisputeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["booking", "status", "reason", "created_at", "respond_by", "decide_by", "settle"]
    list_filter = [PastDeadlineFilter, "status", "reason"]
    list_select_related = ["booking"]
    search_fields = ["booking__title", "booking__customer__email", "booking__provider__email"]
    date_hierarchy = "created_at"
    ordering = ["decide_by", "id"]
    fields = [
        "booking",
        "status",
        "reason",
        "description",
        "booking_status_at_open",
        "respond_by",
        "response",
        "responded_at",
        "decide_by",
        "decided_at",
        "decision_note",
    ]
    readonly_fields = fields
    inlines = [DisputeEventInline]

    @admin.display(description="")
    def settle(self, obj: Dispute) -> str:
        if not obj.is_open:
            return ""
        url = reverse("admin:payments_bookingdecision_settle", args=[obj.booking_id])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Decide…"))
