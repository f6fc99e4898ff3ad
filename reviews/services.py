"""Writing, editing, answering and moderating reviews, and rating customers.

Consistency of `ProviderReputation`: every service that changes which reviews count
or their ratings (create, edit, hide, unhide) runs in `transaction.atomic()`, locks
the provider's reputation row with `select_for_update()` and recomputes it from the
provider's visible reviews with one aggregate query before committing. Writers for one
provider are therefore serialised and the summary always equals the reviews it
summarises; pages read that one row and never aggregate reviews themselves.

Lock order (fixed, to avoid deadlocks): booking → review → reputation. Locking reads take no
joins: MariaDB's FOR UPDATE would lock the joined user rows too.

The completion prompt is a booking transition hook (`booking_completed`), registered in
`ReviewsConfig.ready()`; it only queues work on commit, so a failing notification can
never undo a completion.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from accounts.policies import account_standing, provider_standing
from bookings.locks import lock_booking
from bookings.models import Booking, BookingEvent
from directory.services import listing_rating_set
from notifications.services import notification_create
from reviews.models import (
    COMMENT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    REPLY_MAX_LENGTH,
    STARS,
    CustomerRating,
    ProviderReputation,
    Review,
    ReviewModerationEvent,
    ReviewReply,
)
from reviews.selectors import booking_reviewable
from servizo.commit import after_commit
from servizo.exceptions import DomainError
from servizo.languages import in_language_of
from servizo.timezones import when_text

logger = logging.getLogger(__name__)


class ReviewNotAllowed(DomainError):
    """The user may not write, change or answer this review (now)."""


def _clean_rating(rating: int) -> int:
    if rating not in STARS:
        raise DomainError(_("Choose a rating from 1 to 5 stars."))
    return rating


# What each kind of text is refused with: (when it is empty but required, when it is too long).
_TEXT_ERRORS = {
    "comment": (
        gettext_lazy("Please write your comment."),
        gettext_lazy("Your comment is %(length)d characters long; the limit is %(limit)d."),
    ),
    "reply": (
        gettext_lazy("Please write your reply."),
        gettext_lazy("Your reply is %(length)d characters long; the limit is %(limit)d."),
    ),
    "note": (
        gettext_lazy("Please write your note."),
        gettext_lazy("Your note is %(length)d characters long; the limit is %(limit)d."),
    ),
    "reason": (
        gettext_lazy("Please write your reason."),
        gettext_lazy("Your reason is %(length)d characters long; the limit is %(limit)d."),
    ),
}


def _clean_text(text: str, *, max_length: int, label: str, required: bool = False) -> str:
    """`text` stripped, or a DomainError for an empty required one or one past `max_length`; `label` is a
    key of _TEXT_ERRORS (each language words the sentence its own way, so no fragment is inserted)."""
    empty, too_long = _TEXT_ERRORS[label]
    text = (text or "").strip()
    if required and not text:
        raise DomainError(str(empty))
    if len(text) > max_length:
        raise DomainError(too_long % {"length": len(text), "limit": max_length})
    return text


def reputation_refresh(*, provider_id: int) -> ProviderReputation:
    """Lock the provider's reputation row and recompute it from the visible reviews.

    Must run inside the transaction that changed the reviews (asserted by
    `select_for_update`, which refuses to run in autocommit mode). The directory's copy of the
    rating is written here too.
    """
    ProviderReputation.objects.get_or_create(provider_id=provider_id)
    reputation = ProviderReputation.objects.select_for_update().get(provider_id=provider_id)
    star_counts = {f"stars_{stars}": Count("id", filter=Q(rating=stars)) for stars in STARS}
    totals = Review.objects.filter(provider_id=provider_id, is_hidden=False).aggregate(
        rating_count=Count("id"), rating_sum=Sum("rating"), **star_counts
    )
    totals["rating_sum"] = totals["rating_sum"] or 0
    for field, value in totals.items():
        setattr(reputation, field, value)
    reputation.save()
    listing_rating_set(provider_id=provider_id, rating_sum=reputation.rating_sum, rating_count=reputation.rating_count)
    return reputation


def review_create_check(*, booking: Booking, customer: User) -> None:
    """Raise ReviewNotAllowed (NotInGoodStanding for a deactivated account) unless `customer` may review `booking` now.

    A suspended provider's completed jobs can still be reviewed: the review is about work already done.
    """
    account_standing(customer, fresh=True).require()
    if booking.customer_id != customer.pk:
        raise ReviewNotAllowed(_("Only the customer of this booking can review it."))
    if not booking_reviewable(booking=booking):
        raise ReviewNotAllowed(_("You can review this job once it is completed."))
    if Review.objects.filter(booking_id=booking.pk).exists():
        raise ReviewNotAllowed(_("You have already reviewed this job; you can edit your review instead."))


def review_create(*, booking_id: int, customer: User, rating: int, comment: str = "") -> Review:
    """The booking's customer reviews it, once, after completion."""
    rating = _clean_rating(rating)
    comment = _clean_text(comment, max_length=COMMENT_MAX_LENGTH, label="comment")
    with transaction.atomic():
        booking = lock_booking(booking_id)
        review_create_check(booking=booking, customer=customer)
        review = Review.objects.create(
            booking=booking, customer=customer, provider=booking.provider, rating=rating, comment=comment
        )
        reputation_refresh(provider_id=booking.provider_id)
        with in_language_of(booking.provider):
            notice = _("%(customer)s rated “%(title)s” %(rating)s★.") % {
                "customer": customer.get_short_name(),
                "title": booking.title,
                "rating": rating,
            }
        notification_create(
            recipient=booking.provider,
            kind="review_received",
            text=notice,
            link=reverse("reviews:provider_profile", args=[booking.provider_id]) + f"#review-{review.pk}",
        )
    return review


