from django import forms
from django.core.exceptions import ValidationError

from disputes.models import Dispute
from disputes.photos import ACCEPT, MAX_PHOTOS, photos_prepare


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_PHOTOS photos; cleans to the prepared (checked, re-encoded) photos."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", f"Up to {MAX_PHOTOS} photos: JPEG, PNG or HEIC (iPhone).")
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = [upload for upload in (data or []) if upload]
        for upload in uploads:
            super().clean(upload, initial)
        try:
            return photos_prepare(uploads)
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class DisputeOpenForm(forms.Form):
    reason = forms.ChoiceField(label="What went wrong?", choices=Dispute.Reason.choices, widget=forms.RadioSelect)
    description = forms.CharField(
        label="Describe the problem",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What was agreed, what happened, and what you would consider fair.",
    )
    photos = PhotosField()


class DisputeRespondForm(forms.Form):
    response = forms.CharField(
        label="Your account of what happened",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="You can respond once. Servizo staff read both sides before deciding.",
    )
    photos = PhotosField()
