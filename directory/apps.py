from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"

    def ready(self) -> None:
        from accounts.models import ProviderProfile
        from accounts.services import register_provider_area_hook, register_provider_status_hook
        from directory.services import listing_area_set, listings_sync

        # Approval lists a provider; every other status takes them off the directory.
        for status in ProviderProfile.Status.values:
            register_provider_status_hook(status, listings_sync)
        register_provider_area_hook(listing_area_set)
