"""Signal receivers that keep caches right (no business flow runs here).

A cached page (servizo.pagecache) is served before its view's access checks run, so whatever those checks
read must renew the user's pages when it changes, from any writer (services, the admin's forms): the
user row (role, active), the provider profile (status), and staff groups and permissions.
"""

from accounts.models import User
from servizo.pagecache import pages_changed, site_pages_changed


def user_row_changed(sender, instance, **kwargs) -> None:
    pages_changed(instance.pk)


def provider_profile_changed(sender, instance, **kwargs) -> None:
    pages_changed(instance.user_id)


def user_permissions_changed(sender, instance, **kwargs) -> None:
    """A user's groups or own permissions changed from the user's side (their pages), or from a group's or a
    permission's side (every page: it may touch many users)."""
    if isinstance(instance, User):
        pages_changed(instance.pk)
    else:
        site_pages_changed()
