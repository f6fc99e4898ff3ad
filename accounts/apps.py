from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.models import Group
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from accounts.landing import category_caches_drop
        from accounts.models import ProviderProfile, ServiceCategory, User
        from accounts.signals import provider_profile_changed, user_permissions_changed, user_row_changed

        # Cache invalidation only (no business flow): the anonymous landing and category_map.
        post_save.connect(category_caches_drop, sender=ServiceCategory, dispatch_uid="category_caches_drop_save")
        post_delete.connect(category_caches_drop, sender=ServiceCategory, dispatch_uid="category_caches_drop_delete")
        # What a cached page's access checks read (servizo.pagecache serves a page before them).
        post_save.connect(user_row_changed, sender=User, dispatch_uid="pages_user_row")
        post_save.connect(provider_profile_changed, sender=ProviderProfile, dispatch_uid="pages_provider_profile")
        post_delete.connect(provider_profile_changed, sender=ProviderProfile, dispatch_uid="pages_provider_profile_del")
        for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
            m2m_changed.connect(user_permissions_changed, sender=through, dispatch_uid=f"pages_{through.__name__}")
