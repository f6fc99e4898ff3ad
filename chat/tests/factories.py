import factory

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from chat.models import Conversation, Message
from chat.services import conversation_get_or_create, message_store


class ConversationFactory(factory.django.DjangoModelFactory):
    """A booking conversation (the booking is scheduled, so the chat is open)."""

    class Meta:
        model = Conversation

    booking = factory.SubFactory(BookingFactory, status=Booking.Status.SCHEDULED)
    offer = factory.SelfAttribute("booking.offer")
    customer = factory.SelfAttribute("booking.customer")
    provider = factory.SelfAttribute("booking.provider")

    @classmethod
    def _create(cls, model_class, *, offer, provider, customer, **fields):
        """Through the service, so the maintained counters (members, inboxes) exist as in production."""
        conversation, _ = conversation_get_or_create(
            offer_id=offer.pk, provider_id=provider.pk, customer_id=customer.pk, **fields
        )
        return conversation


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    sender = factory.SelfAttribute("conversation.customer")
    text = factory.Sequence(lambda n: f"Message {n}")

    @classmethod
    def _create(cls, model_class, *, conversation, sender, text):
        """Through the service, so unread counters and the last message move as in production."""
        return message_store(conversation=conversation, sender=sender, text=text)
