from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from offers.forms import TermsVersionField


class AcceptOfferForm(forms.Form):
    """The provider's accept: the version of the offer's terms they were shown."""

    terms_version = TermsVersionField()


class BookingTransitionForm(forms.Form):
    """A party's move on the booking page; the service decides whether it is allowed."""

    # Every move but `disputed`, which is made with its own form (disputes.views.dispute_open_view).
    to_status = forms.ChoiceField(choices=[c for c in Booking.Status.choices if c[0] != Booking.Status.DISPUTED])
    from_status = forms.ChoiceField(choices=Booking.Status.choices, widget=forms.HiddenInput)  # what the page showed
    note = forms.CharField(max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class BookingFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", _("All states")), *Booking.Status.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
