from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from payments.models import Settlement
from servizo.forms import MoneyField
from servizo.money import format_money


class PayForm(forms.Form):
    """What the pay page posts: a card just saved (SetupIntent id) or a saved card (PaymentMethod id)."""

    setup_intent = forms.CharField(required=False, max_length=100)
    payment_method = forms.CharField(required=False, max_length=100)
    save_card = forms.BooleanField(required=False, label=_("Save this card for next time"))

    def clean(self):
        data = super().clean()
        if bool(data.get("setup_intent")) == bool(data.get("payment_method")):
            raise forms.ValidationError(_("Choose a saved card or enter a new one."))
        return data


class SettlementForm(forms.Form):
    """Staff decision on a paid booking (admin intermediate page)."""

    decision = forms.ChoiceField(label=_("Decision"), choices=Settlement.Decision.choices)
    refund_amount = MoneyField(label=_("Refund amount"), required=False, confirm=True)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
    confirm = forms.BooleanField(label=_("I confirm: this moves real money and emails both parties."))
    # The booking's status and money this page showed (`settlement_basis`); a stale one is refused.
    basis = forms.CharField(
        widget=forms.HiddenInput,
        max_length=200,
        error_messages={
            "required": _("This page is out of date: reload it and decide again."),
            "max_length": _("This page is out of date: reload it and decide again."),
        },
    )

    def __init__(self, *args, refundable_cents: int, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.refundable_cents = refundable_cents
        self.fields["refund_amount"].currency = currency
        self.fields["refund_amount"].help_text = gettext(
            "For a split: the amount to refund, e.g. 40 or 40.50. Ignored otherwise. Refundable: %(amount)s."
        ) % {"amount": format_money(refundable_cents, currency)}

    def clean(self):
        data = super().clean()
        if data.get("decision") == Settlement.Decision.SPLIT and "refund_amount" not in self.errors:
            amount = data.get("refund_amount")
            if amount is None or not 0 < amount < self.refundable_cents:
                self.add_error(
                    "refund_amount", gettext("For a split, enter an amount above 0 and below what was paid.")
                )
        return data
