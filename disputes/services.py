"""Disputes: the customer reports a problem, the provider responds once, staff decide the money.

One entry point per step:
- `dispute_open` (customer): the booking moves to `disputed` (bookings' transition, which tells the
  provider once, by notification and email) and the dispute is recorded in the same transaction.
  Auto-release (payments.services.release) completes only bookings still `provider_completed`, so
  a disputed booking's escrow stays held.
- `dispute_respond` (provider): their account and photos, once, before `respond_by`; the customer
  is told once.
- The decision is payments' settlement on the disputed booking: its move to `refunded`/`resolved`
  runs `dispute_booking_decided` (a booking transition hook registered in DisputesConfig.ready),
  which closes the dispute with the staff reason. That booking move is the one notification and
  email both parties get, and it carries the reason.

Status changes go through `dispute_transition` (servizo.transitions): the table below, a locked row,
an event row with the actor.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.locks import lock_booking
from bookings.models import Booking, BookingEvent
from bookings.services import Actor, allowed_transitions, booking_transition, stored_text_language
from disputes.models import Dispute, DisputeEvent, DisputePhoto
from disputes.photos import PreparedPhoto
from notifications.services import notification_create
from servizo.exceptions import DomainError
from servizo.languages import in_language_of
from servizo.timezones import when_text
from servizo.transitions import StatusMachine, transition

DS = Dispute.Status
BS = Booking.Status

TRANSITIONS = {
    (DS.AWAITING_RESPONSE, DS.AWAITING_DECISION): frozenset({Actor.PROVIDER}),
    (DS.AWAITING_RESPONSE, DS.DECIDED): frozenset({Actor.STAFF}),
    (DS.AWAITING_DECISION, DS.DECIDED): frozenset({Actor.STAFF}),
}

MACHINE = StatusMachine(
    moves=TRANSITIONS,
    refusal=lambda dispute, to_status: (
        _("This dispute is %(status)s; it cannot move to “%(target)s”.")
        % {"status": dispute.get_status_display().lower(), "target": DS(to_status).label.lower()}
    ),
    timestamps={DS.AWAITING_DECISION: "responded_at", DS.DECIDED: "decided_at"},
    event_model=DisputeEvent,
    event_fk="dispute",
)


def _lock_dispute(booking_id: int) -> tuple[Booking, Dispute]:
    """Lock the booking, then its dispute (bookings.locks order: the booking before its rows)."""
    booking = lock_booking(booking_id)
    dispute = Dispute.objects.select_for_update().filter(booking_id=booking_id).first()
    if dispute is None:
        raise DomainError(_("No problem was reported on this booking."))
    return booking, dispute


def _add_photos(dispute: Dispute, photos: list[PreparedPhoto], party: str) -> None:
    for photo in photos:
        DisputePhoto.objects.create(
            dispute=dispute,
            party=party,
            image=photo.image,
            thumbnail=photo.thumbnail,
            content_type=photo.content_type,
        )


def dispute_open(
    *, booking_id: int, customer: User, reason: str, description: str, photos: list[PreparedPhoto] = ()
) -> Dispute:
    """The customer reports a problem on an in-progress or done job (until escrow is released).

    Refused (DomainError, nothing written) when the booking is not the customer's, is in another
    state, or was already disputed; photos are prepared (checked, re-encoded) by the caller.
    """
    description = description.strip()
    if reason not in Dispute.Reason.values:
        raise DomainError(_("Choose what went wrong."))
    if not description:
        raise DomainError(_("Describe the problem."))
    with transaction.atomic():
        booking = lock_booking(booking_id)
        if booking.customer_id != customer.pk:
            raise DomainError(_("Only the customer of this booking can report a problem."))
        if Dispute.objects.filter(booking=booking).exists():
            raise DomainError(_("A problem was already reported on this booking."))
        now = timezone.now()
        respond_by = now + settings.DISPUTE_RESPONSE_WINDOW
        with stored_text_language():
            label = str(Dispute.Reason(reason).label)
        from_status = booking.status
        booking_transition(
            booking_id=booking.pk,
            to_status=BS.DISPUTED,
            actor=customer,
            from_status=from_status,
            note=(
                f"Problem reported: {label}. Escrow is held until Servizo decides. "
                f"The provider can respond until {when_text(respond_by)}."
            ),
        )
        dispute = Dispute.objects.create(
            booking=booking,
            reason=reason,
            description=description,
            booking_status_at_open=from_status,
            respond_by=respond_by,
            decide_by=respond_by + settings.DISPUTE_DECISION_WINDOW,
        )
        MACHINE.record_event(dispute, actor=customer, from_status="", to_status=DS.AWAITING_RESPONSE, note=label)
        _add_photos(dispute, list(photos), DisputePhoto.Party.CUSTOMER)
    return dispute


def dispute_may_open(*, booking: Booking, user: User) -> bool:
    """Whether the "Report a problem" button is offered to this user now."""
    return BS.DISPUTED in allowed_transitions(booking, user)


def dispute_respond(*, booking_id: int, provider: User, response: str, photos: list[PreparedPhoto] = ()) -> Dispute:
    """The provider's one account of what happened, before `respond_by`; the customer is told."""
    response = response.strip()
    if not response:
        raise DomainError(_("Write your account of what happened."))
    with transaction.atomic():
        booking, dispute = _lock_dispute(booking_id)
        if booking.provider_id != provider.pk:
            raise DomainError(_("Only the provider of this booking can respond."))
        if dispute.status != DS.AWAITING_RESPONSE:
            raise DomainError(_("You have already responded, or Servizo has decided."))
        now = timezone.now()
        if now > dispute.respond_by:
            raise DomainError(
                _("The time to respond ended on %(when)s; Servizo staff decide on what they have.")
                % {"when": when_text(dispute.respond_by)}
            )
        transition(
            MACHINE,
            dispute,
            to_status=DS.AWAITING_DECISION,
            actor=provider,
            role=Actor.PROVIDER,
            note=response[:200],
            fields={"response": response, "decide_by": now + settings.DISPUTE_DECISION_WINDOW},
        )
        _add_photos(dispute, list(photos), DisputePhoto.Party.PROVIDER)
        with in_language_of(booking.customer):
            notice = _(
                "%(provider)s responded to the problem you reported on “%(title)s”. Servizo decides by %(when)s."
            ) % {
                "provider": provider,
                "title": booking.title,
                "when": when_text(dispute.decide_by, booking.customer.time_zone),
            }
        notification_create(
            recipient=booking.customer,
            kind="dispute_response",
            text=notice,
            link=booking.get_absolute_url(),
            email=True,
        )
    return dispute


def dispute_booking_decided(booking: Booking, event: BookingEvent) -> None:
    """Booking `refunded`/`resolved` hook: close its open dispute with the staff decision's note.

    Runs in the settlement's transaction with the booking locked; the booking move already tells
    both parties (with the reason), so nothing more is sent here.
    """
    dispute = Dispute.objects.select_for_update().filter(booking=booking).first()
    if dispute is None or not dispute.is_open:
        return
    transition(
        MACHINE,
        dispute,
        to_status=DS.DECIDED,
        actor=event.actor,
        role=Actor.STAFF,
        note=event.note,
        fields={"decision_note": event.note},
    )
