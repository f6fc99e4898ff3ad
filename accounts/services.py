"""Writes for accounts: provider applications and their verification transitions.

Work of higher apps that must happen in the same transaction as a verification move (bookings
cancelling a suspended provider's open bookings) is registered with `register_provider_status_hook`
from that app's `AppConfig.ready()`; accounts never imports them.
"""

from collections.abc import Callable, Iterable
from functools import partial

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import (
    SERVICE_RADIUS_KM_MAX,
    SERVICE_RADIUS_KM_MIN,
    LegalPage,
    PortfolioPhoto,
    ProviderProfile,
    ProviderStatusEvent,
    ServiceCategory,
    User,
)
from accounts.selectors import user_has_verified_email
from places.models import Place
from servizo.commit import after_commit
from servizo.exceptions import DomainError, TransitionNotAllowed
from servizo.images import PreparedImage
from servizo.languages import in_language_of
from servizo.transitions import ANYONE, StatusMachine, transition

Status = ProviderProfile.Status

# (from, to) -> who may. Staff review (the admin checks the permission); resubmission (rejected ->
# pending) is the provider's own move, through `provider_resubmit`.
PROVIDER_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (Status.PENDING, Status.APPROVED): frozenset({ANYONE}),
    (Status.PENDING, Status.REJECTED): frozenset({ANYONE}),
    (Status.REJECTED, Status.PENDING): frozenset({ANYONE}),
    (Status.APPROVED, Status.SUSPENDED): frozenset({ANYONE}),
    (Status.SUSPENDED, Status.APPROVED): frozenset({ANYONE}),
}
REASON_REQUIRED = {Status.REJECTED, Status.SUSPENDED}


def _refusal(profile: ProviderProfile, to_status: str) -> str:
    return _("A provider who is %(current)s cannot become %(target)s.") % {
        "current": profile.get_status_display().lower(),
        "target": Status(to_status).label.lower(),
    }


MACHINE = StatusMachine(
    moves=PROVIDER_TRANSITIONS,
    refusal=_refusal,
    timestamps={status: "submitted_at" if status == Status.PENDING else "reviewed_at" for status in Status},
    event_model=ProviderStatusEvent,
    event_fk="profile",
    event_note_field="reason",
)

ProviderStatusHook = Callable[[ProviderProfile, ProviderStatusEvent], None]


def register_provider_status_hook(to_status: str, hook: ProviderStatusHook) -> None:
    """Run `hook(profile, event)` inside the transaction whenever a provider enters `to_status`."""
    MACHINE.register_hook(to_status, hook)


def provider_transition(*, profile_id: int, to_status: str, actor: User | None, reason: str = "") -> ProviderProfile:
    """Move a provider's verification status, with an audit row and an email on commit.

    Locks the profile row, runs the registered hooks (suspension: see README "Provider suspension");
    raises TransitionNotAllowed for a move not in PROVIDER_TRANSITIONS. The provider's notice is created
    on commit (robust): a failure to notify never undoes a committed review decision.
    """
    reason = reason.strip()
    if to_status in REASON_REQUIRED and not reason:
        raise TransitionNotAllowed(_("A reason is required."))
    with transaction.atomic():
        profile = ProviderProfile.objects.select_for_update().select_related("user").get(pk=profile_id)
        MACHINE.check(profile, to_status)
        if profile.status == Status.PENDING and not user_has_verified_email(profile.user):
            raise TransitionNotAllowed(_("The provider has not confirmed their email address yet."))
        transition(
            MACHINE,
            profile,
            to_status=to_status,
            actor=actor,
            note=reason,
            fields={"status_reason": reason},
            on_commit=[partial(_notify_provider_status, profile, to_status, reason)],
        )
    return profile


def _notify_provider_status(profile: ProviderProfile, to_status: str, reason: str) -> None:
    """The provider's notice and email, in the provider's language (not the reviewer's)."""
    from notifications.services import notification_create

    with in_language_of(profile.user):
        texts = {
            Status.APPROVED: _("Your provider account is approved. You can now see and accept offers."),
            Status.REJECTED: _(
                "Your provider application was not approved: %(reason)s. You can correct it and resubmit."
            ),
            Status.SUSPENDED: _(
                "Your provider account is suspended: %(reason)s. Your open bookings were cancelled "
                "and your earnings are held until the suspension is reviewed."
            ),
            Status.PENDING: _("Your provider application was submitted for review."),
        }
        notification_create(
            recipient=profile.user,
            kind=f"provider_{to_status}",
            text=texts[to_status] % {"reason": reason},
            link="/dashboard/",
            email=True,
        )


def provider_profile_create(
    *,
    user: User,
    base_place: Place,
    service_radius_km: int,
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
            base_place=base_place,
            service_radius_km=service_radius_km,
            service_area=service_area,
            years_experience=years_experience,
            bio=bio,
            document=document,
            status=Status.PENDING,
        )
        profile.categories.set(categories)
        MACHINE.record_event(profile, actor=user, from_status="", to_status=Status.PENDING)
    return profile


def user_settings_update(*, user: User, full_name: str, phone: str, time_zone: str, language: str = "") -> User:
    """The user's own name, phone, time zone (validated by the form: an IANA name) and language (a code of
    settings.LANGUAGES; empty: the browser's)."""
    user.full_name, user.phone, user.time_zone, user.language = full_name, phone, time_zone, language
    user.save(update_fields=["full_name", "phone", "time_zone", "language"])
    return user


