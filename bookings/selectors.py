"""Reads for bookings: who may see which booking, lists, dashboard panels."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from bookings.models import Booking, BookingEvent
from bookings.services import REASON_REQUIRED, allowed_transitions

S = Booking.Status

PANEL_ROWS = 5


def booking_list_for_party(*, user: User, status: str = "") -> QuerySet[Booking]:
    """Bookings where the user is the customer or the provider, newest first (optionally one status).

    A user has one role (`User.role`), so the list is one side's bookings: a single index-ordered range
    on (customer or provider, [status,] created_at), where `customer OR provider` made MariaDB scan and
    sort every booking.
    """
    if user.is_provider:
        side = Q(provider=user)
    elif user.is_customer:
        side = Q(customer=user)
    else:
        return Booking.objects.none()
    bookings = Booking.objects.filter(side).select_related("customer", "provider", "category")
    if status:
        bookings = bookings.filter(status=status)
    return bookings


def staff_may_read_bookings(user: User) -> bool:
    """Staff read any booking (addresses, phones, emails) only with the model permission, not for `is_staff`."""
    return user.is_staff and user.has_perm("bookings.view_booking")


def booking_visible_to(*, user: User) -> QuerySet[Booking]:
    """The parties see their bookings; staff allowed to view bookings see every one (read-only on the site)."""
    bookings = Booking.objects.select_related("customer", "provider", "category", "offer")
    if staff_may_read_bookings(user):
        return bookings
    return bookings.filter(Q(customer=user) | Q(provider=user))


def booking_events(*, booking: Booking) -> list[BookingEvent]:
    return list(booking.events.select_related("actor"))


def booking_was_paid(*, events: list[BookingEvent]) -> bool:
    """Paid once it reached `scheduled`; contact details are shared from then on."""
    return any(event.to_status == S.SCHEDULED for event in events)


@dataclass(frozen=True)
class BookingAction:
    to_status: str
    label: str
    style: str
    confirm: str
    needs_reason: bool


# How each move a party can make is offered on the booking page. Reporting a problem (`disputed`) has
# its own form, with photos (disputes app: its panel on the booking page offers it).
_ACTION_TEXT: dict[str, tuple[str, str, str]] = {
    S.IN_PROGRESS: ("Start the job", "primary", "Tell the customer you have started the job?"),
    S.PROVIDER_COMPLETED: ("Mark the job done", "success", "Tell the customer the job is done?"),
    S.COMPLETED: (
        "Confirm completion",
        "success",
        "Confirm the job is done to your satisfaction? The payment is then released to the provider.",
    ),
    S.CANCELLED: ("Cancel the booking", "outline-danger", "Cancel this booking? This cannot be undone."),
}


def booking_actions_for(*, booking: Booking, user: User) -> list[BookingAction]:
    """Buttons for the moves this party may make now (staff act in the admin, the system on its own)."""
    if user.pk not in (booking.customer_id, booking.provider_id):
        return []
    return [
        BookingAction(to, *_ACTION_TEXT[to], needs_reason=(booking.status, to) in REASON_REQUIRED)
        for to in allowed_transitions(booking, user)
        if to in _ACTION_TEXT
    ]


def _status_counts(bookings: QuerySet[Booking]) -> list[tuple[str, str, int]]:
    """(status, label, count) for every state the user has bookings in, in lifecycle order."""
    rows = bookings.order_by().values("status").annotate(n=Count("id"))
    counts = {row["status"]: row["n"] for row in rows}
    return [(status, label, counts[status]) for status, label in S.choices if status in counts]


def customer_dashboard(*, user: User, history_status: str = "") -> dict:
    """Four queries whatever the number of bookings: counts, needing action, upcoming, history."""
    mine = Booking.objects.filter(customer=user).select_related("provider", "category")
    history_statuses = [history_status] if history_status in Booking.HISTORY else Booking.HISTORY
    return {
        "counts": _status_counts(mine),
        "needs_action": list(mine.filter(status__in=Booking.NEEDS_CUSTOMER_ACTION).order_by("pay_by")[:PANEL_ROWS]),
        "upcoming": list(mine.filter(status__in=Booking.UPCOMING).order_by("scheduled_date", "id")[:PANEL_ROWS]),
        "history": list(mine.filter(status__in=history_statuses)[:PANEL_ROWS]),
        "history_status": history_status if history_status in Booking.HISTORY else "",
        "history_choices": [(status, S(status).label) for status in Booking.in_status_order(Booking.HISTORY)],
    }


def provider_dashboard(*, user: User) -> dict:
    """Four queries: counts, jobs needing action (due or under way), upcoming, recently completed."""
    mine = Booking.objects.filter(provider=user).select_related("customer", "category")
    today = timezone.localdate()
    due = Q(status=S.SCHEDULED, scheduled_date__lte=today) | Q(status=S.IN_PROGRESS)
    return {
        "counts": _status_counts(mine),
        "needs_action": list(mine.filter(due).order_by("scheduled_date", "id")[:PANEL_ROWS]),
        "upcoming": list(
            mine.filter(status=S.SCHEDULED, scheduled_date__gt=today).order_by("scheduled_date", "id")[:PANEL_ROWS]
        ),
        "completed": list(mine.filter(status=S.COMPLETED).order_by("-completed_at", "-id")[:PANEL_ROWS]),
    }
