from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from bookings.models import Booking
        from bookings.services import register_transition_hook
        from payments.services.balances import balance_on_booking_status
        from payments.services.cancellations import cancellation_settle_on_cancelled
        from payments.services.decisions import decision_queue_on_booking_status
        from payments.services.ledger import escrow_release_on_completed

        # The held share follows the booking's status; registered first, before any hook writing the ledger.
        for status in Booking.Status:
            register_transition_hook(status, balance_on_booking_status)
            register_transition_hook(status, decision_queue_on_booking_status)
        # Escrow is released in the same transaction as the move to `completed`.
        register_transition_hook(Booking.Status.COMPLETED, escrow_release_on_completed)
        # A party's cancellation of a paid booking records its policy refund in the same transaction.
        register_transition_hook(Booking.Status.CANCELLED, cancellation_settle_on_cancelled)
