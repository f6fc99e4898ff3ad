from allauth.account.internal.flows.email_verification import send_verification_email_for_user
from allauth.account.internal.stagekit import unstash_login
from allauth.account.views import SignupView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.decorators import provider_required
from accounts.documents import document_kind
from accounts.forms import (
    AccountSettingsForm,
    AvatarForm,
    CustomerSignupForm,
    PortfolioPhotoForm,
    ProviderAreaForm,
    ProviderResubmitForm,
    ProviderSignupForm,
)
from accounts.landing import anonymous_landing_html, landing_context
from accounts.models import LegalPage, ProviderProfile
from accounts.selectors import (
    legal_page,
    portfolio_list,
    portfolio_photo_for_viewer,
    provider_profile_for_photo,
    provider_status_history,
    user_has_verified_email,
)
from accounts.services import (
    portfolio_photo_add,
    portfolio_photo_remove,
    provider_avatar_set,
    provider_resubmit,
    provider_service_area_set,
    user_settings_update,
)
from servizo.converters import parse_id
from servizo.exceptions import DomainError
from servizo.files import private_file_response
from servizo.pagecache import page_cache


@page_cache()
def home(request):
    """The landing page: what Servizo is and the categories one can ask for (anonymous: accounts.landing)."""
    if request.user.is_authenticated or len(messages.get_messages(request)):
        return render(request, "home.html", landing_context())
    return HttpResponse(anonymous_landing_html(request))


class RoleSignupView(SignupView):
    """allauth's signup with this view's own form (ACCOUNT_FORMS['signup'] serves the chooser URL)."""

    def get_form_class(self):
        return self.form_class


class CustomerSignupView(RoleSignupView):
    form_class = CustomerSignupForm
    template_name = "account/signup_customer.html"


class ProviderSignupView(RoleSignupView):
    form_class = ProviderSignupForm
    template_name = "account/signup_provider.html"


@page_cache()
@login_required
def dashboard(request):
    """One URL for everyone: each role lands on its own dashboard; unapproved providers on their status."""
    user = request.user
    if user.is_provider:
        profile = getattr(user, "provider_profile", None)
        if profile is None or not profile.is_approved:
            return redirect("provider_status")
        return render(request, "accounts/provider_dashboard.html", {"profile": profile})
    if user.is_staff and not user.is_customer:
        return redirect("admin:index")
    return render(request, "accounts/customer_dashboard.html")


@login_required
def account_settings(request):
    """The user's name, phone, time zone and language (from now on the language of their pages too)."""
    form = AccountSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = user_settings_update(user=request.user, **form.cleaned_data)
        response = redirect("account_settings")
        if user.language:  # from now on; empty: the browser's again
            translation.activate(user.language)
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
        else:
            translation.activate(translation.get_language_from_request(request))
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        messages.success(request, _("Your settings are saved."))
        return response
    return render(request, "accounts/settings.html", {"form": form})


@provider_required
def provider_status(request):
    """Where a provider's application stands and what happens next; a rejected one is corrected here."""
    profile = get_object_or_404(ProviderProfile, user=request.user)
    form = None
    if profile.status == profile.Status.REJECTED:
        bound = request.method == "POST"
        form = ProviderResubmitForm(request.POST if bound else None, request.FILES if bound else None, profile=profile)
        if bound and form.is_valid():
            try:
                provider_resubmit(
                    profile_id=profile.pk,
                    actor=request.user,
                    phone=form.cleaned_data["phone"],
                    **form.cleaned_details(),
                )
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Thank you. Your application is back in the review queue."))
            return redirect("provider_status")
    context = {
        "profile": profile,
        "form": form,
        "email_verified": user_has_verified_email(request.user),
        "events": provider_status_history(profile_id=profile.pk),
    }
    return render(request, "accounts/provider_status.html", context)


