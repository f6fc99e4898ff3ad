import datetime

from django import forms
from django.conf import settings
from django.db.models import prefetch_related_objects
from django.forms.models import ModelChoiceIteratorValue
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.selectors import category_list_active
from offers.models import Offer, OfferDecline, OfferPhoto, Quote, TimeWindow
from offers.quote_services import QuoteTerms
from offers.services import OfferTerms, ProviderRequest, too_many_photos
from places.forms import PlaceField
from servizo.forms import BoundedDateField, MoneyField
from servizo.images import PhotosField
from servizo.money import format_money

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
WINDOW, ONLY = "window", "only"
WINDOW_HOURS = (2, 6, 12, 24, 48)


class CategorySelect(forms.Select):
    """Each option carries its category's suggested price, shown as a hint under the price field."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if isinstance(value, ModelChoiceIteratorValue) and value.instance.suggested_price_cents:
            option["attrs"]["data-suggested-price"] = format_money(
                value.instance.suggested_price_cents, settings.CURRENCY
            )
        return option


class OfferPhotoChoices(forms.ModelMultipleChoiceField):
    """The offer's photos as checkboxes (the template shows each thumbnail as its label)."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: OfferPhoto) -> str:
        return gettext("Photo %(number)s") % {"number": obj.pk}


class OfferForm(forms.ModelForm):
    place = PlaceField(label=_("City"))
    price_cents = MoneyField(
        confirm=True, label=_("Your price"), help_text=_("What you will pay for the job, e.g. 45.50.")
    )
    expires_at = forms.DateTimeField(
        label=_("Open until"),
        required=False,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text=_("Leave empty to keep the offer open until the end of the preferred date."),
    )

    class Meta:
        model = Offer
        fields = [
            "category",
            "title",
            "description",
            "place",
            "address",
            "preferred_date",
            "time_window",
            "price_cents",
            "expires_at",
        ]
        labels = {"title": _("Short title"), "description": _("What needs doing"), "address": _("Street address")}
        help_texts = {"address": _("Only the provider who takes the job sees it.")}
        widgets = {
            "category": CategorySelect,
            "description": forms.Textarea(attrs={"rows": 5}),
            "preferred_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    # What "Post again" copies from a closed offer: everything but the dates, which have passed.
    REPOST_FIELDS = ("category", "title", "description", "address", "place", "time_window", "price_cents")

    photos = PhotosField(max_count=settings.OFFER_PHOTOS_MAX, label=_("Photos"))
    remove_photos = OfferPhotoChoices(queryset=OfferPhoto.objects.none(), required=False, label=_("Remove photos"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.OFFER_PHOTOS_MAX
        self.fields["photos"].help_text = ngettext(
            "Up to %(count)s photo of the job, shown to matching providers: "
            "JPEG, PNG, WebP or HEIC. Location data and other metadata are removed.",
            "Up to %(count)s photos of the job, shown to matching providers: "
            "JPEG, PNG, WebP or HEIC. Location data and other metadata are removed.",
            limit,
        ) % {"count": limit}
        self.fields["category"].queryset = category_list_active()
        if self.instance.pk:
            self.fields["remove_photos"].queryset = self.instance.photos.all()
        else:
            del self.fields["remove_photos"]

    def clean(self):
        cleaned = super().clean()
        added = cleaned.get("photos") or []
        if added and self.instance.pk:
            kept = self.instance.photos.count() - len(cleaned.get("remove_photos") or [])
            if kept + len(added) > settings.OFFER_PHOTOS_MAX:
                self.add_error("photos", too_many_photos(kept=kept))
        return cleaned

    def photo_changes(self) -> dict:
        """Keyword arguments for the offer services: the photos to add (and, on edit, the ids to remove)."""
        changes = {"photos": self.cleaned_data["photos"]}
        if "remove_photos" in self.fields:
            changes["remove_photo_ids"] = [photo.pk for photo in self.cleaned_data["remove_photos"]]
        return changes

    def limit_to_provider(self, provider) -> None:
        """A request to one provider: only their trades, their city filled in, and the window to choose."""
        profile, name = provider.provider_profile, provider.get_short_name()
        trades = [category.pk for category in profile.categories.all()]
        self.fields["category"].queryset = category_list_active().filter(pk__in=trades)
        self.fields["place"].initial = profile.base_place
        names = {"provider": provider, "name": name}
        self.fields["request_mode"] = forms.ChoiceField(
            label=gettext("Who sees this offer"),
            widget=forms.RadioSelect,
            initial=WINDOW,
            choices=[
                (
                    WINDOW,
                    gettext("%(provider)s first, then every matching provider if %(name)s has not taken it") % names,
                ),
                (
                    ONLY,
                    gettext("Only %(provider)s: nobody else sees it (it expires untaken if they do not accept)")
                    % names,
                ),
            ],
        )
        self.fields["window_hours"] = forms.TypedChoiceField(
            label=gettext("How long %(name)s has it alone") % names,
            coerce=int,
            initial=12,
            choices=[
                (hours, ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours})
                for hours in WINDOW_HOURS
            ],
            help_text=gettext("Ignored for “only”. If they decline, everyone else sees it at once."),
        )

    def provider_request(self, provider) -> ProviderRequest:
        only = self.cleaned_data["request_mode"] == ONLY
        window = None if only else datetime.timedelta(hours=self.cleaned_data["window_hours"])
        return ProviderRequest(provider=provider, window=window)

    def terms(self) -> OfferTerms:
        return OfferTerms(**{name: self.cleaned_data[name] for name in self.Meta.fields})


class TermsVersionField(forms.IntegerField):
    """The hidden `Offer.terms_version` an accept or decline form was rendered with."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=2**31 - 1, **kwargs)


class DeclineForm(forms.ModelForm):
    terms_version = TermsVersionField()

    class Meta:
        model = OfferDecline
        fields = ["reason"]
        labels = {"reason": _("Reason (optional, only our team sees it)")}
        widgets = {"reason": forms.TextInput(attrs={"class": "form-control", "placeholder": _("e.g. too far for me")})}


class QuoteForm(forms.ModelForm):
    """A provider's quote: their price, and another day or window only if they cannot do the offer's."""

    terms_version = TermsVersionField()
    price_cents = MoneyField(confirm=True, label=_("Your price"), help_text=_("What you ask for the job, e.g. 45.50."))
    time_window = forms.ChoiceField(
        choices=[("", _("As the customer asks")), *TimeWindow.choices], required=False, label=_("Time window")
    )

    class Meta:
        model = Quote
        fields = ["price_cents", "preferred_date", "time_window", "message"]
        labels = {"preferred_date": _("Another day (optional)"), "message": _("Message to the customer")}
        widgets = {
            "preferred_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "message": forms.Textarea(
                attrs={"rows": 3, "placeholder": _("e.g. I can bring the parts; two hours of work.")}
            ),
        }

    def terms(self) -> QuoteTerms:
        return QuoteTerms(**{name: self.cleaned_data[name] for name in self.Meta.fields})


class QuoteDeclineForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        required=False,
        label=_("Reason (optional, the provider sees it)"),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. too expensive")}),
    )


class QuoteAcceptForm(forms.Form):
    """The customer's accept: the quote revision they were shown."""

    revision = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class FeedFilterForm(forms.Form):
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, required=False, empty_value=None)
    date = BoundedDateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    min_price = MoneyField(required=False, label=_("Minimum price"))

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        # One read of the provider's categories for these choices and the feed's matching rule alike.
        profile = provider.provider_profile
        prefetch_related_objects([profile], "categories")
        categories = [(category.pk, category.display_name) for category in profile.categories.all()]
        self.fields["category"].choices = [("", gettext("All my categories")), *categories]

    def filters(self) -> dict:
        """Selector keywords for the valid filters (invalid ones are shown as errors and ignored)."""
        self.is_valid()
        data = self.cleaned_data  # holds only the fields that validated
        return {
            "category_id": data.get("category"),
            "on_date": data.get("date"),
            "min_price_cents": data.get("min_price"),
        }