def provider_resubmit(
    *,
    profile_id: int,
    actor: User,
    phone: str,
    base_place: Place,
    service_radius_km: int,
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
            raise TransitionNotAllowed(_("Only a rejected application can be corrected and resubmitted."))
        profile.base_place, profile.service_radius_km = base_place, service_radius_km
        profile.service_area = service_area
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
            after_commit(storage.delete, old_name)
    return profile


def provider_payout_account_set(*, profile_id: int, stripe_account_id: str) -> ProviderProfile:
    """Store the provider's Stripe Connect account id, once: a second call keeps the first id."""
    with transaction.atomic():
        profile = ProviderProfile.objects.select_for_update().get(pk=profile_id)
        if not profile.stripe_account_id:
            profile.stripe_account_id = stripe_account_id
            profile.save(update_fields=["stripe_account_id", "updated_at"])
    return profile


def provider_payouts_enabled_set(*, profile_id: int, enabled: bool) -> ProviderProfile:
    """Store whether the provider's Connect account can receive payouts (as Stripe last said)."""
    with transaction.atomic():
        profile = ProviderProfile.objects.select_for_update().get(pk=profile_id)
        if profile.payouts_enabled != enabled:
            profile.payouts_enabled = enabled
            profile.save(update_fields=["payouts_enabled", "updated_at"])
    return profile


def legal_page_publish(*, kind: str, body: str, actor: User) -> LegalPage:
    """Publish new terms or privacy text as the next version (signups from now on record it)."""
    with transaction.atomic():
        page = LegalPage.objects.select_for_update().filter(kind=kind).first()
        if page is None:
            page = LegalPage(kind=kind, version=0)
        page.body, page.version, page.updated_by = body.strip(), page.version + 1, actor
        page.save()
    return page


def _files_delete(*files) -> None:
    for stored in files:
        if stored:
            stored.delete(save=False)


def provider_avatar_set(*, profile_id: int, actor: User, photo: PreparedImage | None) -> ProviderProfile:
    """Replace (or, with None, remove) the provider's profile photo; the old files go once this commits."""
    with transaction.atomic():
        profile = ProviderProfile.objects.select_for_update().get(pk=profile_id)
        if profile.user_id != actor.pk:
            raise DomainError(_("This is another provider's profile."))
        old = (profile.avatar, profile.avatar_thumbnail)
        if photo is None:
            profile.avatar, profile.avatar_thumbnail, profile.avatar_content_type = "", "", ""
        else:
            profile.avatar, profile.avatar_thumbnail = photo.image, photo.thumbnail
            profile.avatar_content_type = photo.content_type
        profile.save(update_fields=["avatar", "avatar_thumbnail", "avatar_content_type", "updated_at"])
        after_commit(_files_delete, *(stored for stored in old if stored))
    return profile


def portfolio_photo_add(*, profile_id: int, actor: User, photo: PreparedImage, caption: str = "") -> PortfolioPhoto:
    """Add a photo of past work; at most PORTFOLIO_PHOTOS_MAX (checked under the profile's lock)."""
    with transaction.atomic():
        profile = ProviderProfile.objects.select_for_update().get(pk=profile_id)
        if profile.user_id != actor.pk:
            raise DomainError(_("This is another provider's profile."))
        if profile.portfolio.count() >= settings.PORTFOLIO_PHOTOS_MAX:
            raise DomainError(
                _("A portfolio holds at most %(count)s photos; remove one first.")
                % {"count": settings.PORTFOLIO_PHOTOS_MAX}
            )
        return PortfolioPhoto.objects.create(
            profile=profile,
            image=photo.image,
            thumbnail=photo.thumbnail,
            content_type=photo.content_type,
            caption=caption.strip()[:140],
        )


def portfolio_photo_remove(*, photo_id: int, actor: User) -> None:
    """Remove one of the provider's own portfolio photos (another's, or a missing one, is a DomainError)."""
    with transaction.atomic():
        photo = PortfolioPhoto.objects.filter(pk=photo_id, profile__user_id=actor.pk).first()
        if photo is None:
            raise DomainError(_("This photo is not in your portfolio."))
        photo.delete()
        after_commit(_files_delete, photo.image, photo.thumbnail)


ProviderAreaHook = Callable[[ProviderProfile], None]
_AREA_HOOKS: list[ProviderAreaHook] = []


def register_provider_area_hook(hook: ProviderAreaHook) -> None:
    """Run `hook(profile)` inside the transaction whenever a provider's base place or radius changes
    (the directory copies them onto its rows)."""
    _AREA_HOOKS.append(hook)


def provider_service_area_set(
    *, profile_id: int, actor: User, base_place: Place, service_radius_km: int
) -> ProviderProfile:
    """The provider moves their base place or changes how far they travel; their feed follows at once."""
    if not SERVICE_RADIUS_KM_MIN <= service_radius_km <= SERVICE_RADIUS_KM_MAX:
        raise DomainError(
            _("Choose a radius from %(low)s to %(high)s km.")
            % {"low": SERVICE_RADIUS_KM_MIN, "high": SERVICE_RADIUS_KM_MAX}
        )
    with transaction.atomic():
        profile = ProviderProfile.objects.select_for_update().get(pk=profile_id, user_id=actor.pk)
        profile.base_place, profile.service_radius_km = base_place, service_radius_km
        profile.save(update_fields=["base_place", "service_radius_km", "updated_at"])
        for hook in _AREA_HOOKS:
            hook(profile)
    return profile
