"""Signal receivers that keep a provider's cached public profile right (servizo.pagecache; no business flow).

Everyone's copy of `/reviews/providers/<id>/` is renewed by whatever it shows, from any writer: a review
or a reply (created, edited, hidden), the reputation it adds up to, the profile (a suspension makes it a
404) and the portfolio.
"""

from django.http import HttpRequest

from servizo.pagecache import shared_pages_changed


def profile_pages(request: HttpRequest, pk: int) -> str:
    """The shared page generation of provider `pk`'s public profile (the view's `page_cache` scope)."""
    return _scope(pk)


def _scope(provider_id: int) -> str:
    return f"provider-profile:{provider_id}"


def provider_row_changed(sender, instance, **kwargs) -> None:
    """A Review, ReviewReply or ProviderReputation (`provider_id`), or a ProviderProfile (`user_id`)."""
    shared_pages_changed(_scope(getattr(instance, "provider_id", None) or instance.user_id))


def portfolio_changed(sender, instance, **kwargs) -> None:
    shared_pages_changed(_scope(instance.profile.user_id))
