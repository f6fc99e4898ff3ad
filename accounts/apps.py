from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts.landing import landing_cache_drop
        from accounts.models import ServiceCategory

        # Cache invalidation only (no business flow): the anonymous landing lists the categories.
        post_save.connect(landing_cache_drop, sender=ServiceCategory, dispatch_uid="landing_cache_drop_save")
        post_delete.connect(landing_cache_drop, sender=ServiceCategory, dispatch_uid="landing_cache_drop_delete")
