"""Test URLconf: the site plus stand-ins for `bookings:accept` and `bookings:detail`.

The bookings app's views are built on another branch; with these stand-ins the offer pages'
links to them can be checked here (the pages render them only when the routes exist).
"""

from django.http import HttpResponse
from django.urls import include, path

from servizo.urls import urlpatterns as site_urlpatterns


def _stand_in(request, pk):
    return HttpResponse()


bookings_stand_ins = (
    [path("<int:pk>/accept/", _stand_in, name="accept"), path("<int:pk>/", _stand_in, name="detail")],
    "bookings",
)

urlpatterns = [
    path("bookings/", include(bookings_stand_ins)),
    *(p for p in site_urlpatterns if getattr(p, "namespace", None) != "bookings"),
]