def review_update_check(*, review: Review, customer: User) -> None:
    account_standing(customer, fresh=True).require()
    if review.customer_id != customer.pk:
        raise ReviewNotAllowed(_("Only the author can edit this review."))
    if review.is_hidden:
        raise ReviewNotAllowed(_("This review was removed by a moderator and can no longer be edited."))
    if not review.is_editable:
        days = settings.REVIEW_EDIT_WINDOW.days
        raise ReviewNotAllowed(
            ngettext(
                "Reviews can be edited for %(days)d day; this one was frozen on %(when)s.",
                "Reviews can be edited for %(days)d days; this one was frozen on %(when)s.",
                days,
            )
            % {"days": days, "when": when_text(review.editable_until)}
        )


def review_update(*, review_id: int, customer: User, rating: int, comment: str = "") -> Review:
    """The author changes the review while the edit window (settings.REVIEW_EDIT_WINDOW) is open."""
    rating = _clean_rating(rating)
    comment = _clean_text(comment, max_length=COMMENT_MAX_LENGTH, label="comment")
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review_id)
        review_update_check(review=review, customer=customer)
        now = timezone.now()
        rating_changed = review.rating != rating
        review.rating, review.comment, review.edited_at = rating, comment, now
        review.save(update_fields=["rating", "comment", "edited_at", "updated_at"])
        if rating_changed:
            reputation_refresh(provider_id=review.provider_id)
    return review


class ReviewChanged(ReviewNotAllowed):
    """The customer edited the review after the provider opened the reply page."""


def review_version(review: Review) -> str:
    """Which text of the review someone saw: changes with every edit by its author."""
    return review.edited_at.isoformat() if review.edited_at else "original"


def review_reply_check(*, review: Review, provider: User) -> None:
    if review.provider_id != provider.pk:
        raise ReviewNotAllowed(_("Only the reviewed provider can reply to this review."))
    provider_standing(provider, fresh=True).require()  # a suspended provider publishes nothing
    if review.is_hidden:
        raise ReviewNotAllowed(_("This review was removed by a moderator; it cannot be answered."))
    if ReviewReply.objects.filter(review_id=review.pk).exists():
        raise ReviewNotAllowed(_("You have already replied to this review."))


def review_reply(*, review_id: int, provider: User, text: str, seen_version: str | None = None) -> ReviewReply:
    """The reviewed provider answers publicly, once.

    `seen_version` is the `review_version` the reply page showed (the page always sends it): a
    reply written to a text the customer has since edited is refused, since it cannot be changed.
    """
    text = _clean_text(text, max_length=REPLY_MAX_LENGTH, label="reply", required=True)
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review_id)
        review_reply_check(review=review, provider=provider)
        if seen_version is not None and seen_version != review_version(review):
            raise ReviewChanged(
                _("The customer edited this review since you opened it. Read the new version and reply again.")
            )
        reply = ReviewReply.objects.create(review=review, provider=provider, text=text)
        with in_language_of(review.customer):
            notice = _("%(provider)s replied to your review.") % {"provider": provider.get_short_name()}
        notification_create(
            recipient=review.customer,
            kind="review_reply",
            text=notice,
            link=reverse("reviews:provider_profile", args=[provider.pk]) + f"#review-{review.pk}",
        )
    return reply


