from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self) -> None:
        from accounts.models import ProviderProfile
        from accounts.services import register_provider_status_hook
        from bookings.services import bookings_cancel_for_suspension

        # A suspension cancels the provider's open bookings in the same transaction (README).
        register_provider_status_hook(ProviderProfile.Status.SUSPENDED, bookings_cancel_for_suspension)
