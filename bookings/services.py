"""The booking state machine: one transition table, one transition function (servizo.transitions).

Cross-app work that must happen in the same transaction as a transition (payments
releasing escrow on `completed`, chat attaching the question thread on
`awaiting_payment`, say) is registered as a hook with `register_transition_hook`
from that app's `AppConfig.ready()`; hooks run inside the transaction, after the
status change, with the row still locked.

Notifications follow the project's convention (notifications.services): the parties' notices are
written in the move's transaction, their pushes and emails go out on commit. Other apps add to a
booking's timeline only through `booking_note_add`.

Rows are locked with `bookings.locks`, whose docstring gives the one lock order.
"""

import datetime
from collections.abc import Callable
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import ProviderProfile, ProviderStatusEvent, User
from accounts.policies import GOOD, Standing, account_standing, provider_standing
from bookings.locks import lock_booking, lock_offer_then_booking
from bookings.models import Booking, BookingEvent, BookingStatusCounts, ProviderCancellation, ProviderReliability
from directory.services import listing_jobs_done_add, response_record
from notifications.services import notification_create
from offers.locks import lock_offer, lock_quote
from offers.models import Offer, Quote
from offers.quote_services import quote_accept, quote_acceptable_check, quote_describe
from offers.selectors import provider_offer_access
from offers.services import offer_terms_version_check, offer_transition
from servizo.exceptions import DomainError, TransitionNotAllowed
from servizo.languages import in_language_of
from servizo.money import require_platform_currency
from servizo.pagecache import pages_changed
from servizo.timezones import when_text
from servizo.transitions import StatusMachine, transition
from servizo.usercache import user_cache_drop

S = Booking.Status


class Actor(StrEnum):
    CUSTOMER = "customer"
    PROVIDER = "provider"
    STAFF = "staff"
    SYSTEM = "system"  # commands, webhooks, payment confirmation


# (from, to) -> who may make that move.
TRANSITIONS: dict[tuple[str, str], frozenset[Actor]] = {
    (S.AWAITING_PAYMENT, S.SCHEDULED): frozenset({Actor.SYSTEM}),
    (S.AWAITING_PAYMENT, S.CANCELLED): frozenset({Actor.CUSTOMER, Actor.STAFF, Actor.SYSTEM}),
    (S.SCHEDULED, S.IN_PROGRESS): frozenset({Actor.PROVIDER}),
    (S.SCHEDULED, S.CANCELLED): frozenset({Actor.CUSTOMER, Actor.PROVIDER, Actor.STAFF}),
    (S.IN_PROGRESS, S.PROVIDER_COMPLETED): frozenset({Actor.PROVIDER}),
    # Once the job is under way a party cannot cancel (cancellation policy): a problem is a dispute.
    (S.IN_PROGRESS, S.CANCELLED): frozenset({Actor.STAFF}),
    (S.IN_PROGRESS, S.DISPUTED): frozenset({Actor.CUSTOMER}),
    (S.PROVIDER_COMPLETED, S.COMPLETED): frozenset({Actor.CUSTOMER, Actor.SYSTEM}),
    (S.PROVIDER_COMPLETED, S.DISPUTED): frozenset({Actor.CUSTOMER}),
    # Staff decide; the system settles a party's cancellation of a paid booking by the policy.
    (S.CANCELLED, S.REFUNDED): frozenset({Actor.STAFF, Actor.SYSTEM}),
    (S.CANCELLED, S.RESOLVED): frozenset({Actor.STAFF, Actor.SYSTEM}),
    (S.DISPUTED, S.REFUNDED): frozenset({Actor.STAFF}),
    (S.DISPUTED, S.RESOLVED): frozenset({Actor.STAFF}),
}
# Moves that need a written reason from whoever makes them.
REASON_REQUIRED: frozenset[tuple[str, str]] = frozenset(
    {
        (S.SCHEDULED, S.CANCELLED),
        (S.IN_PROGRESS, S.CANCELLED),
        (S.IN_PROGRESS, S.DISPUTED),
        (S.PROVIDER_COMPLETED, S.DISPUTED),
    }
)

