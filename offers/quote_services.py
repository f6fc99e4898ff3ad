"""Writes for quotes (a provider's counter-offer on an open offer). Quote status moves only through `quote_transition`.

Kept apart from `offers.services` (which it builds on) so that neither module passes ~400 lines.

- A provider may quote only where the matching rule (`offers.selectors.provider_offer_access`) lets them
  take the offer, on the offer terms they saw (`terms_version`). One quote per (offer, provider):
  sending again revises it in place (`revision` + 1, a new expiry) and reopens it, whatever its status,
  as long as the offer is open (accepted and lost quotes are final while the offer is booked).
- The customer accepts a quote through `bookings.services.booking_accept_quote` (the booking is made
  by the same code as a direct accept) or declines it here, with an optional reason for the provider.
- When the offer leaves "open" (a direct accept, an accepted quote, withdrawal, expiry) the hook
  `quotes_close_with_offer`, registered on the offer machine in `OffersConfig.ready()`, moves every
  pending quote to lost (the accepting provider's own quote to withdrawn) in the same transaction, and
  tells each provider why.
- Locks: the offer first, then its quotes in primary-key order (`bookings.locks`); every service here
  takes the offer's lock, so all quote moves on one offer are serialized with accepts and edits.
- The customer's offer page hears about every change (`quotes_changed` on their notification socket,
  on commit) and reloads its quote list; providers and customers get notifications (stored in the
  transaction, emails through the outbox).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.policies import account_standing, provider_standing
from notifications.services import notification_create
from notifications.tasks import push_notification
from offers.locks import lock_offer, lock_quote
from offers.models import Offer, OfferEvent, Quote, QuoteEvent, TimeWindow
from offers.selectors import NOT_AVAILABLE, provider_offer_access
from offers.services import MAX_DAYS_AHEAD, offer_terms_version_check
from servizo.exceptions import DomainError, TransitionNotAllowed
from servizo.languages import in_language_of
from servizo.money import format_money
from servizo.tasks import enqueue
from servizo.transitions import StatusMachine, transition

Q = Quote.Status
CUSTOMER, PROVIDER, SYSTEM = "customer", "provider", "system"

# (from, to) -> who may. pending -> pending is a revision; a provider may send again after a decline,
# a withdrawal or an expiry, and after an accept or a loss once the offer is open again (its booking was
# cancelled unpaid): `quote_send` only works on an offer the matching rule shows them, i.e. an open one.
# The system closes quotes when the offer closes or time runs out.
QUOTE_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (Q.PENDING, Q.PENDING): frozenset({PROVIDER}),
    (Q.PENDING, Q.ACCEPTED): frozenset({CUSTOMER}),
    (Q.PENDING, Q.DECLINED): frozenset({CUSTOMER}),
    (Q.PENDING, Q.WITHDRAWN): frozenset({PROVIDER}),
    (Q.PENDING, Q.EXPIRED): frozenset({SYSTEM}),
    (Q.PENDING, Q.LOST): frozenset({SYSTEM}),
    (Q.DECLINED, Q.PENDING): frozenset({PROVIDER}),
    (Q.WITHDRAWN, Q.PENDING): frozenset({PROVIDER}),
    (Q.EXPIRED, Q.PENDING): frozenset({PROVIDER}),
    (Q.ACCEPTED, Q.PENDING): frozenset({PROVIDER}),
    (Q.LOST, Q.PENDING): frozenset({PROVIDER}),
}
MACHINE = StatusMachine(
    moves=QUOTE_TRANSITIONS,
    refusal=lambda quote, to_status: _("This quote is %(status)s.") % {"status": quote.display_status.lower()},
    event_model=QuoteEvent,
    event_fk="quote",
)

# Refusals in English (tests match them), translated when raised.
QUOTE_EXPIRED = gettext_noop("This quote has expired.")
STALE_REVISION = gettext_noop(
    "The provider revised this quote since you opened the page. Review the new terms and try again."
)


@dataclass(frozen=True, kw_only=True)
class QuoteTerms:
    """What a provider proposes: a price and, optionally, another day or time window, with a message."""

    price_cents: int
    preferred_date: datetime.date | None = None
    time_window: str = ""
    message: str = ""


def quote_terms_check(*, terms: QuoteTerms, offer: Offer) -> None:
    """Raise ValidationError (keyed by field) for terms we refuse; the same money rules as an offer's price."""
    errors: dict[str, str] = {}
    if terms.price_cents <= 0:
        errors["price_cents"] = _("Enter a price above zero.")
    elif terms.price_cents > settings.OFFER_MAX_PRICE_CENTS:
        limit = format_money(settings.OFFER_MAX_PRICE_CENTS, offer.currency)
        errors["price_cents"] = _("The most a quote can be is %(limit)s.") % {"limit": limit}
    today = timezone.localdate()
    if terms.preferred_date is not None and not today <= terms.preferred_date <= today + datetime.timedelta(
        days=MAX_DAYS_AHEAD
    ):
        errors["preferred_date"] = _("Choose a day from today to %(days)s days ahead.") % {"days": MAX_DAYS_AHEAD}
    if terms.time_window and terms.time_window not in TimeWindow.values:
        errors["time_window"] = _("Choose a time window from the list.")
    if errors:
        raise ValidationError(errors)
    same_day = terms.preferred_date in (None, offer.preferred_date)
    same_window = terms.time_window in ("", offer.time_window)
    if terms.price_cents == offer.price_cents and same_day and same_window:
        raise ValidationError(_("These are the offer's own terms: accept the offer instead."))


