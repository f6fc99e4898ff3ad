import factory

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from chat.models import Conversation, Message


class ConversationFactory(factory.django.DjangoModelFactory):
    """A booking conversation (the booking is scheduled, so the chat is open)."""

    class Meta:
        model = Conversation

    booking = factory.SubFactory(BookingFactory, status=Booking.Status.SCHEDULED)
    offer = factory.SelfAttribute("booking.offer")
    customer = factory.SelfAttribute("booking.customer")
    provider = factory.SelfAttribute("booking.provider")


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    sender = factory.SelfAttribute("conversation.customer")
    text = factory.Sequence(lambda n: f"Message {n}")
