"""Admin pages built from several apps' pieces, in one place (console/admin.py lists them).

The app that owns a model writes its ModelAdmin; a higher app that has something to show on that
page writes a *panel*: a plain mixin class with its display methods and, as data, what it adds:

- `panel_inlines`: inline classes, after the base's;
- `panel_fieldsets`: (title, {"fields": [...]}) sections after the base's; their fields are read-only;
- `panel_list_display` / `panel_list_select_related`: changelist columns and the joins they need.

A panel may also override a ModelAdmin method (get_queryset to annotate, get_fieldsets to hide its
section) and must call super(). `admin_page(Base, PanelA, PanelB)` is the page: the panels' methods
come first in the MRO, in the order given; the lists are the base's followed by each panel's.
Nothing is unregistered and nothing depends on INSTALLED_APPS order.
"""

from django.contrib.admin import ModelAdmin
from django.core.exceptions import ImproperlyConfigured

# ModelAdmin attribute -> the panel attribute that extends it.
PANEL_LISTS = {
    "inlines": "panel_inlines",
    "fieldsets": "panel_fieldsets",
    "list_display": "panel_list_display",
    "list_select_related": "panel_list_select_related",
}


def _contributed(panels: tuple[type, ...], panel_attr: str) -> list:
    return [item for panel in panels for item in panel.__dict__.get(panel_attr, ())]


def admin_page(base: type[ModelAdmin], *panels: type) -> type[ModelAdmin]:
    """The ModelAdmin of one page: `base` with each panel's additions, in order."""
    attrs: dict = {"__module__": base.__module__, "__doc__": base.__doc__}
    for attr, panel_attr in PANEL_LISTS.items():
        added = _contributed(panels, panel_attr)
        if added:
            own = getattr(base, attr)
            if not isinstance(own, list | tuple):  # e.g. no fieldsets, or list_select_related = True
                raise ImproperlyConfigured(f"{base.__name__}.{attr} must be a list for panels to extend it.")
            attrs[attr] = [*own, *added]
    panel_fields = [field for _, options in _contributed(panels, "panel_fieldsets") for field in options["fields"]]
    if panel_fields:
        attrs["readonly_fields"] = [*base.readonly_fields, *panel_fields]
    return type(f"{base.__name__}Page", (*panels, base), attrs)
