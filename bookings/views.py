from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.decorators import approved_provider_required, customer_required, started_provider_or_other
from bookings import selectors
from bookings.forms import AcceptOfferForm, BookingFilterForm, BookingTransitionForm
from bookings.services import booking_accept_offer, booking_accept_quote, booking_offer_reopen, booking_transition
from offers.forms import QuoteAcceptForm
from offers.selectors import offer_photo_ids_expression, photo_ids, quote_offer_id
from servizo.exceptions import DomainError
from servizo.pagecache import page_cache
from servizo.pagination import page_of

PAGE_SIZE = 20
STALE_PAGE = gettext_lazy("We could not tell which terms you accepted. Review the offer below and accept again.")


@require_POST
@approved_provider_required
def booking_accept_view(request, offer_pk: int):
    form = AcceptOfferForm(request.POST)
    if not form.is_valid():
        messages.error(request, STALE_PAGE)
        return redirect("offers:detail", pk=offer_pk)
    try:
        booking = booking_accept_offer(
            offer_id=offer_pk, provider=request.user, terms_version=form.cleaned_data["terms_version"]
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("offers:detail", pk=offer_pk)
    messages.success(request, _("You accepted the offer. The customer has been asked to pay to confirm the booking."))
    return redirect("bookings:detail", pk=booking.pk)


@require_POST
@customer_required
def quote_accept_view(request, quote_pk: int):
    """The customer accepts a quote: the booking is made at its terms, and they go on to pay."""
    offer_id = quote_offer_id(quote_id=quote_pk, user=request.user)
    form = QuoteAcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("We could not tell which quote you accepted. Review the quotes and accept again."))
        return redirect("offers:detail", pk=offer_id)
    try:
        booking = booking_accept_quote(quote_id=quote_pk, customer=request.user, revision=form.cleaned_data["revision"])
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("offers:detail", pk=offer_id)
    messages.success(request, _("Quote accepted: pay now to confirm the booking."))
    return redirect("bookings:detail", pk=booking.pk)


@page_cache()
@started_provider_or_other
def booking_list(request):
    form = BookingFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    bookings = selectors.booking_list_for_party(user=request.user, status=status)
    page = page_of(bookings, per_page=PAGE_SIZE, number=request.GET.get("page"))
    query = f"status={status}" if status else ""
    return render(request, "bookings/booking_list.html", {"form": form, "page": page, "query": query})


@page_cache()
@login_required
def booking_detail(request, pk: int):
    # The page shows the provider's rating badge: its reputation row joined here, not read on its own.
    # The offer's photo ids come with the booking (offers.selectors.offer_photo_ids_expression).
    visible = (
        selectors.booking_visible_to(user=request.user)
        .select_related("provider__reputation")
        .annotate(offer_photo_ids=offer_photo_ids_expression(OuterRef("offer_id")))
    )
    booking = get_object_or_404(visible, pk=pk)
    events = selectors.booking_events(booking=booking)
    context = {
        "booking": booking,
        "events": events,
        "is_party": request.user.pk in (booking.customer_id, booking.provider_id),
        "show_contact": selectors.booking_was_paid(events=events),
        "actions": selectors.booking_actions_for(booking=booking, user=request.user),
        "offer_reopenable": selectors.booking_offer_reopenable(booking=booking, user=request.user),
        "photo_ids": photo_ids(booking.offer_photo_ids),
    }
    return render(request, "bookings/booking_detail.html", context)


@require_POST
@login_required
def booking_transition_view(request, pk: int):
    booking = get_object_or_404(selectors.booking_visible_to(user=request.user), pk=pk)
    if request.user.pk not in (booking.customer_id, booking.provider_id):
        raise PermissionDenied  # staff read the page here and act in the admin
    form = BookingTransitionForm(request.POST)
    if not form.is_valid():
        if "to_status" in form.errors:
            messages.error(request, _("That action is not available."))
        else:
            messages.error(request, _("We could not tell which state of the booking you saw. Review it and try again."))
        return redirect(booking)
    try:
        booking = booking_transition(
            booking_id=booking.pk,
            to_status=form.cleaned_data["to_status"],
            actor=request.user,
            note=form.cleaned_data["note"],
            from_status=form.cleaned_data["from_status"],
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        booking.refresh_from_db(fields=["status"])  # a cancellation's refund may have settled it already
        messages.success(
            request, _("Done: the booking is now %(status)s.") % {"status": booking.get_status_display().lower()}
        )
    return redirect(booking)


@require_POST
@login_required
def booking_offer_reopen_view(request, pk: int):
    """The customer offers a job its provider cancelled to other providers again."""
    booking = get_object_or_404(selectors.booking_visible_to(user=request.user), pk=pk)
    try:
        offer = booking_offer_reopen(booking_id=booking.pk, customer=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(booking)
    messages.success(request, _("Your offer is open to other providers again."))
    return redirect("offers:detail", pk=offer.pk)