def quote_describe(quote: Quote) -> str:
    """The terms as people read them, in the active language: "$50.00 on Mon 3 Aug 2026, Morning (8-12)"."""
    return _("%(price)s on %(day)s, %(window)s") % {
        "price": format_money(quote.price_cents, quote.currency),
        "day": date_format(quote.scheduled_date, "D j M Y"),
        "window": quote.get_scheduled_window_display(),
    }


def _offer_link(offer: Offer) -> str:
    return reverse("offers:detail", args=[offer.pk])


def _push_quotes_changed(offer: Offer) -> None:
    """On commit, tell the customer's open pages that this offer's quotes changed (the page reloads its list)."""
    enqueue(push_notification, user_id=offer.customer_id, payload={"kind": "quotes_changed", "offer_id": offer.pk})


def quote_transition(
    *, quote: Quote, offer: Offer, to_status: str, actor: User | None, role: str, note: str = "", fields=None
) -> QuoteEvent:
    """Move a locked quote (the caller holds the offer's lock, then the quote's); records a QuoteEvent.

    Raises TransitionNotAllowed for a move QUOTE_TRANSITIONS does not give `role`; the customer's offer
    page is told on commit.
    """
    event = transition(MACHINE, quote, to_status=to_status, actor=actor, role=role, note=note[:500], fields=fields)
    _push_quotes_changed(offer)
    return event


