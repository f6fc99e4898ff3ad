from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request):
    # Rendered without context processors' database work: the failure may be there.
    return render(request, "500.html", status=500)
