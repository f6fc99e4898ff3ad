"""The operator console: one AdminSite for Servizo, replacing Django's default."""

from django.contrib import admin


class ServizoAdminSite(admin.AdminSite):
    site_header = "Servizo operations"
    site_title = "Servizo operations"
    index_title = "Operations dashboard"


admin_site = ServizoAdminSite(name="admin")
