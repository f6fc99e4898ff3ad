from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from offers.models import Offer, OfferDecline, OfferEvent, OfferPhoto, Quote, QuoteEvent
from servizo.admin import BoundedChangelistMixin, ReadOnlyAdminMixin, admin_site, photo_preview


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


class OfferPhotoInline(admin.TabularInline):
    """The customer's photos, shown through the authorizing view (staff who may read offers)."""

    model = OfferPhoto
    extra = 0
    can_delete = False
    fields = ["created_at", "preview"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Photo"))
    def preview(self, photo: OfferPhoto) -> str:
        args = [photo.pk]
        return photo_preview(reverse("offers:photo", args=args), reverse("offers:photo_thumbnail", args=args))


@admin.register(Offer, site=admin_site)
class OfferAdmin(BoundedChangelistMixin, admin.ModelAdmin):
    """Read-mostly: status moves only through the offer services, never by editing here."""

    list_display = ["title", "customer", "category", "place", "preferred_date", "price_cents", "status", "expires_at"]
    # As the bookings list: filters that list their choices without reading the table (no city filter or
    # date hierarchy); newest first by primary key, which needs no index of its own.
    list_filter = ["status", "category", "preferred_date", "created_at"]
    list_select_related = ["customer", "category", "place"]
    search_fields = ["title", "legacy_city", "customer__email"]
    raw_id_fields = ["place"]
    ordering = ["-id"]
    readonly_fields = ["customer", "status", "price_cents", "currency", "created_at", "updated_at"]
    inlines = [OfferEventInline, OfferDeclineInline, OfferPhotoInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class QuoteEventInline(OfferEventInline):
    model = QuoteEvent


@admin.register(Quote, site=admin_site)
class QuoteAdmin(ReadOnlyAdminMixin, BoundedChangelistMixin, admin.ModelAdmin):
    """Read-only: quotes move only through offers.quote_services (and bookings' accept)."""

    list_display = ["id", "offer", "provider", "price_cents", "preferred_date", "time_window", "status", "expires_at"]
    list_filter = ["status", "created_at"]
    list_select_related = ["offer", "provider"]
    search_fields = ["offer__title", "provider__email"]
    ordering = ["-id"]
    inlines = [QuoteEventInline]
