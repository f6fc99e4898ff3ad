import json
import logging

import stripe
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import (
    approved_provider_required,
    customer_required,
    provider_required,
    started_provider_required,
)
from accounts.policies import provider_standing
from bookings.models import Booking
from payments import selectors
from payments.cancellation import cancellation_policy_example
from payments.forms import PayForm
from payments.models import Payment, SavedCard, StripeEvent
from payments.receipts import render_pdf
from payments.services.cards import card_list, card_remove
from payments.services.checkout import PaymentDeclined, card_setup_create, payment_checkout, payment_sync
from payments.services.connect import connect_account_refresh, connect_onboarding_link
from payments.services.webhooks import stripe_event_receive
from payments.stripe_gateway import PaymentServiceUnavailable
from servizo.exceptions import DomainError
from servizo.pagecache import page_cache
from servizo.pagination import page_of

logger = logging.getLogger(__name__)
PAGE_SIZE = 20
EVENT_FIELD_MAX = StripeEvent._meta.get_field("event_id").max_length


def _customer_booking(request, pk: int) -> Booking:
    return get_object_or_404(Booking.objects.select_related("provider", "category"), pk=pk, customer=request.user)


@customer_required
@require_http_methods(["GET", "POST"])
def pay(request, pk: int):
    """The pay page: booking summary, saved cards, a new-card form; 3-D Secure when Stripe asks.

    GET only reads our rows (the booking, the last attempt, the cards the customer kept); POST charges
    through one service.
    """
    booking = _customer_booking(request, pk)
    context = {
        "booking": booking,
        "stripe_js_url": settings.STRIPE_JS_URL,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
    }
    if request.method == "POST":
        form = PayForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.non_field_errors()))
            return redirect("payments:pay", pk=pk)
        try:
            result = payment_checkout(
                booking_id=booking.pk,
                customer=request.user,
                payment_method_id=form.cleaned_data["payment_method"],
                setup_intent_id=form.cleaned_data["setup_intent"],
                save_card=form.cleaned_data["save_card"],
            )
        except (PaymentDeclined, PaymentServiceUnavailable, DomainError) as error:
            messages.error(request, str(error))
            return redirect("payments:pay", pk=pk)
        if result.action_secret:
            return render(request, "payments/pay.html", {**context, "action_secret": result.action_secret})
        _tell_outcome(request, result.payment)
        return redirect("payments:pay", pk=pk)
    if booking.status == Booking.Status.AWAITING_PAYMENT:
        context["cards"] = card_list(user=request.user)
        context["card_form"] = True
    context["payment"] = selectors.booking_payment_latest(booking=booking)
    return render(request, "payments/pay.html", context)


@customer_required
@require_POST
def card_setup(request, pk: int):
    """JSON for the card form, called when it is submitted: a fresh SetupIntent's client secret."""
    booking = _customer_booking(request, pk)
    if booking.status != Booking.Status.AWAITING_PAYMENT:
        return JsonResponse({"error": _("This booking is not waiting for payment.")}, status=409)
    try:
        return JsonResponse({"client_secret": card_setup_create(user=request.user)})
    except PaymentServiceUnavailable as error:
        return JsonResponse({"error": str(error)}, status=503)


@customer_required
@require_POST
def pay_return(request, pk: int):
    """Back from 3-D Secure (the page posts here): read the outcome from Stripe. Never trusts the browser."""
    booking = _customer_booking(request, pk)
    try:
        payment = payment_sync(booking_id=booking.pk) or selectors.booking_payment_latest(booking=booking)
    except PaymentServiceUnavailable as error:
        messages.error(request, str(error))
    else:
        _tell_outcome(request, payment)
    return redirect("payments:pay", pk=pk)


def _tell_outcome(request, payment: Payment | None) -> None:
    """One message saying how the booking's payment attempt ended (nothing if there is none)."""
    if payment is None:
        return
    if payment.status == Payment.Status.SUCCEEDED:
        messages.success(request, _("Payment received: the money is held in escrow until the job is done."))
    elif payment.status == Payment.Status.FAILED:
        messages.error(request, payment.failure_text or _("The payment failed. Please try another card."))
    elif payment.status == Payment.Status.REQUIRES_ACTION:
        messages.warning(request, _("Authentication was not completed. Please try again."))


@customer_required
@require_GET
def cards(request):
    """The customer's saved cards, each with a Remove button."""
    return render(request, "payments/cards.html", {"cards": card_list(user=request.user)})


@customer_required
@require_POST
def card_delete(request, pk: int):
    """Remove a saved card (detached at Stripe first: if Stripe fails, the card stays listed)."""
    try:
        card = card_remove(user=request.user, card_id=pk)
    except SavedCard.DoesNotExist as error:
        raise Http404 from error
    except DomainError as error:  # PaymentServiceUnavailable included
        messages.error(request, _("The card was not removed: %(error)s") % {"error": error})
    else:
        messages.success(request, _("%(card)s was removed.") % {"card": f"{card.brand.title()} •••• {card.last4}"})
    return redirect("payments:cards")


