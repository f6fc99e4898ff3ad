"""Bookings in the operations console: read-only snapshots; status changes only through services.

BookingAdmin is the base of the booking page and CompletedJobsPanel a panel of the provider queue;
console/admin.py builds and registers both pages (console.composition).
"""

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.models import Booking, BookingEvent, ProviderCancellation
from servizo.admin import BoundedChangelistMixin, ReadOnlyAdminMixin, admin_site, money_column, stored_note


class BookingEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = BookingEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "from_status", "to_status", stored_note)
    readonly_fields = fields
    ordering = ("created_at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class BookingAdmin(BoundedChangelistMixin, admin.ModelAdmin):
    list_display = ("id", "title", "customer", "provider", "category", "status", "price", "scheduled_date", "pay_by")
    # Filters whose choices cost nothing to list: statuses, the small category table, fixed date ranges.
    # A city filter (DISTINCT over every booking) and a date hierarchy (DISTINCT days, MIN/MAX) read the
    # whole table on each page view; cities are found by search, dates by the created/scheduled ranges.
    list_filter = ("status", "category", "scheduled_date", "created_at")
    search_fields = ("=id", "title", "city", "customer__email", "customer__full_name", "provider__email")
    list_select_related = ("customer", "provider", "category")
    inlines = [BookingEventInline]
    fieldsets = (
        (None, {"fields": ("status", "offer", "customer", "provider", "category", "title", "description")}),
        (gettext_lazy("Money"), {"fields": ("price", "commission_rate_bp")}),
        (
            gettext_lazy("Schedule"),
            {"fields": ("address", "city", "scheduled_date", "time_window", "time_zone", "pay_by")},
        ),
        (gettext_lazy("Progress"), {"fields": ("provider_completed_at", "completed_at", "created_at", "updated_at")}),
    )
    readonly_fields = tuple(field for _, section in fieldsets for field in section["fields"])

    price = money_column("price_cents", description=gettext_lazy("price"), ordering="price_cents")

    def has_add_permission(self, request) -> bool:
        return False  # bookings are made by accepting an offer

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CompletedJobsPanel:
    """On the provider queue (accounts): each provider's completed jobs, counted in the same query."""

    panel_list_display = ["completed_jobs"]

    def get_queryset(self, request):
        completed = (
            Booking.objects.filter(provider_id=OuterRef("user_id"), status=Booking.Status.COMPLETED)
            .order_by()
            .values("provider_id")
            .annotate(n=Count("id"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(completed_jobs_count=Coalesce(Subquery(completed), Value(0), output_field=IntegerField()))
        )

    @admin.display(description=gettext_lazy("Completed jobs"), ordering="completed_jobs_count")
    def completed_jobs(self, profile) -> int:
        return profile.completed_jobs_count


@admin.register(ProviderCancellation, site=admin_site)
class ProviderCancellationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Reliability records: paid bookings their provider cancelled (written by bookings.services)."""

    list_display = ("created_at", "provider", "booking", "hours_before_start", "reason")
    list_filter = ("created_at",)
    search_fields = ("provider__email", "provider__full_name", "=booking__id")
    list_select_related = ("provider", "booking")
    date_hierarchy = "created_at"


class ReliabilityPanel:
    """On the provider queue (accounts): cancelled paid bookings, from the maintained counters."""

    panel_list_display = ["cancellations"]
    panel_list_select_related = ["user__reliability"]

    @admin.display(description=gettext_lazy("Cancelled paid bookings"))
    def cancellations(self, profile) -> str:
        reliability = getattr(profile.user, "reliability", None)
        if reliability is None or not reliability.cancellations:
            return "—"
        url = reverse("admin:bookings_providercancellation_changelist") + f"?provider__id__exact={profile.user_id}"
        label = _("%(cancelled)s of %(paid)s (%(percent)s %%)") % {
            "cancelled": reliability.cancellations,
            "paid": reliability.paid_bookings,
            "percent": reliability.cancellation_percent,
        }
        return format_html('<a href="{}">{}</a>', url, label)
