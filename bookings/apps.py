from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        from accounts.models import ProviderProfile
        from accounts.services import register_provider_status_hook
        from bookings.services import bookings_cancel_for_suspension

        # A suspension cancels the provider's open bookings in the same transaction (README).
        register_provider_status_hook(ProviderProfile.Status.SUSPENDED, bookings_cancel_for_suspension)