def _receipt_context(request, pk: int) -> dict:
    receipt = selectors.receipt_for(user=request.user, booking_id=pk)
    if receipt is None:
        raise Http404("No receipt")
    return {"receipt": receipt, "booking": receipt.booking, "payment": receipt.payment}


@login_required
@require_GET
def receipt(request, pk: int):
    """A paid booking's receipt, for its customer, its provider and staff who may read bookings (else 404)."""
    return render(request, "payments/receipt.html", _receipt_context(request, pk))


@login_required
@require_GET
def receipt_pdf(request, pk: int):
    """The same receipt as a PDF download (WeasyPrint)."""
    context = _receipt_context(request, pk)
    html = render_to_string("payments/receipt_pdf.html", context, request=request)
    response = HttpResponse(render_pdf(html, base_url=request.build_absolute_uri("/")), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{context["payment"].receipt_number}.pdf"'
    return response


@csrf_exempt
@require_POST
def webhook(request):
    """Stripe → us. Signature checked (tampered or stale: 400); the event is stored and answered 200 at once,
    and a worker handles it once by id (payments.services.webhooks)."""
    signature = request.headers.get("Stripe-Signature", "")
    try:
        body = request.body.decode()
        stripe.WebhookSignature.verify_header(
            body, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=stripe.Webhook.DEFAULT_TOLERANCE
        )
    except (ValueError, stripe.SignatureVerificationError):
        return HttpResponseBadRequest("Invalid signature")
    try:
        payload = json.loads(body)
        event_id, event_type = payload["id"], payload["type"]
    except (ValueError, TypeError, KeyError):
        payload = event_id = event_type = None
    if not all(isinstance(value, str) and 0 < len(value) <= EVENT_FIELD_MAX for value in (event_id, event_type)):
        return HttpResponseBadRequest("Not a Stripe event")  # signed, yet no id and type we could store
    try:
        stripe_event_receive(event_id=event_id, event_type=event_type, payload=payload)
    except Exception:
        logger.exception("Stripe event %s could not be stored; Stripe will retry", event_id)
        return HttpResponse("Could not store the event", status=500)
    return HttpResponse("ok")


@page_cache()
@started_provider_required
def earnings(request):
    page = page_of(
        selectors.provider_earning_lines(provider=request.user), per_page=PAGE_SIZE, number=request.GET.get("page")
    )
    context = {
        "balance": selectors.provider_balance(provider=request.user),
        "page": page,
        "lines": [{"booking": booking, "money": selectors.money_line(booking)} for booking in page],
        "profile": request.user.provider_profile,
        # Payouts skip a provider who may not act now (payments.services.payouts): say so here.
        "payouts_held": not provider_standing(request.user),
        "CURRENCY_CODE": settings.CURRENCY,
    }
    return render(request, "payments/earnings.html", context)


@customer_required
def history(request):
    lines = selectors.customer_payment_lines(customer=request.user)
    page = page_of(lines, per_page=PAGE_SIZE, number=request.GET.get("page"))
    return render(request, "payments/history.html", {"page": page})


@approved_provider_required
@require_http_methods(["GET", "POST"])
def connect(request):
    """Set up payouts: create the Express account once and send the provider to Stripe's onboarding."""
    if request.method == "GET":
        return render(request, "payments/connect.html", {"profile": request.user.provider_profile})
    try:
        url = connect_onboarding_link(
            provider=request.user,
            refresh_url=request.build_absolute_uri(reverse("payments:connect")),
            return_url=request.build_absolute_uri(reverse("payments:connect_return")),
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("payments:connect")
    return redirect(url)


@provider_required
@require_GET
def connect_return(request):
    """Stripe sends the provider back here with a plain redirect, so this GET stores what Stripe says
    about the account (idempotent, the same as the `account.updated` webhook); the URL carries nothing."""
    profile = request.user.provider_profile
    try:
        if profile.stripe_account_id:
            profile = connect_account_refresh(account_id=profile.stripe_account_id)
    except PaymentServiceUnavailable as error:
        messages.error(request, str(error))
        return redirect("payments:connect")
    if profile.payouts_enabled:
        messages.success(request, _("Payouts are set up: released earnings will be transferred to your account."))
    else:
        messages.warning(request, _("Stripe still needs some details before payouts can start."))
    return redirect("payments:earnings")


@require_GET
def cancellation_policy(request):
    """The published cancellation policy, with the current settings and an example in money (public)."""
    context = {
        "free_hours": settings.CANCELLATION_FREE_HOURS,
        "fee_bp": settings.CANCELLATION_LATE_FEE_BP,
        "commission_bp": settings.PLATFORM_COMMISSION_BP,
        "example": cancellation_policy_example(),
        "example_price": 10_000,
    }
    return render(request, "payments/cancellation_policy.html", context)
