import random

from accounts.models import ProviderProfile, User
from accounts.tests.factories import ProviderProfileFactory
from directory.models import ANY_TRADE, DirectoryListing, price_level
from directory.services import listings_sync


def listed_provider(**profile_fields) -> User:
    """An approved provider listed in the directory, as approval lists them (profile fields as keywords)."""
    profile: ProviderProfile = ProviderProfileFactory(**profile_fields)
    listings_sync(profile)
    return profile.user


def listings_bulk_create(*, count: int, trades: list[int], tag: str = "bulk", seed: int = 1) -> list[int]:
    """`count` approved, listed providers (users, profiles, trades, directory rows) in a few INSERTs; their ids.

    Each works in two of `trades`; ratings, review counts, jobs done and rates vary (seeded), so every
    filter and sort has rows to skip and ties to break.
    """
    rnd = random.Random(seed)
    User.objects.bulk_create(
        [
            User(email=f"{tag}-{n}@example.com", full_name=f"Provider {tag} {n}", role=User.Role.PROVIDER, password="!")
            for n in range(count)
        ],
        batch_size=2000,
    )
    ids = list(User.objects.filter(email__startswith=f"{tag}-").order_by("pk").values_list("pk", flat=True))
    rates = {pk: rnd.choice([None, rnd.randrange(1500, 12000)]) for pk in ids}
    ProviderProfile.objects.bulk_create(
        [
            ProviderProfile(
                user_id=pk,
                city="Florence",
                city_key="florence",
                status=ProviderProfile.Status.APPROVED,
                hourly_rate_cents=rates[pk],
            )
            for pk in ids
        ],
        batch_size=2000,
    )
    profiles = dict(ProviderProfile.objects.filter(user_id__in=ids).values_list("user_id", "pk"))
    Through = ProviderProfile.categories.through
    own = {pk: rnd.sample(trades, 2) for pk in ids}
    Through.objects.bulk_create(
        [Through(providerprofile_id=profiles[pk], servicecategory_id=trade) for pk in ids for trade in own[pk]],
        batch_size=5000,
    )
    rows = []
    for pk in ids:
        reviews = rnd.choice([0, rnd.randrange(1, 80)])
        numbers = {
            "rating_count": reviews,
            "rating_x100": rnd.randrange(250, 501) if reviews else 0,
            "jobs_done": rnd.randrange(0, 300),
            "price_level": price_level(rates[pk]),
        }
        rows += [DirectoryListing(provider_id=pk, trade=trade, **numbers) for trade in [ANY_TRADE, *own[pk]]]
    DirectoryListing.objects.bulk_create(rows, batch_size=5000)
    return ids
