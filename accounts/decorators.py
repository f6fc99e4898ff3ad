"""Role checks for views: a user of the wrong role gets 403, an anonymous one the login page."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from accounts.models import User
from accounts.policies import account_standing, provider_standing


def _has_role(user, role: str, *, approved: bool) -> bool:
    """The role check; `approved` asks the provider policy (a suspended provider is refused)."""
    if user.role != role or not account_standing(user):
        return False
    return bool(provider_standing(user)) if approved else True


def role_required(role: str, *, approved: bool = False):
    """Decorator: the user must be logged in with `role` (and, for providers, maybe approved)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not _has_role(request.user, role, approved=approved):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


customer_required = role_required(User.Role.CUSTOMER)
provider_required = role_required(User.Role.PROVIDER)
approved_provider_required = role_required(User.Role.PROVIDER, approved=True)
