"""Writes for accounts: provider verification transitions."""

from django.db import transaction
from django.utils import timezone

from accounts.models import ProviderProfile, ProviderStatusEvent, User
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


def provider_transition(*, profile_id: int, to_status: str, actor: User | None, reason: str = "") -> ProviderProfile:
    """Move a provider's verification status, with an audit row and an email on commit.

    Locks the profile row; raises TransitionNotAllowed for a move not in PROVIDER_TRANSITIONS.
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
        profile.status = to_status
        profile.status_reason = reason
        now = timezone.now()
        if to_status == Status.PENDING:
            profile.submitted_at = now
        else:
            profile.reviewed_at = now
        profile.save(update_fields=["status", "status_reason", "submitted_at", "reviewed_at", "updated_at"])
        ProviderStatusEvent.objects.create(
            profile=profile, actor=actor, from_status=from_status, to_status=to_status, reason=reason
        )
        transaction.on_commit(lambda: _notify_provider_status(profile, to_status, reason))
    return profile


def _notify_provider_status(profile: ProviderProfile, to_status: str, reason: str) -> None:
    from notifications.services import notification_create

    texts = {
        Status.APPROVED: "Your provider account is approved. You can now see and accept offers.",
        Status.REJECTED: f"Your provider application was not approved: {reason}. You can correct it and resubmit.",
        Status.SUSPENDED: f"Your provider account is suspended: {reason}.",
        Status.PENDING: "Your provider application was submitted for review.",
    }
    notification_create(
        recipient=profile.user,
        kind=f"provider_{to_status}",
        text=texts[to_status],
        link="/dashboard/",
        email=True,
    )
