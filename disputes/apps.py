from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Disputes")

    def ready(self) -> None:
        from bookings.models import Booking
        from bookings.services import register_transition_hook
        from disputes.services import dispute_booking_decided

        for status in (Booking.Status.REFUNDED, Booking.Status.RESOLVED):
            register_transition_hook(status, dispute_booking_decided)
