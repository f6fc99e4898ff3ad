from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.decorators import approved_provider_required, customer_required
from accounts.models import ProviderProfile, ServiceCategory
from offers import live, quote_services, selectors, services
from offers.forms import DeclineForm, FeedFilterForm, OfferForm, QuoteDeclineForm, QuoteForm
from offers.models import Offer
from places.models import Place
from servizo.converters import MAX_ID
from servizo.exceptions import DomainError
from servizo.files import private_file_response
from servizo.pagecache import page_cache
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


def _repost_initial(request, source: str) -> dict:
    """ "Post again": the form's starting values from one of the customer's closed offers (dates left
    for the customer to choose); nothing is copied in the database until the form is submitted."""
    if not source.isdigit() or int(source) > MAX_ID:
        raise Http404("No offer found.")
    offer = selectors.offer_get_owned(customer=request.user, offer_id=int(source))
    if offer.is_open or offer.is_accepted:
        return {}
    return {name: getattr(offer, name) for name in OfferForm.REPOST_FIELDS}


@customer_required
def offer_create(request):
    """Publish an offer. When no provider would see it, the form comes back with a warning first and
    publishes only when the customer confirms ("publish anyway"). `?provider=<id>` (the profile's
    "Request this provider") sends it to that provider first; the rule then checks they serve it.
    `?from=<id>` of a withdrawn or expired offer prefills the form ("Post again")."""
    source = request.GET.get("from") if request.method == "GET" else None
    initial = _repost_initial(request, source) if source else None
    form = OfferForm(request.POST or None, request.FILES or None, initial=initial)
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
                form,
                lambda terms: services.offer_create(
                    customer=request.user, terms=terms, request=ask, **form.photo_changes()
                ),
            )
            if offer is not None:
                if provider is None:
                    messages.success(request, _("Your offer is live. %(reach)s") % {"reach": reach.message})
                else:
                    messages.success(
                        request,
                        _("Your offer is sent to %(provider)s; we let you know when they answer.")
                        % {"provider": provider},
                    )
                return redirect("offers:detail", pk=offer.pk)
    context = {"form": form, "reach": reach, "max_price_cents": settings.OFFER_MAX_PRICE_CENTS, "requested": provider}
    return render(request, "offers/form.html", context)


@customer_required
def offer_reach(request):
    """The form's live "N providers serve this place" (`?category=<id>&place=<id>`)."""
    category = ServiceCategory.objects.filter(pk=_int(request.GET.get("category")), is_active=True).first()
    place = Place.objects.filter(pk=_int(request.GET.get("place"))).first()
    if category is None or place is None:
        return JsonResponse({"error": _("Choose a category and a city.")}, status=400)
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
        messages.error(request, _("Only an open offer can be edited."))
        return redirect("offers:detail", pk=offer.pk)
    form = OfferForm(request.POST or None, request.FILES or None, instance=offer)
    if request.method == "POST":
        saved = _save_offer(
            form,
            lambda terms: services.offer_update(
                offer_id=pk, customer=request.user, terms=terms, **form.photo_changes()
            ),
        )
        if saved is not None:
            messages.success(request, _("Offer updated."))
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
        messages.success(request, _("“%(title)s” was withdrawn; providers no longer see it.") % {"title": offer.title})
        return redirect("offers:mine")
    if not offer.is_open:
        messages.error(request, _("Only an open offer can be withdrawn."))
        return redirect("offers:detail", pk=pk)
    return render(request, "offers/withdraw_confirm.html", {"offer": offer})


def _quotes_context(offer: Offer) -> dict:
    """The customer's quote list (offers/_quotes.html): capped, with whether more exist."""
    quotes = selectors.quotes_for_customer(offer=offer)
    return {
        "offer": offer,
        "quotes": quotes[: selectors.QUOTES_SHOWN],
        "more_quotes": len(quotes) > selectors.QUOTES_SHOWN,
        "quote_decline_form": QuoteDeclineForm(),
    }


