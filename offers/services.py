"""Writes for offers. Offer status moves only through `offer_transition`.

Every service locks the offer with `select_for_update()` inside `transaction.atomic()`. Business
rules on an offer's terms are checked here (`offer_terms_check`), raising a `ValidationError`
keyed by field name so the form shows them next to the right field. Live-feed pushes and
notifications go out on commit (see `offers.live`).

Providers act on the terms they saw: an edit that changes the deal bumps `Offer.terms_version`
under the row lock, and accept/decline pass the version they were shown to
`offer_terms_version_check`, which refuses a stale one (`TermsChanged`) under the same lock.

An offer sent to one provider from the directory (`ProviderRequest`) is announced to the others when
that provider's window ends (`offers_announce_due`, on the beat) or at once when they decline it.
"""

import datetime
from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import ServiceCategory, User
from accounts.policies import account_standing, provider_standing
from directory.services import response_record
from notifications.services import notification_create
from offers import live
from offers.locks import lock_offer
from offers.models import Offer, OfferDecline, OfferEvent, OfferPhoto
from offers.selectors import NOT_AVAILABLE, provider_offer_access, providers_matching_offer
from places.models import Place
from servizo.commit import after_commit
from servizo.exceptions import DomainError, TransitionNotAllowed
from servizo.images import PreparedImage
from servizo.languages import in_language_of
from servizo.money import format_money
from servizo.timezones import local_instant
from servizo.transitions import ANYONE, StatusMachine, transition

S = Offer.Status

# (from, to) -> who may (who acts is checked by each service: the customer withdraws, a provider accepts).
# accepted -> open: the booking made from it was cancelled unpaid, so the offer goes back on the market.
OFFER_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.OPEN, S.ACCEPTED): frozenset({ANYONE}),
    (S.OPEN, S.WITHDRAWN): frozenset({ANYONE}),
    (S.OPEN, S.EXPIRED): frozenset({ANYONE}),
    (S.ACCEPTED, S.OPEN): frozenset({ANYONE}),
}
MACHINE = StatusMachine(
    moves=OFFER_TRANSITIONS,
    refusal=lambda offer, to_status: _("This offer is %(status)s.") % {"status": offer.get_status_display().lower()},
    event_model=OfferEvent,
    event_fk="offer",
)

# How far ahead a customer may ask for a job.
MAX_DAYS_AHEAD = 365

# The offer fields a booking copies: changing any of them changes the deal and bumps
# `terms_version`. "Open until" is left out: it says how long the offer is available, not what it is.
DEAL_FIELDS = ("category", "title", "description", "address", "place", "preferred_date", "time_window", "price_cents")


# What a provider whose terms were stale is asked to do again (`TermsChanged`), by action.
TRY_AGAIN = {
    "accept": gettext_lazy("Review the new terms and accept again."),
    "decline": gettext_lazy("Review the new terms and decline again."),
    "quote": gettext_lazy("Review the new terms and quote again."),
}


class TermsChanged(DomainError):
    """The provider acted on a version of the offer's terms that the customer has since changed."""

    def __init__(self, *, offer: Offer, action: str):
        self.offer = offer
        changed = _("The customer changed this offer since you opened it: now %(price)s on %(when)s, in %(place)s.")
        when = f"{date_format(offer.preferred_date, 'D j M Y')}, {offer.get_time_window_display()}"
        price = format_money(offer.price_cents, offer.currency)
        super().__init__(f"{changed % {'price': price, 'when': when, 'place': offer.place_label}} {TRY_AGAIN[action]}")


def offer_terms_version_check(*, offer: Offer, terms_version: int, action: str) -> None:
    """Raise TermsChanged unless `terms_version` is the locked offer's current one.

    `action` (a key of TRY_AGAIN) ends the message. The caller holds the offer's row lock.
    """
    if terms_version != offer.terms_version:
        raise TermsChanged(offer=offer, action=action)


def offer_transition(*, offer: Offer, to_status: str, actor: User | None, note: str = "") -> Offer:
    """Move a locked offer (caller holds `select_for_update` inside `transaction.atomic`).

    Records an OfferEvent; raises TransitionNotAllowed for a move not in OFFER_TRANSITIONS.
    On commit, open feeds drop the offer (or show it again when it reopens).
    """
    feeds = live.offer_changed_sender(offer=offer, groups=live.offer_feed_groups(offer))
    transition(MACHINE, offer, to_status=to_status, actor=actor, note=note, on_commit=[feeds])
    return offer


