from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Chat")

    def ready(self):
        from bookings.models import Booking
        from bookings.services import register_transition_hook
        from chat.services import booking_attach_conversation

        register_transition_hook(Booking.Status.AWAITING_PAYMENT, booking_attach_conversation)