def quote_send(*, offer_id: int, provider: User, terms_version: int, terms: QuoteTerms) -> Quote:
    """Send (or revise) this provider's quote on an open offer; the customer is notified.

    Raises TransitionNotAllowed (NOT_AVAILABLE, one answer for every reason) when the matching rule does
    not let the provider take the offer, TermsChanged when the offer changed since they saw it, and
    ValidationError for bad terms.
    """
    provider_standing(provider, fresh=True).require()
    with transaction.atomic():
        offer = lock_offer(offer_id)
        if not provider_offer_access(provider=provider, offer_id=offer.pk, fresh=True):
            raise TransitionNotAllowed(_(NOT_AVAILABLE))
        offer_terms_version_check(offer=offer, terms_version=terms_version, action="quote")
        quote_terms_check(terms=terms, offer=offer)
        values = {
            "price_cents": terms.price_cents,
            "preferred_date": terms.preferred_date,
            "time_window": terms.time_window,
            "message": terms.message.strip()[:1000],
            "terms_version": offer.terms_version,
            "expires_at": min(timezone.now() + settings.QUOTE_TTL, offer.expires_at),
            "decline_reason": "",
        }
        quote = Quote.objects.select_for_update().filter(offer=offer, provider=provider).first()
        if quote is None:
            quote = Quote.objects.create(offer=offer, provider=provider, currency=offer.currency, **values)
            MACHINE.record_event(quote, actor=provider, from_status="", to_status=Q.PENDING, note="Sent.")
            _push_quotes_changed(offer)
            news = gettext_noop("%(provider)s sent you a quote on “%(title)s”: %(terms)s.")
        else:
            values["revision"] = quote.revision + 1
            quote_transition(
                quote=quote,
                offer=offer,
                to_status=Q.PENDING,
                actor=provider,
                role=PROVIDER,
                note="Revised.",
                fields=values,
            )
            news = gettext_noop("%(provider)s revised their quote on “%(title)s”: %(terms)s.")
        with in_language_of(offer.customer):
            text = _(news) % {"provider": provider, "title": offer.title, "terms": quote_describe(quote)}
        notification_create(
            recipient=offer.customer,
            kind="quote_received",
            text=text[:500],
            link=_offer_link(offer),
            email=True,
        )
    return quote


def _lock_offer_and_quote(quote_id: int, **owner) -> tuple[Offer, Quote]:
    """Lock the quote's offer, then the quote (`owner`: `provider=` or `offer__customer=`; DoesNotExist otherwise)."""
    offer_id = Quote.objects.values_list("offer_id", flat=True).get(pk=quote_id, **owner)
    return lock_offer(offer_id), lock_quote(quote_id)


def quote_withdraw(*, quote_id: int, provider: User) -> Quote:
    """The provider takes back their pending quote (a second withdraw is a no-op); the customer's page updates."""
    with transaction.atomic():
        offer, quote = _lock_offer_and_quote(quote_id, provider=provider)
        if quote.status == Q.WITHDRAWN:
            return quote
        quote_transition(
            quote=quote, offer=offer, to_status=Q.WITHDRAWN, actor=provider, role=PROVIDER, note="Withdrawn."
        )
    return quote


def quote_decline(*, quote_id: int, customer: User, reason: str = "") -> Quote:
    """The customer turns a pending quote down, optionally saying why; the provider is told (and may quote again)."""
    reason = reason.strip()[:500]
    with transaction.atomic():
        offer, quote = _lock_offer_and_quote(quote_id, offer__customer=customer)
        account_standing(customer, fresh=True).require()
        if quote.status == Q.DECLINED:
            return quote
        if quote.status == Q.PENDING and not quote.is_live:
            raise TransitionNotAllowed(_(QUOTE_EXPIRED))
        quote_transition(
            quote=quote,
            offer=offer,
            to_status=Q.DECLINED,
            actor=customer,
            role=CUSTOMER,
            note=reason or "Declined.",
            fields={"decline_reason": reason},
        )
        with in_language_of(quote.provider):
            if reason:
                text = _(
                    "The customer declined your quote on “%(title)s”. Their reason: %(reason)s You may send a new one."
                )
            else:
                text = _("The customer declined your quote on “%(title)s”. You may send a new one.")
            text %= {"title": offer.title, "reason": reason}
        notification_create(
            recipient=quote.provider,
            kind="quote_declined",
            text=text[:500],
            link=_offer_link(offer),
            email=True,
        )
    return quote


