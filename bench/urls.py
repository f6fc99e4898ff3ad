"""The project's URLs plus `/bench/bare/`: a view that does nothing, behind all the project's middleware."""

from django.http import HttpResponse
from django.urls import path

from servizo.urls import *  # noqa: F403
from servizo.urls import urlpatterns as project_urlpatterns


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *project_urlpatterns]
