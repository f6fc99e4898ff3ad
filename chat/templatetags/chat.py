from django import template

from chat.selectors import conversation_list, provider_may_ask, request_unread, unread_total

register = template.Library()


@register.simple_tag(takes_context=True)
def chat_unread_total(context, user) -> int:
    """The user's unread messages; read once per request however often the page shows it (chat.selectors)."""
    if not user.is_authenticated:
        return 0
    request = context.get("request")
    if request is not None and request.user.pk == user.pk:
        return request_unread(request)
    return unread_total(user=user)


@register.inclusion_tag("chat/_booking_panel_body.html")
def chat_booking_panel(booking, user):
    is_participant = user.pk in (booking.customer_id, booking.provider_id)
    conversation = conversation_list(user=user).filter(booking=booking).first() if is_participant else None
    return {"booking": booking, "conversation": conversation, "is_participant": is_participant}


@register.inclusion_tag("chat/_offer_panel_body.html", takes_context=True)
def chat_offer_panel(context, offer, user):
    """Customer: one thread per provider who asked. Provider: their own thread, or the button to ask."""
    conversations = (
        list(conversation_list(user=user, offer=offer))
        if user.is_authenticated and (user.pk == offer.customer_id or user.is_provider)
        else []
    )
    request = context.get("request")
    return {
        "offer": offer,
        "user": user,
        "conversations": conversations,
        "can_ask": (
            user.is_authenticated
            and user.is_provider
            and not conversations
            and offer.is_open
            and provider_may_ask(offer=offer, provider=user)
        ),
        "next": request.get_full_path() if request else "",
    }