@dataclass(frozen=True, kw_only=True)
class OfferTerms:
    """What the customer asks for; the same fields on create and edit."""

    category: ServiceCategory
    title: str
    description: str
    address: str
    place: Place
    preferred_date: datetime.date
    time_window: str
    price_cents: int
    expires_at: datetime.datetime | None = None  # None: until the end of the preferred date

    def model_fields(self, *, expires_at: datetime.datetime) -> dict:
        """Field values for the Offer row, with the checked expiry filled in."""
        return {**{f.name: getattr(self, f.name) for f in fields(self)}, "expires_at": expires_at}


def end_of_day(day: datetime.date, time_zone: str) -> datetime.datetime:
    """Midnight at the end of `day` at the job's place (its zone; the default 'open until')."""
    return local_instant(day + datetime.timedelta(days=1), datetime.time.min, time_zone)


def offer_terms_check(*, terms: OfferTerms) -> datetime.datetime:
    """Raise ValidationError (keyed by field) for terms we refuse; return the effective expiry."""
    now = timezone.now()
    today = timezone.localdate(now)
    errors: dict[str, str] = {}
    if not terms.category.is_active:
        errors["category"] = _("This category is not available any more.")
    if terms.price_cents <= 0:
        errors["price_cents"] = _("Enter a price above zero.")
    elif terms.price_cents > settings.OFFER_MAX_PRICE_CENTS:
        limit = format_money(settings.OFFER_MAX_PRICE_CENTS, settings.CURRENCY)
        errors["price_cents"] = _("The most an offer can be is %(limit)s.") % {"limit": limit}
    if terms.preferred_date < today:
        errors["preferred_date"] = _("Choose today or a later date.")
    elif terms.preferred_date > today + datetime.timedelta(days=MAX_DAYS_AHEAD):
        errors["preferred_date"] = _("Choose a date within %(days)s days.") % {"days": MAX_DAYS_AHEAD}
    expires_at = None
    if "preferred_date" not in errors:  # the expiry is judged against a valid date only (9999-12-31 has no end)
        last = end_of_day(terms.preferred_date, terms.place.time_zone)
        expires_at = terms.expires_at or last
        if expires_at <= now:
            errors["expires_at"] = _("Choose a time in the future.")
        elif expires_at > last:
            errors["expires_at"] = _("An offer cannot stay open past its preferred date.")
    if errors:
        raise ValidationError(errors)
    return expires_at


def _notify_matching_providers(offer: Offer, *, skip_requested: bool = False) -> None:
    """Notify the providers the matching rule gives this offer now (only the requested one, in its window),
    each in their language."""
    link = reverse("offers:detail", args=[offer.pk])
    for provider in providers_matching_offer(offer=offer):
        requested = provider.pk == offer.requested_provider_id
        if requested and skip_requested:
            continue
        with in_language_of(provider):
            names = {
                "title": offer.title,
                "place": offer.place_label,
                "price": format_money(offer.price_cents, offer.currency),
                "category": offer.category.display_name,
                "customer": offer.customer,
            }
            if requested:
                kind, text = "offer_requested", _("%(customer)s asked you for “%(title)s” (%(place)s, %(price)s).")
            else:
                kind, text = "offer_published", _("New offer in %(category)s, %(place)s: “%(title)s” for %(price)s.")
        notification_create(recipient=provider, kind=kind, text=(text % names)[:500], link=link)


def _photos_delete_files(photos: list[OfferPhoto]) -> None:
    for photo in photos:
        photo.image.delete(save=False)
        photo.thumbnail.delete(save=False)


def too_many_photos(*, kept: int) -> str:
    """The error for adding photos past OFFER_PHOTOS_MAX to an offer that keeps `kept`."""
    limit = settings.OFFER_PHOTOS_MAX
    return ngettext(
        "An offer can have at most %(limit)s photo; it has %(kept)s. Remove some to add others.",
        "An offer can have at most %(limit)s photos; it has %(kept)s. Remove some to add others.",
        limit,
    ) % {"limit": limit, "kept": kept}