MACHINE = StatusMachine(
    moves=TRANSITIONS,
    refusal=lambda booking, to_status: (
        _("This booking is %(status)s; it cannot be moved to %(target)s by you.")
        % {"status": booking.get_status_display().lower(), "target": S(to_status).label.lower()}
    ),
    timestamps={S.PROVIDER_COMPLETED: "provider_completed_at", S.COMPLETED: "completed_at"},
    event_model=BookingEvent,
    event_fk="booking",
)

OFFER_TAKEN = gettext_noop("This offer was just taken by another provider.")  # raised translated

TransitionHook = Callable[[Booking, BookingEvent], None]


def register_transition_hook(to_status: str, hook: TransitionHook) -> None:
    """Run `hook(booking, event)` inside the transaction whenever a booking enters `to_status`."""
    MACHINE.register_hook(to_status, hook)


def actor_role(booking: Booking, actor: User | None) -> Actor | None:
    if actor is None:
        return Actor.SYSTEM
    if actor.pk == booking.customer_id:
        return Actor.CUSTOMER
    if actor.pk == booking.provider_id:
        return Actor.PROVIDER
    if actor.is_staff:
        return Actor.STAFF
    return None


def _party_standing(role: Actor | None, actor: User | None, *, fresh: bool) -> Standing:
    """Whether a party may act now (accounts.policies): not a suspended provider, not a deactivated account."""
    if role is Actor.PROVIDER:
        return provider_standing(actor, fresh=fresh)
    if role is Actor.CUSTOMER:
        return account_standing(actor, fresh=fresh)
    return GOOD  # staff and the system


def allowed_transitions(booking: Booking, actor: User | None) -> list[str]:
    """Statuses this actor may move the booking to now (for buttons and admin choices)."""
    role = actor_role(booking, actor)
    if not _party_standing(role, actor, fresh=False):
        return []
    return MACHINE.targets(booking.status, role)


def stored_text_language() -> translation.override:
    """Word text that is stored once and shown to several people later (timeline notes) in the site's default
    language, never in the language of the page the actor happened to be on. A notice written for one
    person is in their language instead: `servizo.languages.in_language_of(recipient)`."""
    return translation.override(settings.LANGUAGE_CODE)


def _notify_parties(
    booking: Booking, event: BookingEvent, role: Actor | None, text: Callable[[], str] | None = None
) -> None:
    """Tell every party who did not make the move (both, when staff or the system did), by email too.

    `text()` (default: the move and who made it) is worded for each recipient in their own language.
    """
    recipients = [
        user
        for user, party in ((booking.customer, Actor.CUSTOMER), (booking.provider, Actor.PROVIDER))
        if party is not role
    ]
    for user in recipients:
        with in_language_of(user):
            message = text() if text else _moved_text(booking, event)
            if event.note:
                message = _("%(text)s Note: %(note)s") % {"text": message, "note": event.note}
            message = f"{message} {_what_next(booking, user)}".strip()[:500]
        notification_create(
            recipient=user, kind=f"booking_{event.to_status}", text=message, link=booking.get_absolute_url(), email=True
        )


def _moved_text(booking: Booking, event: BookingEvent) -> str:
    return _("Booking #%(id)s “%(title)s” is now %(status)s — by %(actor)s.") % {
        "id": booking.pk,
        "title": booking.title,
        "status": booking.get_status_display().lower(),
        "actor": event.actor_label,
    }


def _what_next(booking: Booking, user: User) -> str:
    """What the move means for this party's money, when it changes it."""
    if booking.auto_release_at and user.pk == booking.customer_id:
        return _("Escrow is released to %(provider)s on %(when)s unless you confirm sooner or report a problem.") % {
            "provider": booking.provider,
            "when": when_text(booking.auto_release_at, user.time_zone),
        }
    if booking.status == S.COMPLETED:
        return _("The escrow is released to the provider; it is paid out with the next payout run.")
    return ""


