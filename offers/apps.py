from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = _("Offers")

    def ready(self) -> None:
        # An offer leaving "open" closes its pending quotes in the same transaction (offers.quote_services).
        from offers import quote_services, services

        for status in (services.S.ACCEPTED, services.S.WITHDRAWN, services.S.EXPIRED):
            services.MACHINE.register_hook(status, quote_services.quotes_close_with_offer)
