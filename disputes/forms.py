from django import forms
from django.utils.translation import gettext_lazy as _

from disputes.models import Dispute
from disputes.photos import MAX_PHOTOS
from servizo.images import PhotosField


class DisputeOpenForm(forms.Form):
    reason = forms.ChoiceField(label=_("What went wrong?"), choices=Dispute.Reason.choices, widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("Describe the problem"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was agreed, what happened, and what you would consider fair."),
    )
    photos = PhotosField(max_count=MAX_PHOTOS)


class DisputeRespondForm(forms.Form):
    response = forms.CharField(
        label=_("Your account of what happened"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("You can respond once. Servizo staff read both sides before deciding."),
    )
    photos = PhotosField(max_count=MAX_PHOTOS)
