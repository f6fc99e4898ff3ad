from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from reviews.models import COMMENT_MAX_LENGTH, NOTE_MAX_LENGTH, REPLY_MAX_LENGTH, STARS

RATING_LABELS = {5: "Excellent", 4: "Good", 3: "Okay", 2: "Poor", 1: "Terrible"}
RATING_CHOICES = [(stars, f"{'★' * stars}{'☆' * (5 - stars)} {stars} — {RATING_LABELS[stars]}") for stars in STARS]


def rating_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect)


class CrispyForm(forms.Form):
    submit_label = "Save"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", self.submit_label))


class ReviewForm(CrispyForm):
    submit_label = "Publish review"

    rating = rating_field("Your rating")
    comment = forms.CharField(
        label="Comment (optional)",
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "What went well? What could be better?"}),
        help_text=f"Public, up to {COMMENT_MAX_LENGTH} characters.",
    )


class CurrentVersionField(forms.CharField):
    """Hidden: posts the version the page showed, but always renders the current one (`initial`),
    so a page re-shown after a "changed meanwhile" refusal carries the version it now shows."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        stale = "This page is out of date: reload it and try again."
        super().__init__(max_length=64, error_messages={"required": stale, "max_length": stale}, **kwargs)

    def bound_data(self, data, initial):
        return initial


class ReplyForm(CrispyForm):
    submit_label = "Publish reply"

    seen_version = CurrentVersionField()

    def clean(self):
        if "seen_version" in self.errors:  # a hidden field's error would show nowhere: put it on top
            raise forms.ValidationError(self.errors.pop("seen_version"))
        return super().clean()

    text = forms.CharField(
        label="Your public reply",
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One reply per review; it appears under the review on your profile.",
    )


class CustomerRatingForm(CrispyForm):
    submit_label = "Save rating"

    rating = rating_field("How was working with this customer?")
    note = forms.CharField(
        label="Private note (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only Servizo staff read the note; other providers see just the average.",
    )


class ModerationReasonForm(forms.Form):
    """The admin's intermediate page for hide/unhide: a reason is required."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=1000,
        help_text="Logged and sent to the author.",
    )
