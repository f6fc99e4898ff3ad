from django import template

from bookings import selectors
from bookings.models import Booking, BookingStatusCounts
from bookings.services import dashboard_panel_cache_name
from servizo.usercache import user_cached

register = template.Library()

_STATUS_STYLES = {
    Booking.Status.AWAITING_PAYMENT: "warning",
    Booking.Status.SCHEDULED: "info",
    Booking.Status.IN_PROGRESS: "primary",
    Booking.Status.PROVIDER_COMPLETED: "primary",
    Booking.Status.COMPLETED: "success",
    Booking.Status.CANCELLED: "secondary",
    Booking.Status.DISPUTED: "danger",
    Booking.Status.REFUNDED: "secondary",
    Booking.Status.RESOLVED: "secondary",
}


@register.inclusion_tag("bookings/_status_badge.html")
def booking_status_badge(booking: Booking) -> dict:
    return {"label": booking.get_status_display(), "style": _STATUS_STYLES.get(booking.status, "secondary")}


# The panels' rows and counts are kept per user in servizo.usercache (at most its TIMEOUT_SECONDS old:
# a party's name, or a provider's job becoming due at midnight); every creation or move of one of the
# user's bookings drops them on commit (bookings.services.status_counts_move), so a user's own change
# shows at once. Building them (a UNION of nine ranges) was most of a dashboard's cost.
Side = BookingStatusCounts.Side


@register.inclusion_tag("bookings/_customer_panel.html", takes_context=True)
def bookings_customer_dashboard(context) -> dict:
    """The customer's bookings panel; `?booking_state=` filters its history list (read afresh)."""
    user, history_status = context["user"], context["request"].GET.get("booking_state", "")
    if history_status:
        return {**selectors.customer_dashboard(user=user, history_status=history_status), "user": user}
    panel = user_cached(
        user.pk, dashboard_panel_cache_name(Side.CUSTOMER), lambda: selectors.customer_dashboard(user=user)
    )
    return {**panel, "user": user}


@register.inclusion_tag("bookings/_provider_panel.html", takes_context=True)
def bookings_provider_dashboard(context) -> dict:
    user = context["user"]
    panel = user_cached(
        user.pk, dashboard_panel_cache_name(Side.PROVIDER), lambda: selectors.provider_dashboard(user=user)
    )
    return {**panel, "user": user}
