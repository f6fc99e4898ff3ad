"""Test URLconf: the real site plus a minimal `offers:detail` page with the Accept button.

The offers pages are built on another branch; this stand-in lets the accept view's
redirect and the browser journey run here. Listed first, it wins over the real one.
"""

from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.urls import include, path, reverse
from django.utils.html import format_html

from offers.models import Offer
from servizo.urls import urlpatterns as site_urlpatterns


def offer_detail_stub(request, pk: int) -> HttpResponse:
    offer = get_object_or_404(Offer, pk=pk)
    return HttpResponse(
        format_html(
            '<h1>{}</h1><form method="post" action="{}"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<button type="submit">Accept</button></form>',
            offer.title,
            reverse("bookings:accept", args=[offer.pk]),
            get_token(request),
        )
    )


offers_stub = ([path("<int:pk>/", offer_detail_stub, name="detail")], "offers")
urlpatterns = [path("offers/", include(offers_stub)), *site_urlpatterns]