@provider_required
def provider_area(request):
    """The provider's base place and service radius: which offers they see."""
    profile = get_object_or_404(ProviderProfile.objects.select_related("base_place"), user=request.user)
    initial = {"base_place": profile.base_place, "service_radius_km": profile.service_radius_km}
    form = ProviderAreaForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            provider_service_area_set(profile_id=profile.pk, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your service area is saved."))
            return redirect("dashboard")
    return render(request, "accounts/provider_area.html", {"form": form, "profile": profile})


@never_cache
@login_required
def provider_document(request, pk: int):
    """Stream a provider's document to its owner or to reviewing staff; to anyone else it does not exist."""
    profile = get_object_or_404(ProviderProfile, pk=pk)
    user = request.user
    reviewer = user.is_staff and user.has_perm("accounts.view_providerprofile")
    if not (reviewer or profile.user_id == user.pk) or not profile.document:
        raise Http404
    try:
        with profile.document.open("rb") as file:
            kind = document_kind(file)
    except FileNotFoundError:
        raise Http404 from None
    # The bytes were checked at upload; check again so nothing else is ever sent as a document.
    if kind is None:
        raise Http404
    filename = f"provider-{profile.pk}-document.{kind.extension}"
    return private_file_response(profile.document, content_type=kind.content_type, filename=filename)


# Public photos may be kept by the browser this long: a suspension hides them within minutes.
PUBLIC_PHOTO_MAX_AGE = 300


def _photo_action(request, profile: ProviderProfile, forms: dict) -> str | None:
    """Run the POSTed photo action; returns a success message, or None when a form has errors to show."""
    action = request.POST.get("action")
    if action == "avatar":
        form = forms["avatar_form"] = AvatarForm(request.POST, request.FILES)
        if not form.is_valid():
            return None
        provider_avatar_set(profile_id=profile.pk, actor=request.user, photo=form.cleaned_data["avatar"])
        return _("Profile photo saved.")
    if action == "avatar_remove":
        provider_avatar_set(profile_id=profile.pk, actor=request.user, photo=None)
        return _("Profile photo removed.")
    if action == "portfolio_add":
        form = forms["portfolio_form"] = PortfolioPhotoForm(request.POST, request.FILES)
        if not form.is_valid():
            return None
        portfolio_photo_add(profile_id=profile.pk, actor=request.user, **form.cleaned_data)
        return _("Photo added to your portfolio.")
    if action == "portfolio_remove":
        portfolio_photo_remove(photo_id=parse_id(request.POST.get("photo")) or 0, actor=request.user)
        return _("Photo removed from your portfolio.")
    raise DomainError(_("Unknown request."))


@provider_required
def provider_photos(request):
    """The provider's profile photo and portfolio: upload and remove (public once approved)."""
    profile = get_object_or_404(ProviderProfile, user=request.user)
    forms = {"avatar_form": AvatarForm(), "portfolio_form": PortfolioPhotoForm()}
    if request.method == "POST":
        try:
            done = _photo_action(request, profile, forms)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("provider_photos")
        if done:
            messages.success(request, done)
            return redirect("provider_photos")
        profile.refresh_from_db()
    context = {
        **forms,
        "profile": profile,
        "portfolio": portfolio_list(profile_id=profile.pk),
        "portfolio_max": settings.PORTFOLIO_PHOTOS_MAX,
    }
    return render(request, "accounts/provider_photos.html", context)


def provider_avatar(request, pk: int, thumbnail: bool = False):
    """A provider's profile photo: public while they are approved; before, the provider's and staff's only."""
    profile = provider_profile_for_photo(viewer=request.user, profile_id=pk)
    if profile is None:
        raise Http404
    stored = profile.avatar_thumbnail if thumbnail else profile.avatar
    return private_file_response(stored, content_type=profile.avatar_content_type, max_age=PUBLIC_PHOTO_MAX_AGE)


def portfolio_photo(request, pk: int, thumbnail: bool = False):
    """A portfolio photo, visible as the provider's profile photo is."""
    photo = portfolio_photo_for_viewer(viewer=request.user, photo_id=pk)
    if photo is None:
        raise Http404
    stored = photo.thumbnail if thumbnail else photo.image
    return private_file_response(stored, content_type=photo.content_type, max_age=PUBLIC_PHOTO_MAX_AGE)


def legal_page_view(request, kind: str):
    """/terms/ and /privacy/: the text operators publish in the admin (or the default)."""
    page = legal_page(kind)
    return render(request, "accounts/legal_page.html", {"page": page, "title": LegalPage.Kind(kind).label})


@require_POST
def email_verification_resend(request):
    """ "Send the link again" on the Check-your-inbox page, for the login waiting on verification in this
    session (allauth keeps it there); allauth's `confirm_email` rate limit decides whether a mail leaves.

    Uses allauth's internal flow helpers: 65.x has no public "resend to a user not logged in yet".
    """
    login = unstash_login(request, peek=True)
    if login is None or login.user is None:
        messages.info(request, _("Log in again and we'll send the confirmation link."))
        return redirect("account_login")
    if not send_verification_email_for_user(request, login.user):  # allauth adds "sent" when it sends
        messages.warning(request, _("We sent a link a few minutes ago. Check your spam folder, or try again shortly."))
    return redirect("account_email_verification_sent")
