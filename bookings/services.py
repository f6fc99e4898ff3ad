"""The booking state machine: one transition table, one transition function.

Cross-app work that must happen in the same transaction as a transition (payments
releasing escrow on `completed`, say) is registered as a hook with
`register_transition_hook` from that app's `AppConfig.ready()`; hooks run inside
the transaction, after the status change, with the row still locked. Notifications
and emails go out on commit.
"""

from collections import defaultdict
from collections.abc import Callable
from enum import StrEnum

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from bookings.models import Booking, BookingEvent
from servizo.exceptions import TransitionNotAllowed

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
    (S.IN_PROGRESS, S.CANCELLED): frozenset({Actor.CUSTOMER, Actor.PROVIDER, Actor.STAFF}),
    (S.PROVIDER_COMPLETED, S.COMPLETED): frozenset({Actor.CUSTOMER, Actor.SYSTEM}),
    (S.PROVIDER_COMPLETED, S.DISPUTED): frozenset({Actor.CUSTOMER}),
    (S.CANCELLED, S.REFUNDED): frozenset({Actor.STAFF}),
    (S.CANCELLED, S.RESOLVED): frozenset({Actor.STAFF}),
    (S.DISPUTED, S.REFUNDED): frozenset({Actor.STAFF}),
    (S.DISPUTED, S.RESOLVED): frozenset({Actor.STAFF}),
}
# Moves that need a written reason from whoever makes them.
REASON_REQUIRED: frozenset[tuple[str, str]] = frozenset(
    {
        (S.SCHEDULED, S.CANCELLED),
        (S.IN_PROGRESS, S.CANCELLED),
        (S.PROVIDER_COMPLETED, S.DISPUTED),
    }
)

TransitionHook = Callable[[Booking, BookingEvent], None]
_hooks: dict[str, list[TransitionHook]] = defaultdict(list)


def register_transition_hook(to_status: str, hook: TransitionHook) -> None:
    """Run `hook(booking, event)` inside the transaction whenever a booking enters `to_status`."""
    if hook not in _hooks[to_status]:
        _hooks[to_status].append(hook)


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


def allowed_transitions(booking: Booking, actor: User | None) -> list[str]:
    """Statuses this actor may move the booking to now (for buttons and admin choices)."""
    role = actor_role(booking, actor)
    return [to for (frm, to), roles in TRANSITIONS.items() if frm == booking.status and role in roles]


def booking_transition(*, booking_id: int, to_status: str, actor: User | None, note: str = "") -> Booking:
    """Move a booking to `to_status` if the table allows it for this actor.

    Locks the booking row, records a BookingEvent and runs registered hooks in the
    same transaction. Raises TransitionNotAllowed otherwise (nothing is written).
    """
    note = note.strip()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking_id)
        move = (booking.status, to_status)
        role = actor_role(booking, actor)
        if role not in TRANSITIONS.get(move, frozenset()):
            raise TransitionNotAllowed(
                f"This booking is {booking.get_status_display().lower()}; "
                f"it cannot be moved to {S(to_status).label.lower()} by you."
            )
        if move in REASON_REQUIRED and not note:
            raise TransitionNotAllowed("Please give a reason.")
        now = timezone.now()
        booking.status = to_status
        if to_status == S.PROVIDER_COMPLETED:
            booking.provider_completed_at = now
        elif to_status == S.COMPLETED:
            booking.completed_at = now
        booking.save(update_fields=["status", "provider_completed_at", "completed_at", "updated_at"])
        event = BookingEvent.objects.create(
            booking=booking, actor=actor, from_status=move[0], to_status=to_status, note=note
        )
        for hook in _hooks[to_status]:
            hook(booking, event)
    return booking
