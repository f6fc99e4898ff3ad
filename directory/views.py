from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.decorators import approved_provider_required
from directory import selectors, services
from directory.forms import DirectoryFilterForm, HourlyRateForm
from servizo.pagination import page_of

PAGE_SIZE = 20


def directory_list(request):
    """The public directory: anyone may search approved providers."""
    filters = DirectoryFilterForm(request.GET)
    query = request.GET.copy()
    query.pop("page", None)
    page = page_of(selectors.directory_search(**filters.filters()), per_page=PAGE_SIZE, number=request.GET.get("page"))
    selectors.listings_trades_attach(page)
    return render(request, "directory/list.html", {"filters": filters, "page": page, "query": query.urlencode()})


@approved_provider_required
def hourly_rate_edit(request):
    profile = request.user.provider_profile
    form = HourlyRateForm.for_profile(profile, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_hourly_rate_set(
                provider=request.user, hourly_rate_cents=form.cleaned_data["hourly_rate_cents"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your hourly rate is saved."))
            return redirect("reviews:provider_profile", pk=request.user.pk)
    return render(request, "directory/rate_form.html", {"form": form})
