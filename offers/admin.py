from django.contrib import admin

from offers.models import Offer, OfferDecline, OfferEvent
from servizo.admin import admin_site


class OfferEventInline(admin.TabularInline):
    model = OfferEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class OfferDeclineInline(admin.TabularInline):
    model = OfferDecline
    extra = 0
    can_delete = False
    fields = ["created_at", "provider", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Offer, site=admin_site)
class OfferAdmin(admin.ModelAdmin):
    """Read-mostly: status moves only through the offer services, never by editing here."""

    list_display = ["title", "customer", "category", "city", "preferred_date", "price_cents", "status", "expires_at"]
    list_filter = ["status", "category", "city", "preferred_date"]
    list_select_related = ["customer", "category"]
    search_fields = ["title", "city", "customer__email"]
    date_hierarchy = "created_at"
    readonly_fields = ["customer", "status", "price_cents", "currency", "created_at", "updated_at"]
    inlines = [OfferEventInline, OfferDeclineInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
