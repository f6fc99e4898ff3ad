"""`{% provider_avatar user size %}`: a provider's public profile photo, or their initials in a circle.

Reads `user.provider_profile`: lists should `select_related("provider_profile")` to keep one query.
The photo shows only while the provider is approved and active (as `accounts.views.provider_avatar` serves it).
"""

from django import template
from django.urls import reverse

from accounts.policies import provider_standing

register = template.Library()


def initials(name: str) -> str:
    """Up to two initials of a name ("Ana María López" -> "AL"); "?" for an empty one."""
    words = name.split()
    if not words:
        return "?"
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()


@register.inclusion_tag("accounts/_avatar.html")
def provider_avatar(user, size: int = 48) -> dict:
    profile = getattr(user, "provider_profile", None) if user.is_provider else None
    url = ""
    if profile is not None and profile.avatar_thumbnail and provider_standing(user):
        url = reverse("provider_avatar_thumbnail", args=[profile.pk])
    return {"url": url, "initials": initials(str(user) if user.full_name else ""), "name": str(user), "size": size}