def quote_acceptable_check(*, quote: Quote, offer: Offer, revision: int) -> None:
    """Raise DomainError unless the customer may accept this locked quote now on the terms they saw.

    `revision` is the quote revision the customer was shown; a quote sent for terms the customer has
    changed since must be revised by the provider first (never accepted silently).
    """
    if quote.status == Q.PENDING and not quote.is_live:
        raise TransitionNotAllowed(_(QUOTE_EXPIRED))
    MACHINE.check(quote, Q.ACCEPTED, role=CUSTOMER)
    if revision != quote.revision:
        raise DomainError(_(STALE_REVISION))
    if quote.terms_version != offer.terms_version:
        raise DomainError(
            _("You changed the offer after %(provider)s sent this quote. Ask them to revise it, then accept.")
            % {"provider": quote.provider}
        )


def quote_accept(*, quote: Quote, offer: Offer, customer: User) -> None:
    """Mark the locked, checked quote accepted (bookings.services.booking_accept_quote makes the booking)."""
    quote_transition(quote=quote, offer=offer, to_status=Q.ACCEPTED, actor=customer, role=CUSTOMER, note="Accepted.")


def _closing_note(offer: Offer, event: OfferEvent, quote: Quote) -> tuple[str, str]:
    """The status a pending quote moves to when its offer closes, and why (told to its provider)."""
    if not quote.is_live:
        return Q.EXPIRED, "Time ran out."
    if event.to_status == Offer.Status.ACCEPTED:
        if event.actor_id == quote.provider_id:
            return Q.WITHDRAWN, "You accepted the offer at the customer's price."
        if event.actor_id == offer.customer_id:
            return Q.LOST, gettext_noop("The customer accepted another provider's quote.")
        return Q.LOST, gettext_noop("Another provider accepted the offer at the customer's price.")
    if event.to_status == Offer.Status.WITHDRAWN:
        return Q.LOST, gettext_noop("The customer withdrew the offer.")
    return Q.LOST, gettext_noop("The offer expired before the customer chose a quote.")


def quotes_close_with_offer(offer: Offer, event: OfferEvent) -> None:
    """Offer hook (accepted, withdrawn, expired): close its pending quotes and tell each provider why.

    Runs inside the offer's transition with the offer locked; the quotes are locked in primary-key order.
    """
    pending = Quote.objects.select_for_update().filter(offer=offer, status=Q.PENDING).order_by("pk")
    for quote in pending:
        to_status, why = _closing_note(offer, event, quote)
        role = PROVIDER if to_status == Q.WITHDRAWN else SYSTEM  # the accepting provider's own quote
        quote_transition(quote=quote, offer=offer, to_status=to_status, actor=event.actor, role=role, note=why)
        if to_status == Q.LOST:  # the note stays in English (the audit log); the provider reads it in theirs
            with in_language_of(quote.provider):
                text = _("Your quote on “%(title)s” was not chosen: %(why)s") % {"title": offer.title, "why": _(why)}
            notification_create(
                recipient=quote.provider,
                kind="quote_lost",
                text=text[:500],
                link=reverse("offers:feed"),
                email=True,
            )


def quote_expire(*, quote_id: int) -> bool:
    """Mark one pending quote past its expiry as expired (False if it was decided meanwhile)."""
    with transaction.atomic():
        offer_id = Quote.objects.values_list("offer_id", flat=True).get(pk=quote_id)
        offer, quote = lock_offer(offer_id), lock_quote(quote_id)
        if quote.status != Q.PENDING or quote.is_live:
            return False
        quote_transition(quote=quote, offer=offer, to_status=Q.EXPIRED, actor=None, role=SYSTEM, note="Time ran out.")
    return True


def quotes_expire_due(*, batch_size: int = 500) -> int:
    """Beat: mark pending quotes past their expiry as expired, each in its own short transaction; returns how many."""
    due = Quote.objects.filter(status=Q.PENDING, expires_at__lte=timezone.now()).order_by("expires_at", "pk")
    expired = 0
    while ids := list(due.values_list("pk", flat=True)[:batch_size]):
        expired += sum(quote_expire(quote_id=pk) for pk in ids)
    return expired
