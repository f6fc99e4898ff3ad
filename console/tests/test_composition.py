"""Admin pages built once from the owning app's ModelAdmin and higher apps' panels (console.composition)."""

import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured

from accounts.models import ProviderProfile
from bookings.models import Booking
from console.composition import admin_page
from servizo.admin import admin_site


class _Base(admin.ModelAdmin):
    list_display = ["id"]
    fieldsets = [(None, {"fields": ["title"]})]
    readonly_fields = ["title"]
    inlines = []


class _First:
    panel_list_display = ["first"]
    panel_fieldsets = [("First", {"fields": ["first_link"]})]

    def get_queryset(self, request):
        return ["first", *super().get_queryset(request)]


class _Second:
    panel_list_display = ["second"]

    def get_queryset(self, request):
        return ["second", *super().get_queryset(request)]


class _Bottom(_Base):
    def get_queryset(self, request):
        return ["base"]


def test_a_page_is_its_base_then_each_panel_in_the_order_given():
    page = admin_page(_Bottom, _First, _Second)

    assert page.list_display == ["id", "first", "second"]
    assert page.fieldsets == [(None, {"fields": ["title"]}), ("First", {"fields": ["first_link"]})]
    assert page.readonly_fields == ["title", "first_link"]
    assert page.get_queryset(object.__new__(page), None) == ["first", "second", "base"]
    assert _Bottom.list_display == ["id"]  # the base is not changed


def test_a_panel_cannot_extend_what_the_base_does_not_list():
    class NoFieldsets(admin.ModelAdmin):
        pass

    with pytest.raises(ImproperlyConfigured):
        admin_page(NoFieldsets, _First)


def test_the_booking_and_provider_pages_carry_every_apps_panel():
    booking_page = type(admin_site._registry[Booking])
    provider_page = type(admin_site._registry[ProviderProfile])

    assert [name for name, _ in booking_page.fieldsets][-2:] == ["Staff actions", "Conversation"]
    assert [inline.__name__ for inline in booking_page.inlines] == [
        "BookingEventInline",
        "PaymentInline",
        "LedgerEntryInline",
    ]
    assert provider_page.list_display[-3:] == ["completed_jobs", "cancellations", "rating"]
