"""Role checks for views: a user of the wrong role gets 403, an anonymous one the login page.

A provider who may not use a provider page yet (application pending or rejected) or now (suspended)
gets a page saying why and when it opens (`provider_not_ready`), not the generic 403.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from accounts.models import User
from accounts.policies import account_standing, provider_standing


def provider_not_ready(request, *, require_approved: bool):
    """The "not available yet/now" page for a provider, or None if the provider may see the page.

    `require_approved`: the page needs a provider in good standing now (feed, accept); otherwise it
    needs one who has been approved at some point (jobs and earnings stay readable while suspended).
    """
    user = request.user
    profile = getattr(user, "provider_profile", None)
    started = profile is not None and profile.has_started
    if bool(provider_standing(user)) if require_approved else started:
        return None
    return render(request, "accounts/provider_not_ready.html", {"profile": profile}, status=403)


def _has_role(user, role: str) -> bool:
    return user.role == role and bool(account_standing(user))


def role_required(role: str, *, approved: bool = False, started: bool = False):
    """Decorator: the user must be logged in with `role`; a provider maybe approved now or before."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not _has_role(request.user, role):
                raise PermissionDenied
            if approved or started:
                refusal = provider_not_ready(request, require_approved=approved)
                if refusal is not None:
                    return refusal
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def started_provider_or_other(view):
    """Decorator for pages every role has (the bookings list): an applicant provider sees why not yet."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if request.user.is_provider:
            refusal = provider_not_ready(request, require_approved=False)
            if refusal is not None:
                return refusal
        return view(request, *args, **kwargs)

    return wrapped


customer_required = role_required(User.Role.CUSTOMER)
provider_required = role_required(User.Role.PROVIDER)
started_provider_required = role_required(User.Role.PROVIDER, started=True)
approved_provider_required = role_required(User.Role.PROVIDER, approved=True)