def offer_photos_change(
    *, offer: Offer, add: Sequence[PreparedImage] = (), remove_ids: Collection[int] = ()
) -> list[OfferPhoto]:
    """Remove then add photos on a locked offer (the caller holds its lock); returns the photos added.

    Raises ValidationError on `photos` when the offer would have more than OFFER_PHOTOS_MAX. Removed
    photos' files are deleted once the transaction commits.
    """
    removed = list(offer.photos.filter(pk__in=remove_ids)) if remove_ids else []
    kept = offer.photos.count() - len(removed)
    if kept + len(add) > settings.OFFER_PHOTOS_MAX:
        raise ValidationError({"photos": too_many_photos(kept=kept)})
    if removed:
        OfferPhoto.objects.filter(pk__in=[photo.pk for photo in removed]).delete()
        after_commit(_photos_delete_files, removed)
    return [
        OfferPhoto.objects.create(
            offer=offer, image=photo.image, thumbnail=photo.thumbnail, content_type=photo.content_type
        )
        for photo in add
    ]


@dataclass(frozen=True, kw_only=True)
class ProviderRequest:
    """A customer's "Request this provider": `window` None means this provider only, for the offer's life."""

    provider: User
    window: datetime.timedelta | None

    def exclusive_until(self, *, now: datetime.datetime, expires_at: datetime.datetime) -> datetime.datetime | None:
        if self.window is None:
            return None
        return min(now + self.window, expires_at)


def _require_requested_provider_matches(offer: Offer) -> None:
    """Raise ValidationError (the caller's transaction rolls back) unless the rule gives the saved offer
    to its requested provider: the customer cannot send a provider a job outside their trades or area."""
    provider = offer.requested_provider
    if not provider_offer_access(provider=provider, offer_id=offer.pk, fresh=True):
        raise ValidationError(
            _("%(provider)s does not take jobs in this trade and place; choose one of theirs or post to everyone.")
            % {"provider": provider}
        )


def offer_create(
    *,
    customer: User,
    terms: OfferTerms,
    photos: Sequence[PreparedImage] = (),
    request: ProviderRequest | None = None,
) -> Offer:
    """Publish an offer (with up to OFFER_PHOTOS_MAX photos): it goes live in matching providers' feeds
    and they are notified.

    With a `request`, it goes to that provider alone (notified at once) until the window ends; then
    `offers_announce_due` tells everyone else matching. The requested provider must match the offer
    under the one rule (offers.selectors), checked on the new row: a ValidationError otherwise.
    """
    if not customer.is_customer:
        raise DomainError(_("Only customers can post offers."))
    account_standing(customer, fresh=True).require()
    expires_at = offer_terms_check(terms=terms)
    now = timezone.now()
    with transaction.atomic():
        offer = Offer(customer=customer, currency=settings.CURRENCY, **terms.model_fields(expires_at=expires_at))
        if request is None:
            offer.announced_at = now
        else:
            offer.requested_provider = request.provider
            offer.exclusive_until = request.exclusive_until(now=now, expires_at=expires_at)
        offer.save()
        if request is not None:
            _require_requested_provider_matches(offer)
        offer_photos_change(offer=offer, add=photos)
        _notify_matching_providers(offer)
        live.broadcast_offer_changed(offer=offer, groups=live.offer_feed_groups(offer))
    return offer


def _announce(offer: Offer) -> None:
    """Open a locked offer whose requested provider's window is over to everyone matching, once."""
    offer.announced_at = timezone.now()
    offer.save(update_fields=["announced_at", "updated_at"])
    _notify_matching_providers(offer, skip_requested=True)
    live.broadcast_offer_changed(offer=offer, groups=live.offer_feed_groups(offer))


def offers_announce_due(*, batch_size: int = 100) -> int:
    """Announce open offers whose requested provider's window has ended (beat, every minute); returns how many.

    Each batch locks its offers, so an accept racing the switch-over either wins first (the offer is no
    longer open and is skipped) or waits and then finds the offer open to everyone. Matching never waits
    for this job: the window is compared with the clock in the rule itself; this only sends the news.
    """
    announced = 0
    while True:
        with transaction.atomic():
            now = timezone.now()
            due = list(
                Offer.objects.select_for_update()
                .filter(status=S.OPEN, announced_at__isnull=True, exclusive_until__lte=now, expires_at__gt=now)
                .order_by("pk")[:batch_size]
            )
            for offer in due:
                _announce(offer)
        announced += len(due)
        if len(due) < batch_size:
            return announced


def _lock_own_offer(*, offer_id: int, customer: User) -> Offer:
    offer = lock_offer(offer_id)
    if offer.customer_id != customer.pk:
        raise DomainError(_("This offer belongs to another customer."))
    account_standing(customer, fresh=True).require()
    return offer


