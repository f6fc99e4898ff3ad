from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from bookings.selectors import booking_visible_to
from disputes.forms import DisputeOpenForm, DisputeRespondForm
from disputes.selectors import dispute_for_booking, dispute_photo_visible_to
from disputes.services import dispute_may_open, dispute_open, dispute_respond
from servizo.exceptions import DomainError
from servizo.files import private_file_response


def _party_booking(request, booking_pk: int, *, side: str):
    """The booking if the user is its `side` party; another user's booking does not exist (staff: 403)."""
    booking = get_object_or_404(booking_visible_to(user=request.user), pk=booking_pk)
    if getattr(booking, f"{side}_id") != request.user.pk:
        raise PermissionDenied
    return booking


@login_required
def dispute_open_view(request, booking_pk: int):
    booking = _party_booking(request, booking_pk, side="customer")
    if not dispute_may_open(booking=booking, user=request.user):
        messages.error(request, _("A problem can be reported from the start of the job until the payment is released."))
        return redirect(booking)
    form = DisputeOpenForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            dispute_open(
                booking_id=booking.pk,
                customer=request.user,
                reason=form.cleaned_data["reason"],
                description=form.cleaned_data["description"],
                photos=form.cleaned_data["photos"],
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Problem reported. The payment is held and the provider has been told."))
        return redirect(booking)
    return render(request, "disputes/open.html", {"booking": booking, "form": form})


@login_required
def dispute_respond_view(request, booking_pk: int):
    booking = _party_booking(request, booking_pk, side="provider")
    dispute = dispute_for_booking(booking=booking)
    if dispute is None:
        raise Http404
    form = DisputeRespondForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            dispute_respond(
                booking_id=booking.pk,
                provider=request.user,
                response=form.cleaned_data["response"],
                photos=form.cleaned_data["photos"],
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Response sent. Servizo staff will review both sides and decide."))
        return redirect(booking)
    return render(request, "disputes/respond.html", {"booking": booking, "dispute": dispute, "form": form})


@never_cache
@login_required
def dispute_photo(request, pk: int, thumbnail: bool = False):
    """A photo (or its thumbnail) for the booking's parties and staff who may read bookings; 404 to anyone else."""
    photo = get_object_or_404(dispute_photo_visible_to(user=request.user), pk=pk)
    return private_file_response(photo.thumbnail if thumbnail else photo.image, content_type=photo.content_type)
