from urllib.parse import quote

from allauth.account.views import SignupView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache

from accounts.decorators import provider_required
from accounts.documents import document_kind
from accounts.forms import CustomerSignupForm, ProviderAreaForm, ProviderResubmitForm, ProviderSignupForm
from accounts.landing import anonymous_landing_html, landing_context
from accounts.models import ProviderProfile
from accounts.selectors import provider_status_history, user_has_verified_email
from accounts.services import provider_resubmit, provider_service_area_set
from servizo.exceptions import DomainError


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
                messages.success(request, "Thank you. Your application is back in the review queue.")
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
            messages.success(request, "Your service area is saved.")
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
        file = profile.document.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    kind = document_kind(file)
    # The bytes were checked at upload; check again so nothing else is ever sent as a document.
    if kind is None:
        file.close()
        raise Http404
    filename = f"provider-{profile.pk}-document.{kind.extension}"
    if settings.PRIVATE_MEDIA_ACCEL_REDIRECT:
        # nginx sends the bytes from its internal location; this process only authorizes.
        file.close()
        response = HttpResponse(content_type=kind.content_type)
        response["X-Accel-Redirect"] = settings.PRIVATE_MEDIA_ACCEL_REDIRECT + quote(profile.document.name)
        response["Content-Disposition"] = content_disposition_header(False, filename)
    else:
        response = FileResponse(file, content_type=kind.content_type, as_attachment=False, filename=filename)
    response["Content-Security-Policy"] = "sandbox"
    return response
