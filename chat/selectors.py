"""Reads for chat. Every conversation read for a user goes through a participant filter."""

from django.db.models import Case, Count, F, Max, Q, QuerySet, When

from accounts.models import User
from chat.models import Conversation, Message
from offers.models import Offer
from offers.selectors import provider_offer_access

HISTORY_PAGE_SIZE = 30
RESYNC_LIMIT = 200


def _participant_filter(user: User) -> Q:
    return Q(customer=user) | Q(provider=user)


def _unread_count(user: User) -> Count:
    """Per conversation: messages from the other side after the user's read pointer."""
    my_pointer = Case(When(customer=user, then=F("customer_read_up_to")), default=F("provider_read_up_to"))
    return Count("messages", filter=Q(messages__id__gt=my_pointer) & ~Q(messages__sender_id=user.pk))


def conversation_for_participant(*, user: User, pk: int) -> Conversation | None:
    """The conversation if `user` takes part in it, else None (callers answer 404 / close 4403)."""
    if not user.is_authenticated:
        return None
    return (
        Conversation.objects.select_related("offer", "booking", "customer", "provider")
        .filter(_participant_filter(user), pk=pk)
        .first()
    )


def conversation_list(*, user: User, offer: Offer | None = None) -> QuerySet[Conversation]:
    """The user's conversations, latest message first, annotated with `unread` and `last_message_id`.

    Pair with `attach_last_messages` on the page being shown (one more query).
    """
    conversations = Conversation.objects.filter(_participant_filter(user))
    if offer is not None:
        conversations = conversations.filter(offer=offer)
    return (
        conversations.select_related("offer", "booking", "customer", "provider")
        .annotate(
            unread=_unread_count(user),
            last_message_id=Max("messages__id"),
        )
        .order_by(F("last_message_id").desc(nulls_last=True), "-id")
    )


def attach_last_messages(conversations) -> list[Conversation]:
    """Set `.last_message` on conversations annotated by `conversation_list`, in one query."""
    conversations = list(conversations)
    messages = Message.objects.in_bulk([c.last_message_id for c in conversations if c.last_message_id])
    for conversation in conversations:
        conversation.last_message = messages.get(conversation.last_message_id)
    return conversations


def unread_total(*, user: User) -> int:
    """Messages from others the user has not read yet, over all their conversations (the navbar).

    Driven from the user's conversations so MariaDB walks the (conversation, id) index of each.
    """
    return Conversation.objects.filter(_participant_filter(user)).aggregate(total=_unread_count(user))["total"]


def messages_before(
    *, conversation: Conversation, before_id: int | None = None, limit: int = HISTORY_PAGE_SIZE
) -> tuple[list[Message], bool]:
    """Up to `limit` messages older than `before_id` (newest page if None), oldest first, and whether more exist."""
    messages = conversation.messages.select_related("sender").order_by("-id")
    if before_id is not None:
        messages = messages.filter(id__lt=before_id)
    page = list(messages[: limit + 1])
    return page[:limit][::-1], len(page) > limit


def messages_after(
    *, conversation: Conversation, after_id: int, limit: int = RESYNC_LIMIT
) -> tuple[list[Message], bool]:
    """Messages newer than `after_id`, oldest first (the resync after a reconnect), and whether more exist."""
    page = list(conversation.messages.select_related("sender").filter(id__gt=after_id).order_by("id")[: limit + 1])
    return page[:limit], len(page) > limit


def provider_may_ask(*, offer: Offer, provider: User) -> bool:
    """A provider may ask about an offer exactly when it is in their feed (the offers matching rule)."""
    return provider_offer_access(provider=provider, offer_id=offer.pk).allowed


def message_payload(message: Message) -> dict:
    """The JSON shape of a message, for the socket, the history endpoint and the page."""
    return {
        "id": message.pk,
        "sender_id": message.sender_id,
        "sender_name": message.sender.get_short_name(),
        "text": message.text,
        "created_at": message.created_at.isoformat(),
    }
