"""Writes for accounts: provider applications and their verification transitions.

Work of higher apps that must happen in the same transaction as a verification move (bookings
cancelling a suspended provider's open bookings) is registered with `register_provider_status_hook`
from that app's `AppConfig.ready()`; accounts never imports them.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from accounts.models import ProviderProfile, ProviderStatusEvent, ServiceCategory, User
from accounts.selectors import user_has_verified_email
from servizo.exceptions import TransitionNotAllowed

Status = ProviderProfile.Status

# from-status -> statuses it may move to. Resubmission (rejected -> pending) is the provider's own move.
PROVIDER_TRANSITIONS: dict[str, set[str]] = {
    Status.PENDING: {Status.APPROVED, Status.REJECTED},
    Status.REJECTED: {Status.PENDING},
    Status.APPROVED: {Status.SUSPENDED},
    Status.SUSPENDED: {Status.APPROVED},
}
REASON_REQUIRED = {Status.REJECTED, Status.SUSPENDED}

ProviderStatusHook = Callable[[ProviderProfile, ProviderStatusEvent], None]
_hooks: dict[str, list[ProviderStatusHook]] = defaultdict(list)


def register_provider_status_hook(to_status: str, hook: ProviderStatusHook) -> None:
    """Run `hook(profile, event)` inside the transaction whenever a provider enters `to_status`."""
    if hook not in _hooks[to_status]:
        _hooks[to_status].append(hook)


def provider_transition(*, profile_id: int, to_status: str, actor: User | None, reason: str = "") -> ProviderProfile:
    """Move a provider's verification status, with an audit row and an email on commit.

    Locks the profile row, runs the registered hooks (suspension: see README "Provider suspension");
    raises TransitionNotAllowed for a move not in PROVIDER_TRANSITIONS.
    """
    reason = reason.strip()
    if to_status in REASON_REQUIRED and not reason:
        raise TransitionNotAllowed("A reason is required.")
    with transaction.atomic():
        profile = ProviderProfile.objects.select_for_update().select_related("user").get(pk=profile_id)
        from_status = profile.status
        if to_status not in PROVIDER_TRANSITIONS.get(from_status, set()):
            current, target = profile.get_status_display().lower(), Status(to_status).label.lower()
            raise TransitionNotAllowed(f"A provider who is {current} cannot become {target}.")
        if from_status == Status.PENDING and not user_has_verified_email(profile.user):
            raise TransitionNotAllowed("The provider has not confirmed their email address yet.")
        profile.status = to_status
        profile.status_reason = reason
        now = timezone.now()
        if to_status == Status.PENDING:
            profile.submitted_at = now
        else:
            profile.reviewed_at = now
        profile.save(update_fields=["status", "status_reason", "submitted_at", "reviewed_at", "updated_at"])
        event = ProviderStatusEvent.objects.create(
            profile=profile, actor=actor, from_status=from_status, to_status=to_status, reason=reason
        )
        for hook in _hooks[to_status]:
            hook(profile, event)
        transaction.on_commit(lambda: _notify_provider_status(profile, to_status, reason), robust=True)
    return profile


def _notify_provider_status(profile: ProviderProfile, to_status: str, reason: str) -> None:
    from notifications.services import notification_create

    texts = {
        Status.APPROVED: "Your provider account is approved. You can now see and accept offers.",
        Status.REJECTED: f"Your provider application was not approved: {reason}. You can correct it and resubmit.",
        Status.SUSPENDED: f"Your provider account is suspended: {reason}. Your open bookings were cancelled "
        "and your earnings are held until the suspension is reviewed.",
        Status.PENDING: "Your provider application was submitted for review.",
    }
    notification_create(
        recipient=profile.user,
        kind=f"provider_{to_status}",
        text=texts[to_status],
        link="/dashboard/",
        email=True,
    )


def provider_profile_create(
    *,
    user: User,
    city: str,
    service_area: str,
    categories: Iterable[ServiceCategory],
    years_experience: int,
    bio: str,
    document: File | None,
) -> ProviderProfile:
    """Open a provider application (status pending) with the submission recorded as its first event."""
    with transaction.atomic():
        profile = ProviderProfile.objects.create(
            user=user,
            city=city,
            service_area=service_area,
            years_experience=years_experience,
            bio=bio,
            document=document,
            status=Status.PENDING,
        )
        profile.categories.set(categories)
        ProviderStatusEvent.objects.create(profile=profile, actor=user, from_status="", to_status=Status.PENDING)
    return profile


def provider_resubmit(
    *,
    profile_id: int,
    actor: User,
    phone: str,
    city: str,
    service_area: str,
    categories: Iterable[ServiceCategory],
    years_experience: int,
    bio: str,
    document: File | None = None,
) -> ProviderProfile:
    """A rejected provider corrects the application and sends it back for review.

    The corrections and the move to pending commit together, or not at all
    (TransitionNotAllowed if the profile is not rejected). `document=None` keeps the current file.
    """
    with transaction.atomic():
        profile = ProviderProfile.objects.select_for_update().select_related("user").get(pk=profile_id)
        if profile.status != Status.REJECTED:
            raise TransitionNotAllowed("Only a rejected application can be corrected and resubmitted.")
        profile.city, profile.service_area = city, service_area
        profile.years_experience, profile.bio = years_experience, bio
        old_name = profile.document.name
        if document is not None:
            profile.document = document
        profile.save()
        profile.categories.set(categories)
        profile.user.phone = phone
        profile.user.save(update_fields=["phone"])
        profile = provider_transition(profile_id=profile.pk, to_status=Status.PENDING, actor=actor)
        if document is not None and old_name:
            storage = profile.document.storage
            transaction.on_commit(lambda: storage.delete(old_name), robust=True)
    return profile
