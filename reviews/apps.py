from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        from bookings.models import Booking
        from bookings.services import register_transition_hook
        from reviews.services import booking_completed

        register_transition_hook(Booking.Status.COMPLETED, booking_completed)
