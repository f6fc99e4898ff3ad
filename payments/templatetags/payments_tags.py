"""Data for the payments partials on dashboards and the booking page (bounded queries)."""

from django import template
from django.conf import settings

from payments import selectors
from payments.cancellation import booking_cancellation_quote

register = template.Library()


@register.simple_tag
def provider_money(user) -> dict:
    return {"balance": selectors.provider_balance(provider=user), "currency": settings.CURRENCY}


@register.simple_tag
def customer_to_pay(user) -> list:
    return selectors.customer_awaiting_payment(customer=user)


@register.simple_tag
def booking_money(booking) -> dict:
    return {
        "balance": selectors.booking_balance(booking_id=booking.pk),
        "payment": selectors.booking_payment_latest(booking=booking),
        "settlements": selectors.booking_settlements(booking=booking),
    }


@register.simple_tag
def cancellation_terms(booking, user):
    """The cancel dialog's amounts: what cancelling now does to the money (None: nothing paid)."""
    return booking_cancellation_quote(booking=booking, user=user)
