"""Who may act right now: the one rule for suspended providers and deactivated accounts.

`provider_standing` answers "may this user act as a provider now, and if not, why"; `account_standing`
answers the same for any account (a deactivated user — `is_active=False` — may do nothing). Every entry
point asks these (views through `accounts.decorators`, services and sockets directly, payouts through
`provider_standing_rule` on rows it already read), so the rule lives here and only here. See the README,
"Provider suspension", for what a suspension does to a provider's bookings, chats and money.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import ProviderProfile, User
from servizo.exceptions import TransitionNotAllowed

Status = ProviderProfile.Status

INACTIVE = _("This account is deactivated.")
NOT_PROVIDER = _("Only approved providers can do this.")
NOT_APPROVED = _("Only approved providers can do this; your application is not approved yet.")
SUSPENDED = _("Your provider account is suspended, so you cannot do this now.")


class NotInGoodStanding(TransitionNotAllowed):
    """The account (or the provider behind it) may not act now; the message says why."""


@dataclass(frozen=True)
class Standing:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed

    def require(self) -> None:
        """Raise NotInGoodStanding with the reason unless allowed."""
        if not self.allowed:
            raise NotInGoodStanding(self.reason)


GOOD = Standing(True)


def provider_standing_rule(*, is_active: bool, role: str, status: str | None) -> Standing:
    """The rule on plain values (for callers that read them in bulk or in their own query)."""
    if not is_active:
        return Standing(False, INACTIVE)
    if role != User.Role.PROVIDER or status is None:
        return Standing(False, NOT_PROVIDER)
    if status == Status.SUSPENDED:
        return Standing(False, SUSPENDED)
    if status != Status.APPROVED:
        return Standing(False, NOT_APPROVED)
    return GOOD


def providers_in_good_standing() -> Q:
    """`provider_standing_rule` as a filter on User, for queries that pick many providers at once."""
    return Q(is_active=True, role=User.Role.PROVIDER, provider_profile__status=Status.APPROVED)


def provider_standing(user: User, *, fresh: bool = False) -> Standing:
    """May `user` act as a provider now, and if not, why.

    Reads the user and profile as loaded (a request's user is loaded per request). `fresh=True`
    reads both from the database, for objects that live long (a socket's user) and for services
    that must decide on the committed state.
    """
    if not user.is_authenticated:
        return Standing(False, NOT_PROVIDER)
    if fresh:
        row = User.objects.filter(pk=user.pk).values_list("is_active", "role", "provider_profile__status").first()
        if row is None:
            return Standing(False, INACTIVE)
        is_active, role, status = row
    else:
        profile = getattr(user, "provider_profile", None) if user.is_provider else None
        is_active, role, status = user.is_active, user.role, profile.status if profile is not None else None
    return provider_standing_rule(is_active=is_active, role=role, status=status)


def account_standing(user: User, *, fresh: bool = False) -> Standing:
    """May `user` act at all now: deactivated accounts may not (a provider also needs `provider_standing`)."""
    if not user.is_authenticated:
        return Standing(False, INACTIVE)
    is_active = user.is_active
    if fresh:
        is_active = User.objects.filter(pk=user.pk, is_active=True).exists()
    return GOOD if is_active else Standing(False, INACTIVE)
