"""Every text a form takes has a length limit, and the admin's money fields parse like the site's."""

import importlib

import pytest
from django import forms
from django.apps import apps
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import ServiceCategory
from servizo.admin import admin_site
from servizo.forms import MoneyField

PROJECT_APPS = ["accounts", "offers", "bookings", "payments", "chat", "reviews", "notifications", "servizo", "console"]


def _project_form_classes():
    for label in PROJECT_APPS:
        for module_name in ("forms", "admin", "views"):
            try:
                importlib.import_module(f"{apps.get_app_config(label).name}.{module_name}")
            except ModuleNotFoundError:
                continue
    seen, stack = set(), [forms.BaseForm]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    return [cls for cls in seen if cls.__module__.split(".")[0] in PROJECT_APPS and hasattr(cls, "base_fields")]


def _unbounded_text_fields(form_fields, owner: str) -> list[str]:
    return [
        f"{owner}.{name}"
        for name, field in form_fields.items()
        if isinstance(field, forms.CharField)
        and not isinstance(field, MoneyField)  # parse_money caps its length
        and not isinstance(field.widget, forms.PasswordInput)  # hashed, never stored as typed
        and field.max_length is None
    ]


def _fields(form_class) -> dict:
    """The fields a form really has (allauth's signup drops `username` when built), else its declared ones."""
    try:
        return form_class().fields
    except TypeError:  # needs keyword arguments (provider=, refundable_cents=, ...)
        return form_class.base_fields


@pytest.mark.django_db
def test_every_project_form_limits_every_text_field():
    form_classes = _project_form_classes()

    assert len(form_classes) >= 10
    unbounded = [name for cls in form_classes for name in _unbounded_text_fields(_fields(cls), cls.__qualname__)]
    assert unbounded == []


@pytest.mark.django_db
def test_every_admin_form_limits_every_text_field(django_user_model):
    request = RequestFactory().get("/admin/")
    request.user = django_user_model.objects.create_superuser(email="root@example.com", password="x")
    unbounded = []
    for model, model_admin in admin_site._registry.items():
        if model_admin.has_change_permission(request) or model_admin.has_add_permission(request):
            form = model_admin.get_form(request)
            unbounded += _unbounded_text_fields(form.base_fields, model.__name__)

    assert unbounded == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "error"),
    [("12,34", "Use a dot before the cents, e.g. 12.34."), ("７５", "Enter an amount like 45 or 45.50.")],
)
def test_category_admin_parses_the_suggested_price_strictly(client, django_user_model, typed, error):
    client.force_login(django_user_model.objects.create_superuser(email="root@example.com", password="x"))
    category = ServiceCategory.objects.get(slug="electrician")
    url = reverse("admin:accounts_servicecategory_change", args=[category.pk])
    data = {"name": category.name, "slug": category.slug, "description": "", "icon": "", "ordering": "1"}

    refused = client.post(url, {**data, "suggested_price_cents": typed})
    saved = client.post(url, {**data, "suggested_price_cents": "1,234.50", "description": "x" * 1001})
    accepted = client.post(url, {**data, "suggested_price_cents": "1,234.50"})

    assert refused.context["adminform"].form.errors == {"suggested_price_cents": [error]}
    assert list(saved.context["adminform"].form.errors) == ["description"]
    assert accepted.status_code == 302
    category.refresh_from_db()
    assert category.suggested_price_cents == 123450