def _require_open(offer: Offer) -> None:
    if offer.status == S.OPEN and not offer.is_open:
        raise TransitionNotAllowed(_("This offer has expired."))
    if offer.status != S.OPEN:
        raise TransitionNotAllowed(
            _("This offer is %(status)s and can no longer change.") % {"status": offer.get_status_display().lower()}
        )


def offer_update(
    *,
    offer_id: int,
    customer: User,
    terms: OfferTerms,
    photos: Sequence[PreparedImage] = (),
    remove_photo_ids: Collection[int] = (),
) -> Offer:
    """Edit an open offer and its photos (frozen once accepted, withdrawn or expired); feeds show the new
    version. Photos are illustration, not terms: changing them leaves `terms_version` alone."""
    expires_at = offer_terms_check(terms=terms)
    with transaction.atomic():
        offer = _lock_own_offer(offer_id=offer_id, customer=customer)
        _require_open(offer)
        old_groups = live.offer_feed_groups(offer)
        values = terms.model_fields(expires_at=expires_at)
        if any(getattr(offer, name) != values[name] for name in DEAL_FIELDS):
            offer.terms_version += 1
        for field, value in values.items():
            setattr(offer, field, value)
        offer.save()
        offer_photos_change(offer=offer, add=photos, remove_ids=remove_photo_ids)
        if offer.is_exclusive:
            _require_requested_provider_matches(offer)
        live.broadcast_offer_changed(offer=offer, groups=old_groups | live.offer_feed_groups(offer))
    return offer


def offer_withdraw(*, offer_id: int, customer: User) -> Offer:
    """Take an open offer off the market. Withdrawing twice is a no-op."""
    with transaction.atomic():
        offer = _lock_own_offer(offer_id=offer_id, customer=customer)
        if offer.status == S.WITHDRAWN:
            return offer
        _require_open(offer)
        return offer_transition(offer=offer, to_status=S.WITHDRAWN, actor=customer, note="Withdrawn by the customer.")


def offer_decline(*, offer_id: int, provider: User, terms_version: int, reason: str = "") -> OfferDecline:
    """Hide an offer from this provider's feed and tell the customer how many have declined (never who).

    `terms_version` is the version the provider saw; a stale one raises TermsChanged.
    Declining twice returns the first decline and sends nothing new. A suspended provider may not decline.
    """
    provider_standing(provider, fresh=True).require()
    with transaction.atomic():
        offer = lock_offer(offer_id)
        existing = OfferDecline.objects.filter(offer=offer, provider=provider).first()
        if existing is not None:
            return existing
        if not provider_offer_access(provider=provider, offer_id=offer.pk, fresh=True):
            # One answer whatever the reason: a provider probing ids learns nothing about others' offers.
            raise TransitionNotAllowed(_(NOT_AVAILABLE))
        offer_terms_version_check(offer=offer, terms_version=terms_version, action="decline")
        decline = OfferDecline.objects.create(offer=offer, provider=provider, reason=reason.strip()[:500])
        response_record(provider_id=provider.pk, since=offer.reached_at(provider.pk))
        if offer.requested_provider_id == provider.pk and offer.is_exclusive and offer.exclusive_until is not None:
            offer.exclusive_until = timezone.now()  # the requested provider said no: everyone else now
            offer.save(update_fields=["exclusive_until", "updated_at"])
            _announce(offer)
        count = offer.declines.count()
        with in_language_of(offer.customer):
            text = ngettext(
                "%(count)s provider has declined your offer “%(title)s”.",
                "%(count)s providers have declined your offer “%(title)s”.",
                count,
            ) % {"count": count, "title": offer.title}
        notification_create(
            recipient=offer.customer,
            kind="offer_declined",
            text=text,
            link=reverse("offers:detail", args=[offer.pk]),
        )
    return decline


def offers_expire_due(*, batch_size: int = 500) -> int:
    """Mark open offers past their expiry as expired (one event each); returns how many.

    Works in batches, each its own transaction, so a large backlog never holds many locks long.
    """
    expired = 0
    while True:
        with transaction.atomic():
            due = list(
                Offer.objects.select_for_update()
                .filter(status=S.OPEN, expires_at__lte=timezone.now())
                .order_by("pk")[:batch_size]
            )
            for offer in due:
                offer_transition(offer=offer, to_status=S.EXPIRED, actor=None, note="Open time ran out.")
        expired += len(due)
        if len(due) < batch_size:
            return expired