def booking_transition(
    *,
    booking_id: int,
    to_status: str,
    actor: User | None,
    note: str = "",
    from_status: str | None = None,
    notify: bool = True,
) -> Booking:
    """Move a booking to `to_status` if the table allows it for this actor.

    Locks the booking row, records a BookingEvent, runs registered hooks and queues
    the other party's notification (and email) in the same transaction. Raises
    TransitionNotAllowed otherwise (nothing is written); a repeated move (a double
    click on "confirm") is refused the same way, so it never makes a second event.
    `from_status` is the status the party saw (the booking page sends it): a move made
    on a booking that changed since, say a cancel of a booking just paid, is refused.
    `notify=False` is for a caller that tells the parties itself, in one message per party
    (a payment, a staff decision), so nobody gets two for one event.
    """
    note = note.strip()
    if to_status not in S.values:
        raise TransitionNotAllowed(_("Unknown booking status."))
    with transaction.atomic():
        booking = lock_booking(booking_id)
        role = actor_role(booking, actor)
        if booking.status == to_status:
            raise TransitionNotAllowed(
                _("This booking is already %(status)s.") % {"status": booking.get_status_display().lower()}
            )
        if from_status is not None and booking.status != from_status:
            raise TransitionNotAllowed(
                _("This booking changed since you opened it: it is now %(status)s. Review it and try again.")
                % {"status": booking.get_status_display().lower()}
            )
        MACHINE.check(booking, to_status, role=role)
        _party_standing(role, actor, fresh=True).require()
        if (booking.status, to_status) in REASON_REQUIRED and not note:
            raise TransitionNotAllowed(_("Please give a reason."))
        previous = booking.status
        event = transition(MACHINE, booking, to_status=to_status, actor=actor, role=role, note=note)
        status_counts_move(booking, from_status=previous, to_status=to_status)
        _reliability_count(booking, event, role=role, from_paid=previous == S.SCHEDULED)
        if notify:
            _notify_parties(booking, event, role)
    return booking


