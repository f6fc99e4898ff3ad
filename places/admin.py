from django.contrib import admin

from places.models import Place
from servizo.admin import ReadOnlyAdminMixin, admin_site


@admin.register(Place, site=admin_site)
class PlaceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Loaded from the dataset (`load_places`): read-only here."""

    list_display = ["name", "admin_region", "country_code", "population", "time_zone"]
    search_fields = ["=geoname_id", "name", "ascii_name"]
    readonly_fields = [f.name for f in Place._meta.fields]
