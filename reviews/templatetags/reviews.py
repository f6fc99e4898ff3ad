"""Template tags feeding the reviews partials; each costs a fixed number of queries."""

from django import template
from django.utils.translation import gettext

from reviews import selectors

register = template.Library()


@register.simple_tag
def provider_reputation(provider):
    """The provider's reputation or None; no query if the page selected `provider__reputation`."""
    return selectors.provider_reputation_get(provider=provider) if provider else None


@register.simple_tag
def customer_rating(customer):
    return selectors.customer_rating_summary(customer_id=customer.pk)


@register.simple_tag
def booking_review_state(booking, user):
    """What the booking panel needs: whether the job can be reviewed, the review, and whether the customer is rated."""
    is_provider = user.pk == booking.provider_id
    return {
        "reviewable": selectors.booking_reviewable(booking=booking),
        "review": selectors.booking_review_get(booking=booking),
        "customer_rated": is_provider and selectors.customer_rating_exists(booking=booking),
    }


@register.simple_tag
def bookings_to_review(user):
    return selectors.bookings_to_review(customer=user)


@register.simple_tag
def provider_dashboard_reviews(user):
    return {
        "reputation": selectors.provider_reputation_get(provider=user),
        "awaiting_reply": selectors.reviews_awaiting_reply(provider=user),
        "to_rate": selectors.bookings_to_rate_customer(provider=user),
    }


@register.filter
def public_name(user) -> str:
    """How a reviewer appears in public: first name and last initial ("Maria R.")."""
    parts = (user.full_name or "").split()
    if not parts:
        return gettext("A customer")
    return f"{parts[0]} {parts[-1][0]}." if len(parts) > 1 else parts[0]


@register.filter
def stars(rating) -> str:
    rating = int(rating or 0)
    return "★" * rating + "☆" * (5 - rating)
