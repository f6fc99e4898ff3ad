"""Form fields shared by every app: the one money field and a bounded date field."""

import datetime

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _

from servizo.money import MONEY_MAX_CHARS, ascii_digits, format_amount, format_money, parse_money, separators

# What a PositiveIntegerField holds on every database ($21,474,836.47): the default ceiling.
MONEY_MAX_CENTS = 2_147_483_647


class MoneyField(forms.CharField):
    """Typed as money ("1,234.50"), cleaned to integer minor units (123450) by `parse_money`, within bounds.

    A bound form shows the amount as it was read ("1234.5" comes back as "1,234.50"). With
    `confirm=True` (amounts that are charged or refunded), input that does not already read that
    way is refused once with the amount as understood; submitting it again as shown confirms it.
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(
        self,
        *,
        min_cents: int = 0,
        max_cents: int = MONEY_MAX_CENTS,
        currency: str | None = None,
        confirm: bool = False,
        **kwargs,
    ):
        self.min_cents, self.max_cents, self.confirm = min_cents, max_cents, confirm
        self._currency = currency
        super().__init__(**kwargs)

    @property
    def currency(self) -> str:
        """The field's currency; by default the deployment's, read when used (not at import)."""
        return self._currency or settings.CURRENCY

    @currency.setter
    def currency(self, value: str) -> None:
        self._currency = value

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "maxlength": str(MONEY_MAX_CHARS)}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            cents = parse_money(value, self.currency)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from error
        if cents < self.min_cents:
            raise forms.ValidationError(
                _("Enter at least %(amount)s.") % {"amount": self.money(self.min_cents)}, code="min_value"
            )
        if cents > self.max_cents:
            raise forms.ValidationError(
                _("Enter at most %(amount)s.") % {"amount": self.money(self.max_cents)}, code="max_value"
            )
        if self.confirm and ascii_digits(value.strip()) not in self.readings(cents):
            raise forms.ValidationError(
                _("We read this as %(amount)s. Check it, then submit again to confirm.")
                % {"amount": self.money(cents)},
                code="confirm",
            )
        return cents

    def money(self, cents: int) -> str:
        return format_money(cents, self.currency)

    def readings(self, cents: int) -> set[str]:
        """The ways of typing `cents` that need no read-back: "1,234.50", "1234.50" (and "1,234", "1234"), in ASCII
        or Urdu digits."""
        decimal, thousands = separators()
        grouped = format_amount(cents, self.currency)
        typed = {grouped, grouped.replace(thousands, "")}
        return typed | {text.removesuffix(f"{decimal}00") for text in typed}

    def bound_data(self, data, initial):
        try:
            return format_amount(parse_money(data, self.currency), self.currency) if isinstance(data, str) else data
        except ValueError:
            return data

    def prepare_value(self, value):
        return format_amount(value, self.currency) if isinstance(value, int) else value


class BoundedDateField(forms.DateField):
    """A DateField limited to years a calendar computation can step past (9999-12-31 has no next day)."""

    def __init__(self, *, min_date=datetime.date(1900, 1, 1), max_date=datetime.date(2999, 12, 31), **kwargs):
        self.min_date, self.max_date = min_date, max_date
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not self.min_date <= value <= self.max_date:
            raise forms.ValidationError(
                _("Choose a date between %(first)s and %(last)s.")
                % {"first": f"{self.min_date:%Y-%m-%d}", "last": f"{self.max_date:%Y-%m-%d}"},
                code="out_of_range",
            )
