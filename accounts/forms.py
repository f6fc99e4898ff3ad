from allauth.account.forms import SignupForm
from django import forms
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.documents import ACCEPT, validate_provider_document
from accounts.models import (
    SERVICE_RADIUS_KM_DEFAULT,
    SERVICE_RADIUS_KM_MAX,
    SERVICE_RADIUS_KM_MIN,
    ProviderProfile,
    User,
)
from accounts.selectors import category_list_active
from accounts.services import provider_profile_create
from places.forms import PlaceField
from servizo.images import PhotoField
from servizo.timezones import is_zone, zone_choices


class TimeZoneGuessField(forms.CharField):
    """A hidden field the browser fills with its IANA zone (static/js/servizo.js); a bad guess is dropped."""

    widget = forms.HiddenInput(attrs={"data-time-zone-guess": ""})

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=64, **kwargs)

    def clean(self, value):
        value = self.to_python(value)  # no validators: a bad or overlong guess is dropped, never an error
        return value if is_zone(value) else ""


class CustomerSignupForm(SignupForm):
    """'I need a service': email, password, name and phone, and consent to the terms.

    `role`, `full_name`, `phone`, the browser's `time_zone` and the accepted terms version are put
    on the user by accounts.adapters.AccountAdapter.
    """

    role = User.Role.CUSTOMER

    full_name = forms.CharField(
        max_length=150, label=_("Full name"), widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        max_length=32,
        required=False,
        label=_("Phone (optional)"),
        widget=forms.TextInput(attrs={"autocomplete": "tel"}),
    )

    time_zone = TimeZoneGuessField()

    accept_terms = forms.BooleanField(
        required=True, error_messages={"required": _("Please accept the terms of service to create an account.")}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The browser stops at the length the adapter's clean_email enforces.
        self.fields["email"].widget.attrs["maxlength"] = str(User._meta.get_field("email").max_length)
        consent = self.fields.pop("accept_terms")  # always last, under the role's own fields
        consent.label = format_html(
            _(
                'I agree to the <a href="{terms}" target="_blank">terms of service</a> and have read the '
                '<a href="{privacy}" target="_blank">privacy notice</a>'
            ),
            terms=reverse("terms"),
            privacy=reverse("privacy"),
        )
        self.fields["accept_terms"] = consent


class ProviderDetailsForm(forms.Form):
    """What a provider tells us to be reviewed: at signup and again when correcting a rejected application."""

    phone = forms.CharField(
        max_length=32,
        label=_("Phone"),
        help_text=_("Customers and our review team call you on this number."),
        widget=forms.TextInput(attrs={"autocomplete": "tel"}),
    )
    base_place = PlaceField(label=_("City you work from"))
    service_radius_km = forms.IntegerField(
        min_value=SERVICE_RADIUS_KM_MIN,
        max_value=SERVICE_RADIUS_KM_MAX,
        initial=SERVICE_RADIUS_KM_DEFAULT,
        label=_("How far you travel (km)"),
        help_text=format_lazy(
            _("You see jobs this far from your city ({low}–{high} km)."),
            low=SERVICE_RADIUS_KM_MIN,
            high=SERVICE_RADIUS_KM_MAX,
        ),
    )
    service_area = forms.CharField(
        max_length=200,
        required=False,
        label=_("Service area"),
        help_text=_("Neighbourhoods or nearby towns you cover, e.g. “Florence and Prato”."),
    )
    categories = forms.ModelMultipleChoiceField(
        queryset=category_list_active(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Services you offer"),
        error_messages={"required": _("Choose at least one service.")},
    )
    years_experience = forms.IntegerField(min_value=0, max_value=70, label=_("Years of experience"))
    bio = forms.CharField(
        max_length=1000,
        required=False,
        label=_("Short bio"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few lines customers will read: what you do best, certifications, languages."),
    )
    document = forms.FileField(
        label=_("Identity or qualification document"),
        validators=[validate_provider_document],
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
        help_text=_("PDF, JPG or PNG. Only you and our review team can see it."),
    )

    def cleaned_details(self) -> dict:
        """The profile fields as keyword arguments for the provider services (no new document: None)."""
        fields = ("base_place", "service_radius_km", "service_area", "categories", "years_experience", "bio")
        return {**{name: self.cleaned_data[name] for name in fields}, "document": self.cleaned_data["document"] or None}


class ProviderSignupForm(ProviderDetailsForm, CustomerSignupForm):
    """'I offer services': the customer fields plus the provider's application (status pending)."""

    role = User.Role.PROVIDER

    field_order = ["email", "password1", "password2", "full_name", "phone"]

    def save(self, request):
        # The user, their email address and the application exist together or not at all.
        with transaction.atomic():
            user = super().save(request)
            provider_profile_create(user=user, **self.cleaned_details())
        return user


class ProviderResubmitForm(ProviderDetailsForm):
    """A rejected provider's corrections; the document may stay as it is."""

    def __init__(self, *args, profile: ProviderProfile, **kwargs):
        initial = {
            "phone": profile.user.phone,
            "base_place": profile.base_place_id,
            "service_radius_km": profile.service_radius_km,
            "service_area": profile.service_area,
            "categories": list(profile.categories.all()),
            "years_experience": profile.years_experience,
            "bio": profile.bio,
        }
        super().__init__(*args, initial=initial, **kwargs)
        if profile.document:
            self.fields["document"].required = False
            self.fields["document"].help_text = _("Leave empty to keep the document you sent; %(rest)s") % {
                "rest": self.fields["document"].help_text
            }


class AvatarForm(forms.Form):
    avatar = PhotoField(
        label=_("Profile photo"),
        help_text=_("A clear photo of you (JPEG, PNG, WebP or HEIC). Shown on your public profile once approved."),
        prepare_options={"display_side": 800, "thumb_side": 256, "square_thumb": True},
    )


class PortfolioPhotoForm(forms.Form):
    photo = PhotoField(label=_("Photo of your work"), help_text=_("JPEG, PNG, WebP or HEIC; location data is removed."))
    caption = forms.CharField(label=_("Caption (optional)"), max_length=140, required=False)


class ProviderAreaForm(forms.Form):
    """Where an approved provider works from and how far they travel (the two fields of the application)."""

    base_place = ProviderDetailsForm.base_fields["base_place"]
    service_radius_km = ProviderDetailsForm.base_fields["service_radius_km"]


class AccountSettingsForm(forms.ModelForm):
    """The user's own settings: name, phone, the time zone every time is shown in and the language."""

    time_zone = forms.ChoiceField(
        choices=zone_choices,
        label=_("Time zone"),
        help_text=_("Every time on Servizo and in our emails is shown in this zone."),
    )
    language = forms.ChoiceField(
        choices=[("", _("The one my browser asks for")), *settings.LANGUAGES],
        required=False,
        label=_("Language"),
        help_text=_("Pages, emails and notices are in this language."),
    )

    class Meta:
        model = User
        fields = ["full_name", "phone", "time_zone", "language"]
        labels = {"full_name": _("Full name"), "phone": _("Phone")}
        widgets = {"full_name": forms.TextInput(attrs={"autocomplete": "name"})}