def customer_rate_check(*, booking: Booking, provider: User) -> None:
    if booking.provider_id != provider.pk:
        raise ReviewNotAllowed(_("Only the provider of this booking can rate its customer."))
    provider_standing(provider, fresh=True).require()
    if booking.status != Booking.Status.COMPLETED:
        raise ReviewNotAllowed(_("You can rate the customer once the job is completed."))
    if CustomerRating.objects.filter(booking_id=booking.pk).exists():
        raise ReviewNotAllowed(_("You have already rated the customer for this job."))


def customer_rate(*, booking_id: int, provider: User, rating: int, note: str = "") -> CustomerRating:
    """The booking's provider privately rates its customer, once, after completion."""
    rating = _clean_rating(rating)
    note = _clean_text(note, max_length=NOTE_MAX_LENGTH, label="note")
    with transaction.atomic():
        booking = lock_booking(booking_id)
        customer_rate_check(booking=booking, provider=provider)
        return CustomerRating.objects.create(
            booking=booking, provider=provider, customer_id=booking.customer_id, rating=rating, note=note
        )


def _review_moderate(*, review_id: int, actor: User, reason: str, hide: bool) -> Review:
    if not (actor.is_staff and actor.has_perm("reviews.moderate_review")):
        raise ReviewNotAllowed(_("Only staff allowed to moderate reviews can hide or restore them."))
    reason = _clean_text(reason, max_length=1000, label="reason", required=True)
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review_id)
        if review.is_hidden == hide:
            raise ReviewNotAllowed(
                (_("Review #%(id)s is already hidden.") if hide else _("Review #%(id)s is already visible."))
                % {"id": review.pk}
            )
        now = timezone.now()
        review.is_hidden = hide
        review.hidden_reason, review.hidden_by, review.hidden_at = (reason, actor, now) if hide else ("", None, None)
        review.save(update_fields=["is_hidden", "hidden_reason", "hidden_by", "hidden_at", "updated_at"])
        action = ReviewModerationEvent.Action.HIDDEN if hide else ReviewModerationEvent.Action.UNHIDDEN
        ReviewModerationEvent.objects.create(review=review, actor=actor, action=action, reason=reason)
        reputation_refresh(provider_id=review.provider_id)
        with in_language_of(review.customer):
            notice = (
                _("A moderator removed your review: %(reason)s") % {"reason": reason}
                if hide
                else _("A moderator restored your review; it is public again.")
            )
        notification_create(recipient=review.customer, kind=f"review_{action}", text=notice, email=True)
    logger.info("Review %s %s by %s: %s", review.pk, action, actor.pk, reason)
    return review


def review_hide(*, review_id: int, actor: User, reason: str) -> Review:
    """Staff remove a review from the profile and the aggregates; the reason is logged."""
    return _review_moderate(review_id=review_id, actor=actor, reason=reason, hide=True)


def review_unhide(*, review_id: int, actor: User, reason: str) -> Review:
    """Staff restore a hidden review; the reason is logged."""
    return _review_moderate(review_id=review_id, actor=actor, reason=reason, hide=False)


def booking_completed(booking: Booking, event: BookingEvent) -> None:
    """Transition hook (booking → completed): ask the customer for a review, on commit."""
    booking_id, customer, title, provider_name = (
        booking.pk,
        booking.customer,
        booking.title,
        booking.provider.get_full_name(),
    )

    def prompt() -> None:
        with in_language_of(customer):
            notice = (
                _("“%(title)s” is complete. How did %(provider)s do? Leave a review.")
                % {"title": title, "provider": provider_name}
                if provider_name
                else _("“%(title)s” is complete. How did your provider do? Leave a review.") % {"title": title}
            )
        notification_create(
            recipient=customer,
            kind="review_request",
            text=notice,
            link=reverse("reviews:create", args=[booking_id]),
            email=True,
        )

    after_commit(prompt)  # the move is committed: a failing prompt is only logged