def _render_detail(request, offer: Offer, *, quote_form: QuoteForm | None = None):
    context = {
        "offer": offer,
        "is_owner": offer.customer_id == request.user.pk,
        "photo_ids": selectors.photo_ids(offer.photo_ids),
    }
    if context["is_owner"]:
        context |= _quotes_context(offer)
    else:
        my_quote = selectors.quote_for_provider(offer=offer, provider=request.user)
        initial = {"terms_version": offer.terms_version, "price_cents": offer.price_cents}
        if my_quote is not None:
            initial |= {field: getattr(my_quote, field) for field in QuoteForm.Meta.fields}
        context |= {
            "decline_form": DeclineForm(),
            "my_quote": my_quote,
            "quote_form": quote_form or QuoteForm(initial=initial),
        }
    return render(request, "offers/detail.html", context)


def _prefetch_categories(user) -> None:
    """One read of a provider's profile with its base place, and one of its categories, for the matching
    rule, which this page asks more than once (the page itself, the chat panel)."""
    if not user.is_provider:
        return
    profile = ProviderProfile.objects.select_related("base_place").filter(user=user).first()
    if profile is not None:
        user.provider_profile = profile
        prefetch_related_objects([profile], "categories")


@login_required
def offer_detail(request, pk: int):
    _prefetch_categories(request.user)
    return _render_detail(request, selectors.offer_get_for_viewer(user=request.user, offer_id=pk))


@customer_required
def offer_quotes(request, pk: int):
    """The owner's quote list alone: the offer page reloads it when a quote arrives or changes (live)."""
    offer = selectors.offer_get_owned(customer=request.user, offer_id=pk)
    return render(request, "offers/_quotes.html", _quotes_context(offer))


@approved_provider_required
@require_POST
def quote_send(request, pk: int):
    _prefetch_categories(request.user)
    offer = selectors.offer_get_for_viewer(user=request.user, offer_id=pk)
    form = QuoteForm(request.POST)
    if form.is_valid():
        try:
            quote_services.quote_send(
                offer_id=pk,
                provider=request.user,
                terms_version=form.cleaned_data["terms_version"],
                terms=form.terms(),
            )
        except services.TermsChanged as error:
            messages.error(request, str(error))
            return redirect("offers:detail", pk=pk)  # the page shows the new terms
        except ValidationError as error:
            form.add_error(None, error)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Quote sent: the customer sees it now and can accept it."))
            return redirect("offers:detail", pk=pk)
    return _render_detail(request, offer, quote_form=form)


@approved_provider_required
@require_POST
def quote_withdraw(request, pk: int):
    offer_id = selectors.quote_offer_id(quote_id=pk, user=request.user)
    try:
        quote_services.quote_withdraw(quote_id=pk, provider=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Quote withdrawn."))
    return redirect("offers:detail", pk=offer_id)


@customer_required
@require_POST
def quote_decline(request, pk: int):
    offer_id = selectors.quote_offer_id(quote_id=pk, user=request.user)
    form = QuoteDeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Keep the reason under 500 characters."))
        return redirect("offers:detail", pk=offer_id)
    try:
        quote_services.quote_decline(quote_id=pk, customer=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Quote declined; the provider has been told."))
    return redirect("offers:detail", pk=offer_id)


@approved_provider_required
@require_POST
def offer_decline(request, pk: int):
    form = DeclineForm(request.POST)
    if not form.is_valid():
        if "terms_version" in form.errors:
            messages.error(
                request, _("We could not tell which terms you declined. Review the offer and decline again.")
            )
        else:
            messages.error(request, _("Keep the reason under 500 characters."))
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
        messages.success(request, _("Offer declined: it won't show in your feed again."))
    return redirect("offers:feed")


@page_cache(shared=(live.FEED_PAGES,))
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


@page_cache()
@customer_required
def offer_mine(request):
    page, query = _page(request, selectors.offer_list_for_customer(customer=request.user))
    return render(request, "offers/mine.html", {"page": page, "query": query})


@never_cache
@login_required
def offer_photo(request, pk: int, thumbnail: bool = False):
    """An offer photo (or its thumbnail) for whoever may see the offer; 404 to anyone else."""
    photo = selectors.offer_photo_for_viewer(user=request.user, photo_id=pk)
    return private_file_response(photo.thumbnail if thumbnail else photo.image, content_type=photo.content_type)