def _reliability_count(booking: Booking, event: BookingEvent, *, role: Actor | None, from_paid: bool) -> None:
    """Keep the provider's reliability counters: a paid booking, or their cancellation of a paid one."""
    if event.to_status == S.SCHEDULED:
        _reliability_add(booking.provider_id, paid_bookings=F("paid_bookings") + 1)
    elif event.to_status == S.CANCELLED and role is Actor.PROVIDER and from_paid:
        ProviderCancellation.objects.create(
            booking=booking,
            provider_id=booking.provider_id,
            reason=event.note,
            hours_before_start=int((booking.starts_at - event.created_at).total_seconds() // 3600),
        )
        _reliability_add(booking.provider_id, cancellations=F("cancellations") + 1)


def _reliability_add(provider_id: int, **increments: F) -> None:
    """Increment a provider's counters in place (the row is made on their first paid booking)."""
    if not ProviderReliability.objects.filter(provider_id=provider_id).update(**increments):
        ProviderReliability.objects.get_or_create(provider_id=provider_id)
        ProviderReliability.objects.filter(provider_id=provider_id).update(**increments)


def dashboard_panel_cache_name(side: str) -> str:
    """The servizo.usercache entry of a party's dashboard bookings panel (bookings.templatetags.bookings_tags)."""
    return f"bookings_panel:{BookingStatusCounts.Side(side).value}"


def status_counts_move(booking: Booking, *, from_status: str, to_status: str) -> None:
    """Count `booking` under `to_status` instead of `from_status` ("" for a new booking) for both parties.

    Runs in the transaction of the booking's creation or move, after its row lock (bookings.locks: the
    counts rows come last, customer and provider in user-id order). An `UPDATE ... SET n = n + 1` locks
    the row until commit, so concurrent moves add up exactly; a party's first booking inserts the row
    (a racing insert loses on the unique key and adds to the winner's row). A completion also adds to
    the provider's jobs done in the directory.
    """
    assert transaction.get_connection().in_atomic_block, "call in the transaction that moves the booking"
    deltas = {to_status: 1} | ({from_status: -1} if from_status else {})
    changes = {status: F(status) + delta for status, delta in deltas.items()}
    Side = BookingStatusCounts.Side
    for user_id, side in sorted([(booking.customer_id, Side.CUSTOMER), (booking.provider_id, Side.PROVIDER)]):
        user_cache_drop(user_id, dashboard_panel_cache_name(side))
        row = BookingStatusCounts.objects.filter(user_id=user_id, side=side)
        if row.update(**changes):
            continue
        try:
            with transaction.atomic():
                BookingStatusCounts.objects.create(user_id=user_id, side=side, **deltas)
        except IntegrityError:
            row.update(**changes)
    if to_status == S.COMPLETED:  # terminal: a completed job stays counted
        listing_jobs_done_add(provider_id=booking.provider_id)


def booking_note_add(*, booking_id: int, actor: User | None, note: str) -> BookingEvent:
    """Add a note to the booking's timeline without a status change (e.g. a refund after it was settled).

    Takes the booking's lock (a caller that holds it already keeps it); the parties see the note on the
    booking page.
    """
    note = note.strip()
    if not note:
        raise DomainError("A timeline note needs text.")
    with transaction.atomic():
        booking = lock_booking(booking_id)
        pages_changed(booking.customer_id, booking.provider_id)
        return MACHINE.record_event(
            booking, actor=actor, from_status=booking.status, to_status=booking.status, note=note
        )


def _check_offer_acceptable(offer: Offer) -> None:
    if offer.status == Offer.Status.ACCEPTED:
        raise DomainError(_(OFFER_TAKEN))
    if offer.status == Offer.Status.WITHDRAWN:
        raise DomainError(_("The customer withdrew this offer."))
    if not offer.is_open:
        raise DomainError(_("This offer has expired."))
    require_platform_currency(offer.currency, settings.CURRENCY)  # posted before the site changed currency


def booking_accept_offer(*, offer_id: int, provider: User, terms_version: int) -> Booking:
    """Turn an open offer into a booking awaiting payment; exactly one provider wins.

    The offer row is locked (`select_for_update`) and re-checked under the lock, so
    every provider but the first gets "This offer was just taken by another provider."
    `terms_version` is the version of the terms the provider saw: if the customer has
    changed the deal since, TermsChanged is raised and nothing is written.
    Idempotent for the winner: accepting again returns their booking.
    """
    with transaction.atomic():
        try:
            offer = lock_offer(offer_id)
        except Offer.DoesNotExist:
            raise DomainError(_("This offer does not exist.")) from None
        if offer.status == Offer.Status.ACCEPTED:
            mine = offer.bookings.filter(provider=provider).exclude(status=S.CANCELLED).first()
            if mine is not None:
                return mine  # the winner's double click: the same booking, nothing new written
        _check_offer_acceptable(offer)
        provider_offer_access(provider=provider, offer_id=offer.pk, fresh=True).require()
        offer_terms_version_check(offer=offer, terms_version=terms_version, action="accept")
        response_record(provider_id=provider.pk, since=offer.reached_at(provider.pk))
        booking, event = _offer_book(
            offer=offer,
            provider=provider,
            actor=provider,
            price_cents=offer.price_cents,
            scheduled_date=offer.preferred_date,
            time_window=offer.time_window,
            note="Offer accepted.",
        )
        _notify_parties(
            booking,
            event,
            Actor.PROVIDER,
            text=lambda: (
                _("%(provider)s accepted your offer “%(title)s”. Pay by %(when)s to confirm booking #%(id)s.")
                % {
                    "provider": provider,
                    "title": offer.title,
                    "when": when_text(booking.pay_by, booking.customer.time_zone),
                    "id": booking.pk,
                }
            ),
        )
    return booking


def booking_accept_quote(*, quote_id: int, customer: User, revision: int) -> Booking:
    """The customer accepts a provider's quote: the booking is made at the quoted price, day and window.

    Locks the offer, then the quote (bookings.locks), and re-checks both under the locks, so a direct
    accept, another quote's acceptance, a withdrawal or the expiry that got there first wins and this
    call is refused with why. `revision` is the quote revision the customer saw (a revised quote is
    never accepted silently). The other pending quotes become lost in the same transaction (the
    offer's hook, offers.quote_services). Idempotent: accepting again returns the booking.
    Another customer's quote is Quote.DoesNotExist.
    """
    with transaction.atomic():
        offer_id = Quote.objects.values_list("offer_id", flat=True).get(pk=quote_id, offer__customer=customer)
        offer, quote = lock_offer(offer_id), lock_quote(quote_id)
        if offer.status == Offer.Status.ACCEPTED:
            booking = offer.bookings.exclude(status=S.CANCELLED).select_related("provider").first()
            if (
                booking is not None
                and quote.status == Quote.Status.ACCEPTED
                and booking.provider_id == quote.provider_id
            ):
                return booking  # a double click: the same booking, nothing new written
            if booking is not None:
                raise DomainError(
                    _("This offer was just booked with %(provider)s: that came first.") % {"provider": booking.provider}
                )
        _check_offer_acceptable(offer)
        account_standing(customer, fresh=True).require()
        quote_acceptable_check(quote=quote, offer=offer, revision=revision)
        provider = User.objects.get(pk=quote.provider_id)
        if not provider_offer_access(provider=provider, offer_id=offer.pk, fresh=True):
            raise DomainError(_("%(provider)s can no longer take this job.") % {"provider": provider})
        quote_accept(quote=quote, offer=offer, customer=customer)
        booking, event = _offer_book(
            offer=offer,
            provider=provider,
            actor=customer,
            price_cents=quote.price_cents,
            scheduled_date=quote.scheduled_date,
            time_window=quote.scheduled_window,
            note=f"Quote accepted: {quote_describe(quote)}.",
        )
        _notify_parties(
            booking,
            event,
            Actor.CUSTOMER,
            text=lambda: (
                _(
                    "%(customer)s accepted your quote on “%(title)s”: booking #%(id)s, %(quote)s. "
                    "It is confirmed once they pay."
                )
                % {"customer": customer, "title": offer.title, "id": booking.pk, "quote": quote_describe(quote)}
            ),
        )
    return booking


def _offer_book(
    *,
    offer: Offer,
    provider: User,
    actor: User,
    price_cents: int,
    scheduled_date: datetime.date,
    time_window: str,
    note: str,
) -> tuple[Booking, BookingEvent]:
    """The one way an offer becomes a booking (a direct accept, an accepted quote), on the terms given.

    The caller holds the offer's lock and has checked the offer and the terms. The booking snapshots
    the price and today's commission rate and is counted in BookingStatusCounts; the caller tells the
    parties (from the event returned).
    """
    offer_transition(offer=offer, to_status=Offer.Status.ACCEPTED, actor=actor, note="Accepted")
    booking = Booking.objects.create(
        offer=offer,
        customer_id=offer.customer_id,
        provider=provider,
        category_id=offer.category_id,
        title=offer.title,
        description=offer.description,
        price_cents=price_cents,
        currency=offer.currency,
        commission_rate_bp=settings.PLATFORM_COMMISSION_BP,
        address=offer.address,
        city=offer.place_label,
        scheduled_date=scheduled_date,
        time_window=time_window,
        time_zone=offer.time_zone,
        pay_by=timezone.now() + settings.BOOKING_PAYMENT_WINDOW,
    )
    event = MACHINE.record_event(booking, actor=actor, from_status="", to_status=S.AWAITING_PAYMENT, note=note)
    MACHINE.run_hooks(booking, S.AWAITING_PAYMENT, event)
    status_counts_move(booking, from_status="", to_status=S.AWAITING_PAYMENT)
    return booking, event


def booking_expire_unpaid(*, booking_id: int) -> bool:
    """Cancel one booking left unpaid past `pay_by` and put its offer back on the market.

    Locks the offer, then the booking (bookings.locks), and re-checks under
    the locks, so a payment that lands meanwhile wins and a second run is a no-op.
    Returns whether this call cancelled the booking.
    """
    with transaction.atomic():
        try:
            offer, booking = lock_offer_then_booking(booking_id)
        except Booking.DoesNotExist:
            return False
        if booking.status != S.AWAITING_PAYMENT or booking.pay_by > timezone.now():
            return False
        _cancel_unpaid_and_reopen(
            booking=booking,
            offer=offer,
            note="Not paid in time: cancelled automatically and the offer was reopened.",
            offer_note=f"Booking #{booking.pk} was not paid.",
        )
    return True


def bookings_expire_unpaid() -> tuple[int, int]:
    """Cancel every booking left unpaid past its pay-by time, each in its own transaction (a failure or a
    payment landing meanwhile affects only that booking). Returns (cancelled, skipped). Safe to re-run."""
    candidates = list(
        Booking.objects.filter(status=S.AWAITING_PAYMENT, pay_by__lte=timezone.now())
        .order_by("pay_by", "id")  # oldest deadline first
        .values_list("id", flat=True)
    )
    cancelled = sum(booking_expire_unpaid(booking_id=booking_id) for booking_id in candidates)
    return cancelled, len(candidates) - cancelled


def _cancel_unpaid_and_reopen(*, booking: Booking, offer: Offer, note: str, offer_note: str) -> None:
    """The system cancels an unpaid booking and puts its offer back on the market (both rows locked)."""
    booking_transition(booking_id=booking.pk, to_status=S.CANCELLED, actor=None, note=note)
    if offer.status == Offer.Status.ACCEPTED:
        offer_transition(offer=offer, to_status=Offer.Status.OPEN, actor=None, note=offer_note)


def booking_offer_reopen(*, booking_id: int, customer: User) -> Offer:
    """The customer puts the offer of a booking its provider cancelled back on the market.

    Other matching providers see it in their feed again; the provider who cancelled does not (it
    counts as declined by them). Locks the offer, then the booking. Refused once the offer moved on
    (reopened already, taken by someone else) or expired.
    """
    with transaction.atomic():
        try:
            offer, booking = lock_offer_then_booking(booking_id)
        except Booking.DoesNotExist:
            raise DomainError(_("This booking does not exist.")) from None
        if booking.customer_id != customer.pk:
            raise DomainError(_("Only the customer can offer this job to other providers."))
        account_standing(customer, fresh=True).require()
        refusal = offer_reopen_refusal(booking=booking, offer=offer)
        if refusal:
            raise DomainError(refusal)
        offer.declines.get_or_create(provider_id=booking.provider_id, defaults={"reason": "Cancelled the booking."})
        offer_transition(
            offer=offer,
            to_status=Offer.Status.OPEN,
            actor=customer,
            note=f"Offered to other providers again after the provider cancelled booking #{booking.pk}.",
        )
    return offer


def offer_reopen_refusal(*, booking: Booking, offer: Offer) -> str:
    """Why the customer may not put this booking's offer back on the market now ("" when they may)."""
    if not ProviderCancellation.objects.filter(booking=booking).exists():
        return _("Only a job the provider cancelled can be offered to other providers again.")
    if offer.status != Offer.Status.ACCEPTED or offer.bookings.filter(pk__gt=booking.pk).exists():
        return _("This offer is already back on the market or taken again.")
    if offer.expires_at <= timezone.now():
        return _("This offer has expired: post a new one with a new date.")
    return ""


def bookings_cancel_for_suspension(profile: ProviderProfile, event: ProviderStatusEvent) -> None:
    """Provider `suspended` hook (registered in BookingsConfig.ready); runs in the suspension's transaction.

    Unpaid bookings are cancelled by the system and their offers reopen for other providers; paid
    ones (scheduled, in progress) are cancelled by the suspending staff member, which puts them in
    the staff decision queue (refund or resolve). Both parties are notified on commit.
    Locks each offer, then its booking (bookings.locks), and re-reads the status under the locks.
    """
    rows = (
        Booking.objects.filter(provider_id=profile.user_id, status__in=Booking.UNFINISHED)
        .order_by("offer_id", "pk")
        .values_list("pk", "offer_id")
    )
    # Every offer and booking first, then the moves: the moves lock the parties' counts rows, which come
    # after all booking rows in the lock order.
    locked = [lock_offer_then_booking(booking_id, offer_id=offer_id) for booking_id, offer_id in list(rows)]
    for offer, booking in locked:
        if booking.status == S.AWAITING_PAYMENT:
            _cancel_unpaid_and_reopen(
                booking=booking,
                offer=offer,
                note="Provider suspended: cancelled, and the offer is open to other providers again.",
                offer_note="Provider suspended.",
            )
        elif booking.status in Booking.UNFINISHED:
            booking_transition(
                booking_id=booking.pk,
                to_status=S.CANCELLED,
                actor=event.actor,
                note="Provider suspended. Servizo staff will refund or resolve this booking.",
            )
