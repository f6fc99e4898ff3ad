from django import template

from bookings import selectors
from bookings.models import Booking

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


@register.inclusion_tag("bookings/_customer_panel.html", takes_context=True)
def bookings_customer_dashboard(context) -> dict:
    """The customer's bookings panel; `?booking_state=` filters its history list."""
    request = context["request"]
    panel = selectors.customer_dashboard(user=context["user"], history_status=request.GET.get("booking_state", ""))
    return {**panel, "user": context["user"]}


@register.inclusion_tag("bookings/_provider_panel.html", takes_context=True)
def bookings_provider_dashboard(context) -> dict:
    return {**selectors.provider_dashboard(user=context["user"]), "user": context["user"]}
