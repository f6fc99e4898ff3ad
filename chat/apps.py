from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"

    def ready(self):
        from bookings.models import Booking
        from bookings.services import register_transition_hook
        from chat.services import booking_attach_conversation

        register_transition_hook(Booking.Status.AWAITING_PAYMENT, booking_attach_conversation)
