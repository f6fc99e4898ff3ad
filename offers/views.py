from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import approved_provider_required, customer_required
from accounts.models import ServiceCategory
from offers import selectors, services
from offers.forms import DeclineForm, FeedFilterForm, OfferForm
from offers.models import Offer
from places.models import Place
from servizo.exceptions import DomainError
from servizo.pagination import page_of

PAGE_SIZE = 20


def _page(request, queryset):
    """One page of `queryset`, plus the other GET parameters for the pagination links."""
    query = request.GET.copy()
    query.pop("page", None)
    return page_of(queryset, per_page=PAGE_SIZE, number=request.GET.get("page")), query.urlencode()


def _save_offer(form: OfferForm, save):
    """Run `save(terms)` for a valid form; rule violations become field errors. Returns the offer or None."""
    if not form.is_valid():
        return None
    try:
        return save(form.terms())
    except ValidationError as error:
        form.add_error(None, error)
    except DomainError as error:
        form.add_error(None, str(error))
    return None


@customer_required
def offer_create(request):
    """Publish an offer. When no provider would see it, the form comes back with a warning first and
    publishes only when the customer confirms ("publish anyway"). `?provider=<id>` (the profile's
    "Request this provider") sends it to that provider first; the rule then checks they serve it."""
    form = OfferForm(request.POST or None)
    provider = None
    if "provider" in request.GET:
        provider = selectors.requestable_provider_get(provider_id=request.GET["provider"])
        form.limit_to_provider(provider)
    reach = None
    if request.method == "POST" and form.is_valid():
        reach = selectors.offer_reach(category=form.cleaned_data["category"], place=form.cleaned_data["place"])
        if provider or reach.count or request.POST.get("publish_anyway"):
            ask = form.provider_request(provider) if provider else None
            offer = _save_offer(
                form, lambda terms: services.offer_create(customer=request.user, terms=terms, request=ask)
            )
            if offer is not None:
                if provider is None:
                    messages.success(request, f"Your offer is live. {reach.message}")
                else:
                    messages.success(request, f"Your offer is sent to {provider}; we let you know when they answer.")
                return redirect("offers:detail", pk=offer.pk)
    context = {"form": form, "reach": reach, "max_price_cents": settings.OFFER_MAX_PRICE_CENTS, "requested": provider}
    return render(request, "offers/form.html", context)


@customer_required
def offer_reach(request):
    """The form's live "N providers serve this place" (`?category=<id>&place=<id>`)."""
    category = ServiceCategory.objects.filter(pk=_int(request.GET.get("category")), is_active=True).first()
    place = Place.objects.filter(pk=_int(request.GET.get("place"))).first()
    if category is None or place is None:
        return JsonResponse({"error": "Choose a category and a city."}, status=400)
    reach = selectors.offer_reach(category=category, place=place)
    return JsonResponse({"count": reach.count, "message": reach.message})


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@customer_required
def offer_edit(request, pk: int):
    offer = selectors.offer_get_owned(customer=request.user, offer_id=pk)
    if not offer.is_open:
        messages.error(request, "Only an open offer can be edited.")
        return redirect("offers:detail", pk=offer.pk)
    form = OfferForm(request.POST or None, instance=offer)
    if request.method == "POST":
        saved = _save_offer(form, lambda terms: services.offer_update(offer_id=pk, customer=request.user, terms=terms))
        if saved is not None:
            messages.success(request, "Offer updated.")
            return redirect("offers:detail", pk=pk)
    return render(request, "offers/form.html", {"form": form, "offer": offer})


@customer_required
def offer_withdraw(request, pk: int):
    """GET asks for confirmation; POST withdraws."""
    offer = selectors.offer_get_owned(customer=request.user, offer_id=pk)
    if request.method == "POST":
        try:
            services.offer_withdraw(offer_id=pk, customer=request.user)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("offers:detail", pk=pk)
        messages.success(request, f"“{offer.title}” was withdrawn; providers no longer see it.")
        return redirect("offers:mine")
    if not offer.is_open:
        messages.error(request, "Only an open offer can be withdrawn.")
        return redirect("offers:detail", pk=pk)
    return render(request, "offers/withdraw_confirm.html", {"offer": offer})


@login_required
def offer_detail(request, pk: int):
    offer = selectors.offer_get_for_viewer(user=request.user, offer_id=pk)
    context = {"offer": offer, "is_owner": offer.customer_id == request.user.pk}
    if not context["is_owner"]:
        context["decline_form"] = DeclineForm()
    return render(request, "offers/detail.html", context)


@approved_provider_required
@require_POST
def offer_decline(request, pk: int):
    form = DeclineForm(request.POST)
    if not form.is_valid():
        if "terms_version" in form.errors:
            messages.error(request, "We could not tell which terms you declined. Review the offer and decline again.")
        else:
            messages.error(request, "Keep the reason under 500 characters.")
        return redirect("offers:detail", pk=pk)
    try:
        services.offer_decline(
            offer_id=pk,
            provider=request.user,
            terms_version=form.cleaned_data["terms_version"],
            reason=form.cleaned_data["reason"],
        )
    except Offer.DoesNotExist as error:
        raise Http404("No offer found.") from error
    except services.TermsChanged as error:
        messages.error(request, str(error))
        return redirect("offers:detail", pk=pk)  # the page shows the new terms
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Offer declined: it won't show in your feed again.")
    return redirect("offers:feed")


@approved_provider_required
def offer_feed(request):
    filters = FeedFilterForm(request.GET, provider=request.user)
    offers = selectors.offer_feed(provider=request.user, **filters.filters())
    page, query = _page(request, offers)
    return render(
        request,
        "offers/feed.html",
        {"filters": filters, "page": page, "query": query, "live": page.number == 1},
    )


@customer_required
def offer_mine(request):
    page, query = _page(request, selectors.offer_list_for_customer(customer=request.user))
    return render(request, "offers/mine.html", {"page": page, "query": query})
