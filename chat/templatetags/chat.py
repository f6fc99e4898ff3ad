from django import template
from django.template.loader import render_to_string
from django.utils.translation import get_language

from chat.selectors import conversation_list, provider_may_ask, request_unread, unread_total
from servizo.fragments import cached_fragments

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


# The chat list's rows are kept this long per user: a row's key holds its last message and unread count,
# so a new message or a read shows at once; a renamed party or job shows within this time.
LIST_ROW_CACHE_SECONDS = 60


@register.simple_tag
def conversation_rows(conversations, user):
    """The chat list's rows (servizo.fragments: rendering was most of the page's cost per row), kept per language."""
    language = get_language()
    return cached_fragments(
        conversations,
        key=lambda c: f"chat-row:{language}:{user.pk}:{c.pk}:{c.last_message_id}:{c.unread}",
        render=lambda c: render_to_string("chat/_list_row.html", {"c": c, "user": user}),
        timeout=LIST_ROW_CACHE_SECONDS,
    )


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
