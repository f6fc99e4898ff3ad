from django.contrib import admin

from accounts.models import ProviderProfile, ServiceCategory, User
from servizo.admin import admin_site


@admin.register(User, site=admin_site)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "full_name", "role", "is_staff", "is_active", "date_joined"]
    list_filter = ["role", "is_staff", "is_active"]
    search_fields = ["email", "full_name", "phone"]
    exclude = ["password"]


@admin.register(ServiceCategory, site=admin_site)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "suggested_price_cents", "is_active", "ordering"]
    list_editable = ["is_active", "ordering"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(ProviderProfile, site=admin_site)
class ProviderProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "city", "status", "submitted_at"]
    list_filter = ["status", "categories"]
    search_fields = ["user__email", "user__full_name", "user__phone", "city"]
    list_select_related = ["user"]
