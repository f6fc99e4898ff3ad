from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token

from servizo.admin import admin_site
from servizo.health import health_problems


def permission_denied(request, exception=None):
    """403 page; inside the operator console it keeps the console's look (its own template)."""
    context = {"reason": str(exception) if exception is not None else ""}
    if request.path.startswith(reverse("admin:index")):
        return render(request, "admin/403.html", {**admin_site.each_context(request), **context}, status=403)
    return render(request, "403.html", context, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request):
    # Rendered without context processors' database work: the failure may be there.
    return render(request, "500.html", status=500)


@never_cache
def healthz(request):
    """For nginx or a load balancer: 200 when database, Redis and worker are fine, else 503 naming what failed."""
    problems = health_problems()
    failed = {name: reason for name, reason in problems.items() if reason}
    body = {"status": "fail" if failed else "ok", "checks": {name: reason or "ok" for name, reason in problems.items()}}
    if failed:
        body["failed"] = sorted(failed)
    return JsonResponse(body, status=503 if failed else 200)


def favicon(request):
    """/favicon.ico, which browsers and crawlers ask for whatever a page links: the static icon."""
    return redirect(static("favicon/favicon.ico"), permanent=True)
