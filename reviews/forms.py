from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from reviews.models import COMMENT_MAX_LENGTH, NOTE_MAX_LENGTH, REPLY_MAX_LENGTH, STARS

RATING_LABELS = {5: _("Excellent"), 4: _("Good"), 3: _("Okay"), 2: _("Poor"), 1: _("Terrible")}
RATING_CHOICES = [
    (stars, format_lazy("{}{} {} — {}", "★" * stars, "☆" * (5 - stars), stars, RATING_LABELS[stars])) for stars in STARS
]


def rating_field(label: str | Promise) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect)


class CrispyForm(forms.Form):
    submit_label = _("Save")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", self.submit_label))


class ReviewForm(CrispyForm):
    submit_label = _("Publish review")

    rating = rating_field(_("Your rating"))
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": _("What went well? What could be better?")}),
        help_text=format_lazy(_("Public, up to {limit} characters."), limit=COMMENT_MAX_LENGTH),
    )


class CurrentVersionField(forms.CharField):
    """Hidden: posts the version the page showed, but always renders the current one (`initial`),
    so a page re-shown after a "changed meanwhile" refusal carries the version it now shows."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        stale = _("This page is out of date: reload it and try again.")
        super().__init__(max_length=64, error_messages={"required": stale, "max_length": stale}, **kwargs)

    def bound_data(self, data, initial):
        return initial


class ReplyForm(CrispyForm):
    submit_label = _("Publish reply")

    seen_version = CurrentVersionField()

    def clean(self):
        if "seen_version" in self.errors:  # a hidden field's error would show nowhere: put it on top
            raise forms.ValidationError(self.errors.pop("seen_version"))
        return super().clean()

    text = forms.CharField(
        label=_("Your public reply"),
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One reply per review; it appears under the review on your profile."),
    )


class CustomerRatingForm(CrispyForm):
    submit_label = _("Save rating")

    rating = rating_field(_("How was working with this customer?"))
    note = forms.CharField(
        label=_("Private note (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only Servizo staff read the note; other providers see just the average."),
    )


class ModerationReasonForm(forms.Form):
    """The admin's intermediate page for hide/unhide: a reason is required."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=1000,
        help_text=_("Logged and sent to the author."),
    )
