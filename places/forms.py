"""The place picker: a text box the typeahead fills (static/js/places.js), usable without JavaScript.

Without JavaScript the customer types a name: one place of that name is taken, several make the form
ask which one (a list of the candidates, "Florence, IT" / "Florence, Alabama, US"), none is an error.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from places.models import Place
from places.names import name_key
from places.selectors import place_search


class PlaceWidget(forms.Widget):
    """Renders `<name>_text` (what is typed) and `<name>` (the chosen place's id; a list when ambiguous)."""

    template_name = "places/place_widget.html"
    candidates: list[Place]

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.candidates = []

    def value_from_datadict(self, data, files, name):
        return data.get(name) or "", data.get(f"{name}_text", "")

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_text" not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if isinstance(value, tuple):
            place_id, text = value
        else:  # the initial value: a Place or its id
            place = value if isinstance(value, Place) else Place.objects.filter(pk=value).first() if value else None
            place_id, text = (place.pk, place.label) if place else ("", "")
        context["widget"].update(
            place_id=place_id, text=text, candidates=self.candidates, search_url=reverse("places:search")
        )
        return context


class PlaceField(forms.Field):
    widget = PlaceWidget
    default_error_messages = {
        "required": _("Choose a city."),
        "unknown": _("We know no city called “%(text)s”. Try the nearest larger city."),
        "ambiguous": _("Several cities are called “%(text)s”: choose one."),
    }

    def to_python(self, value) -> Place | None:
        place_id, text = value if isinstance(value, tuple) else (value, "")
        if place_id:
            try:
                return Place.objects.get(pk=int(place_id))
            except (ValueError, TypeError, Place.DoesNotExist):
                pass  # fall back to the text
        if not text.strip():
            return None
        # A whole label ("Florence, Alabama, US", typed or left after the chosen id was cleared) is
        # searched by its name and must then equal a candidate's label.
        candidates = place_search(query=text) or place_search(query=text.split(",")[0])
        exact = [place for place in candidates if name_key(text) in (name_key(place.name), name_key(place.label))]
        if len(exact) == 1:
            return exact[0]
        if not exact:
            exact = [place for place in candidates if place.names.filter(key=name_key(text)).exists()]
            if len(exact) == 1:
                return exact[0]
        self.widget.candidates = exact or candidates
        raise ValidationError(self.error_messages["ambiguous" if exact else "unknown"], params={"text": text})
