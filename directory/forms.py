from functools import partial

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import HOURLY_RATE_MAX_CENTS, HOURLY_RATE_MIN_CENTS, ProviderProfile
from accounts.selectors import category_map
from directory.models import PRICE_BANDS, PriceLevel
from directory.selectors import SORT_LABELS
from places.forms import PlaceField
from servizo.forms import MoneyField
from servizo.money import format_money

MIN_RATINGS = [
    ("", gettext_lazy("Any rating")),
    (450, gettext_lazy("4.5★ and up")),
    (400, gettext_lazy("4★ and up")),
    (300, gettext_lazy("3★ and up")),
]


def price_band_label(level: int) -> str:
    """E.g. "$$ ($35.00-$69.99/h)": the level and its band of hourly rates (directory.models.PRICE_BANDS)."""
    bounds = dict(PRICE_BANDS)
    lowest, above = bounds[level], bounds.get(level + 1)
    money = partial(format_money, currency=settings.CURRENCY)
    if above is None:
        band = _("%(low)s/h and up") % {"low": money(lowest)}
    elif lowest == 0:
        band = _("under %(high)s/h") % {"high": money(above)}
    else:
        band = _("%(low)s–%(high)s/h") % {"low": money(lowest), "high": money(above - 1)}
    return _("%(level)s (%(band)s)") % {"level": PriceLevel(level).label, "band": band}


class DirectoryFilterForm(forms.Form):
    trade = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label=gettext_lazy("Trade"))
    place = PlaceField(required=False, label=gettext_lazy("Where"))
    min_rating = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, choices=MIN_RATINGS, label=gettext_lazy("Rating")
    )
    price = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label=gettext_lazy("Price level"))
    sort = forms.ChoiceField(required=False, choices=list(SORT_LABELS.items()), label=gettext_lazy("Sort by"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The cached category map: no query on most requests.
        active = sorted(
            (category for category in category_map().values() if category.is_active),
            key=lambda category: (category.ordering, category.name),
        )
        self.fields["trade"].choices = [("", _("All trades")), *((c.pk, c.display_name) for c in active)]
        levels = [level for level in PriceLevel.values if level != PriceLevel.NOT_STATED]
        self.fields["price"].choices = [("", _("Any price")), *((level, price_band_label(level)) for level in levels)]

    def filters(self) -> dict:
        """Selector keywords for the valid filters (invalid ones are ignored, as on the offer feed)."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "trade": data.get("trade"),
            "place": data.get("place"),
            "min_rating_x100": data.get("min_rating"),
            "price_level": data.get("price"),
            "sort": data.get("sort") or "rating",
        }


class HourlyRateForm(forms.Form):
    hourly_rate_cents = MoneyField(
        required=False,
        min_cents=HOURLY_RATE_MIN_CENTS,
        max_cents=HOURLY_RATE_MAX_CENTS,
        label=gettext_lazy("Typical hourly rate"),
        help_text=gettext_lazy(
            "Shown on your profile; customers filter the directory by price level. Leave empty to not show one."
        ),
    )

    @classmethod
    def for_profile(cls, profile: ProviderProfile, data=None) -> "HourlyRateForm":
        return cls(data, initial={"hourly_rate_cents": profile.hourly_rate_cents})
