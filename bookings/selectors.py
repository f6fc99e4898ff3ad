"""Reads for bookings: who may see which booking, lists, dashboard panels."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import category_map
from bookings.models import Booking, BookingEvent, BookingStatusCounts
from bookings.services import REASON_REQUIRED, allowed_transitions, offer_reopen_refusal

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
    cancels: bool  # the dialog then shows the cancellation policy's amounts


# How each move a party can make is offered on the booking page. Reporting a problem (`disputed`) has
# its own form, with photos (disputes app: its panel on the booking page offers it).
_ACTION_TEXT: dict[str, tuple[str, str, str]] = {
    S.IN_PROGRESS: (_("Start the job"), "primary", _("Tell the customer you have started the job?")),
    S.PROVIDER_COMPLETED: (_("Mark the job done"), "success", _("Tell the customer the job is done?")),
    S.COMPLETED: (
        _("Confirm completion"),
        "success",
        _("Confirm the job is done to your satisfaction? The payment is then released to the provider."),
    ),
    S.CANCELLED: (_("Cancel the booking"), "outline-danger", _("Cancel this booking? This cannot be undone.")),
}


def booking_actions_for(*, booking: Booking, user: User) -> list[BookingAction]:
    """Buttons for the moves this party may make now (staff act in the admin, the system on its own)."""
    if user.pk not in (booking.customer_id, booking.provider_id):
        return []
    return [
        BookingAction(
            to, *_ACTION_TEXT[to], needs_reason=(booking.status, to) in REASON_REQUIRED, cancels=to == S.CANCELLED
        )
        for to in allowed_transitions(booking, user)
        if to in _ACTION_TEXT
    ]


def booking_offer_reopenable(*, booking: Booking, user: User) -> bool:
    """Show the customer "Offer the job to other providers" (their provider cancelled it)?"""
    if user.pk != booking.customer_id or booking.status not in (S.CANCELLED, S.REFUNDED):
        return False  # no query on the other bookings
    return not offer_reopen_refusal(booking=booking, offer=booking.offer)


def _status_counts(*, user: User, side: str) -> list[tuple[str, str, int]]:
    """(status, label, count) for every state the user has bookings in, in lifecycle order.

    One row read (BookingStatusCounts, maintained on every move), whatever the user's history.
    """
    row = BookingStatusCounts.objects.filter(user=user, side=side).first()
    counts = row.by_status() if row else {}
    return [(status, label, counts[status]) for status, label in S.choices if counts.get(status)]


def party_status_count(*, user_id: int, side: str, status: str) -> int:
    """How many bookings the user has in `status` on one side: one row read (BookingStatusCounts)."""
    counted = BookingStatusCounts.objects.filter(user_id=user_id, side=side).values_list(status, flat=True).first()
    return counted or 0


def _first_rows(bookings: QuerySet[Booking], panels: dict[str, tuple[list[dict], tuple[str, ...]]]) -> dict:
    """Each panel's first PANEL_ROWS bookings, in one statement whatever the user's history.

    A panel is (ranges, order): one filter per status, each an index range read in the panel's order
    (the (side, status, order column) indexes), so the database reads at most PANEL_ROWS rows per range
    where an `IN` over several statuses would sort all of them. The ranges go in one UNION ALL (SQLite,
    which refuses LIMIT inside one, runs them in turn) and each panel's rows are merged here. Categories
    come from `category_map`: joined, the small category table can drive the join and force a sort.
    """
    querysets = [
        bookings.filter(**where).annotate(panel_part=Value(n)).order_by(*order)[:PANEL_ROWS]
        for n, (ranges, order) in enumerate(panels.values())
        for where in ranges
    ]
    if connection.features.supports_slicing_ordering_in_compound:
        rows = list(querysets[0].union(*querysets[1:], all=True))
    else:
        rows = [row for queryset in querysets for row in queryset]
    categories = category_map()
    for row in rows:
        row.category = categories[row.category_id]
    result = {}
    for n, name in enumerate(panels):
        panel_rows = [row for row in rows if row.panel_part == n]
        for field in reversed(panels[name][1]):  # stable sorts, last key first; NULLs first as in MariaDB
            key = field.lstrip("-")
            panel_rows.sort(key=lambda row: (getattr(row, key) is not None, getattr(row, key)), reverse=field[0] == "-")
        result[name] = panel_rows[:PANEL_ROWS]
    return result


def customer_dashboard(*, user: User, history_status: str = "") -> dict:
    """Two queries whatever the number of bookings: the counts row, and the three lists in one statement.

    A customer with no booking yet (no counts) gets one query and `first_booking_pending`: the panel then
    leads with posting an offer instead of three empty lists.
    """
    counts = _status_counts(user=user, side=BookingStatusCounts.Side.CUSTOMER)
    if not counts:
        return {"counts": counts, "first_booking_pending": True}
    mine = Booking.objects.filter(customer=user).select_related("provider")
    history_status = history_status if history_status in Booking.HISTORY else ""
    history = [history_status] if history_status else Booking.in_status_order(Booking.HISTORY)
    panels = _first_rows(
        mine,
        {
            "needs_action": (_each(Booking.NEEDS_CUSTOMER_ACTION), ("pay_by", "id")),
            "upcoming": (_each(Booking.UPCOMING), ("scheduled_date", "id")),
            "history": (_each(history), ("-created_at", "-id")),
        },
    )
    return {
        "counts": counts,
        **panels,
        "history_status": history_status,
        "history_choices": [(status, S(status).label) for status in Booking.in_status_order(Booking.HISTORY)],
    }


def _each(statuses) -> list[dict]:
    return [{"status": status} for status in sorted(statuses)]


def provider_dashboard(*, user: User) -> dict:
    """Two queries: the counts row, and jobs needing action (due or under way), upcoming and recently
    completed in one statement."""
    mine = Booking.objects.filter(provider=user).select_related("customer")
    today = timezone.localdate()
    by_date = ("scheduled_date", "id")
    panels = _first_rows(
        mine,
        {
            "needs_action": (
                [{"status": S.SCHEDULED, "scheduled_date__lte": today}, {"status": S.IN_PROGRESS}],
                by_date,
            ),
            "upcoming": ([{"status": S.SCHEDULED, "scheduled_date__gt": today}], by_date),
            "completed": ([{"status": S.COMPLETED}], ("-completed_at", "-id")),
        },
    )
    return {"counts": _status_counts(user=user, side=BookingStatusCounts.Side.PROVIDER), **panels}


def status_counts_from_bookings(bookings: QuerySet) -> dict[tuple[int, str], dict[str, int]]:
    """What BookingStatusCounts must hold, grouped from the bookings themselves (backfill and audit).

    Keyed by (user id, side); a status with no bookings is absent. Reads the whole table: for the
    migration and `audit_booking_counts`, never for a page.
    """
    counts: dict[tuple[int, str], dict[str, int]] = {}
    Side = BookingStatusCounts.Side
    for field, side in (("customer_id", Side.CUSTOMER), ("provider_id", Side.PROVIDER)):
        for user_id, status, n in bookings.order_by().values_list(field, "status").annotate(n=Count("id")):
            counts.setdefault((user_id, side.value), {})[status] = n
    return counts
