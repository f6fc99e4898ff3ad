"""Data for the payments partials on dashboards and the booking page (bounded queries)."""

from django import template
from django.conf import settings

from payments import selectors

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
    }
