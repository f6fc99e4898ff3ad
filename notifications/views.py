from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from notifications.models import Notification
from notifications.selectors import notifications_for
from notifications.services import notification_mark_all_read, notification_mark_read
from servizo.pagination import page_of

NOTIFICATIONS_PER_PAGE = 25


@login_required
def notification_list(request):
    page = page_of(
        notifications_for(recipient=request.user), per_page=NOTIFICATIONS_PER_PAGE, number=request.GET.get("page")
    )
    return render(request, "notifications/list.html", {"page": page})


@require_POST
@login_required
def notification_read(request, pk: int):
    """Mark one read; with `open`, go on to the notification's link (a local path only)."""
    try:
        notification = notification_mark_read(recipient=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404("No such notification.") from None
    if "open" in request.POST and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
        return redirect(notification.link)
    return redirect("notifications:list")


@require_POST
@login_required
def notification_read_all(request):
    count = notification_mark_all_read(recipient=request.user)
    messages.success(
        request,
        ngettext("Marked %(count)d notification as read.", "Marked %(count)d notifications as read.", count)
        % {"count": count},
    )
    return redirect("notifications:list")
