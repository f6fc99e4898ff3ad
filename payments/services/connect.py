"""Provider payout accounts: Stripe Connect Express onboarding."""

from django.utils.translation import gettext as _

from accounts.models import ProviderProfile, User
from accounts.services import provider_payout_account_set, provider_payouts_enabled_set
from payments.stripe_gateway import stripe_client, stripe_errors
from servizo.exceptions import DomainError


def connect_onboarding_link(*, provider: User, refresh_url: str, return_url: str) -> str:
    """Create the provider's Express account once (idempotency key from the profile), return an onboarding URL."""
    profile = ProviderProfile.objects.get(user=provider)
    if not profile.is_approved:
        raise DomainError(_("Your provider profile must be approved before you can set up payouts."))
    client = stripe_client()
    with stripe_errors():
        if not profile.stripe_account_id:
            account = client.v1.accounts.create(
                {
                    "type": "express",
                    "email": provider.email,
                    "metadata": {"user_id": str(provider.pk)},
                    "capabilities": {"transfers": {"requested": True}},
                },
                {"idempotency_key": f"servizo-provider-{profile.pk}-account"},
            )
            profile = provider_payout_account_set(profile_id=profile.pk, stripe_account_id=account.id)
        link = client.v1.account_links.create(
            {
                "account": profile.stripe_account_id,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            }
        )
    return link.url


def connect_account_refresh(*, account_id: str) -> ProviderProfile | None:
    """Read the account from Stripe and store whether it can receive payouts (return URL and webhook)."""
    profile = ProviderProfile.objects.filter(stripe_account_id=account_id).first() if account_id else None
    if profile is None:
        return None
    with stripe_errors():
        account = stripe_client().v1.accounts.retrieve(account_id)
    capabilities = account.capabilities.to_dict() if account.capabilities else {}
    enabled = bool(account.payouts_enabled) and capabilities.get("transfers") == "active"
    return provider_payouts_enabled_set(profile_id=profile.pk, enabled=enabled)
