from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts.landing import category_caches_drop
        from accounts.models import ServiceCategory

        # Cache invalidation only (no business flow): the anonymous landing and category_map.
        post_save.connect(category_caches_drop, sender=ServiceCategory, dispatch_uid="category_caches_drop_save")
        post_delete.connect(category_caches_drop, sender=ServiceCategory, dispatch_uid="category_caches_drop_delete")
