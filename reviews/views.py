"""Thin views: find the object among the user's own (others get 404), call one service, report."""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.decorators import approved_provider_required, customer_required
from accounts.models import ProviderProfile
from accounts.selectors import portfolio_list
from bookings.models import Booking
from directory.models import price_level
from directory.selectors import provider_response_minutes
from reviews import selectors, services
from reviews.forms import CustomerRatingForm, ReplyForm, ReviewForm
from reviews.models import Review
from reviews.signals import profile_pages
from servizo.exceptions import DomainError
from servizo.pagecache import page_cache
from servizo.pagination import KnownCountPaginator, page_of

PROFILE_PAGE_SIZE = 10
LIST_PAGE_SIZE = 20
SORT_LABELS = {
    "recent": gettext_lazy("Most recent"),
    "highest": gettext_lazy("Highest rated"),
    "lowest": gettext_lazy("Lowest rated"),
}


def profile_url(provider_id: int, review_id: int | None = None) -> str:
    url = reverse("reviews:provider_profile", args=[provider_id])
    return f"{url}#review-{review_id}" if review_id else url


def _form_page(
    request,
    *,
    form,
    check: Callable[[], None],
    save: Callable[[dict], object],
    refused_url: str,
    success_url: Callable[[object], str],
    success_message: str,
    context: dict,
) -> HttpResponse:
    """Shared flow of the write pages: refuse early with the rule's message, else show/submit the form."""
    try:
        check()
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(refused_url)
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except DomainError as error:  # lost a race (e.g. submitted twice): nothing was written
            messages.error(request, str(error))
        else:
            messages.success(request, success_message)
            return redirect(success_url(result))
    return render(request, "reviews/form.html", {"form": form, **context})


@customer_required
def review_create(request, pk: int) -> HttpResponse:
    booking = get_object_or_404(Booking.objects.select_related("provider"), pk=pk, customer=request.user)
    existing = Review.objects.filter(booking=booking).only("pk").first()
    return _form_page(
        request,
        form=ReviewForm(request.POST or None),
        check=lambda: services.review_create_check(booking=booking, customer=request.user),
        save=lambda data: services.review_create(booking_id=booking.pk, customer=request.user, **data),
        refused_url=reverse("reviews:edit", args=[existing.pk]) if existing else reverse("dashboard"),
        success_url=lambda review: profile_url(booking.provider_id, review.pk),
        success_message=_("Thank you! Your review is published."),
        context={"title": _("Review %(provider)s") % {"provider": booking.provider}, "booking": booking},
    )


@customer_required
def review_edit(request, pk: int) -> HttpResponse:
    review = get_object_or_404(Review.objects.select_related("booking", "provider"), pk=pk, customer=request.user)
    initial = {"rating": review.rating, "comment": review.comment}
    return _form_page(
        request,
        form=ReviewForm(request.POST or None, initial=initial),
        check=lambda: services.review_update_check(review=review, customer=request.user),
        save=lambda data: services.review_update(review_id=review.pk, customer=request.user, **data),
        refused_url=profile_url(review.provider_id, review.pk),
        success_url=lambda saved: profile_url(saved.provider_id, saved.pk),
        success_message=_("Your review is updated."),
        context={
            "title": _("Edit your review of %(provider)s") % {"provider": review.provider},
            "booking": review.booking,
            "review": review,
        },
    )


@approved_provider_required
def review_reply(request, pk: int) -> HttpResponse:
    review = get_object_or_404(Review.objects.select_related("booking", "customer"), pk=pk, provider=request.user)
    return _form_page(
        request,
        form=ReplyForm(request.POST or None, initial={"seen_version": services.review_version(review)}),
        check=lambda: services.review_reply_check(review=review, provider=request.user),
        save=lambda data: services.review_reply(review_id=review.pk, provider=request.user, **data),
        refused_url=profile_url(review.provider_id, review.pk),
        success_url=lambda reply: profile_url(review.provider_id, review.pk),
        success_message=_("Your reply is published."),
        context={"title": _("Reply to a review"), "booking": review.booking, "review": review},
    )


@approved_provider_required
def customer_rate(request, pk: int) -> HttpResponse:
    booking = get_object_or_404(Booking.objects.select_related("customer"), pk=pk, provider=request.user)
    return _form_page(
        request,
        form=CustomerRatingForm(request.POST or None),
        check=lambda: services.customer_rate_check(booking=booking, provider=request.user),
        save=lambda data: services.customer_rate(booking_id=booking.pk, provider=request.user, **data),
        refused_url=reverse("dashboard"),
        success_url=lambda rating: reverse("dashboard"),
        success_message=_("Thanks — your rating of the customer is saved (only staff read the note)."),
        context={"title": _("Rate %(customer)s") % {"customer": booking.customer.get_short_name()}, "booking": booking},
    )


@page_cache(shared=(profile_pages,))
def provider_profile(request, pk: int) -> HttpResponse:
    """Public profile of an approved provider; anyone else's pk is a 404."""
    try:
        profile = selectors.provider_profile_get(provider_id=pk)
    except ProviderProfile.DoesNotExist:
        raise Http404("No approved provider here.") from None
    sort = request.GET.get("sort") if request.GET.get("sort") in selectors.REVIEW_SORTS else "recent"
    reviews = selectors.provider_review_list(provider_id=pk, viewer=request.user, sort=sort)
    count = selectors.provider_review_count(provider=profile.user, viewer=request.user)
    page = KnownCountPaginator(reviews, PROFILE_PAGE_SIZE, count=count).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/provider_profile.html",
        {
            "profile": profile,
            "provider": profile.user,
            "reputation": selectors.provider_reputation_get(provider=profile.user),
            "completed_jobs": selectors.provider_completed_jobs_count(provider_id=pk),
            "portfolio": portfolio_list(profile_id=profile.pk),
            "response_minutes": provider_response_minutes(provider=profile.user),
            "price_level": price_level(profile.hourly_rate_cents),
            "page": page,
            "sort": sort,
            "sorts": SORT_LABELS,
            "query": f"sort={sort}",
        },
    )


@customer_required
def my_reviews(request) -> HttpResponse:
    """The reviews a customer wrote, with each provider's current rating."""
    reviews = selectors.customer_review_list(customer=request.user)
    page = page_of(reviews, per_page=LIST_PAGE_SIZE, number=request.GET.get("page"))
    return render(request, "reviews/my_reviews.html", {"page": page})
