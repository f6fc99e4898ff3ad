import random

from accounts.models import ProviderProfile, User
from accounts.tests.factories import ProviderProfileFactory
from directory.models import ANY_TRADE, DirectoryListing, price_level
from directory.services import listings_sync
from places.models import Place


def listed_provider(**profile_fields) -> User:
    """An approved provider listed in the directory, as approval lists them (profile fields as keywords)."""
    profile: ProviderProfile = ProviderProfileFactory(**profile_fields)
    listings_sync(profile)
    return profile.user


def listings_bulk_create(
    *, count: int, trades: list[int], places: list[Place], tag: str = "bulk", seed: int = 1
) -> list[int]:
    """`count` approved, listed providers (users, profiles, trades, directory rows) in a few INSERTs; their ids.

    Each works in two of `trades` from one of `places` within 5-100 km; ratings, review counts, jobs done
    and rates vary (seeded), so every filter and sort has rows to skip and ties to break.
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
    bases = {pk: (rnd.choice(places), rnd.randrange(5, 101)) for pk in ids}
    ProviderProfile.objects.bulk_create(
        [
            ProviderProfile(
                user_id=pk,
                base_place=bases[pk][0],
                service_radius_km=bases[pk][1],
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
            "latitude": bases[pk][0].latitude,
            "longitude": bases[pk][0].longitude,
            "radius_km": bases[pk][1],
        }
        rows += [DirectoryListing(provider_id=pk, trade=trade, **numbers) for trade in [ANY_TRADE, *own[pk]]]
    DirectoryListing.objects.bulk_create(rows, batch_size=5000)
    return ids


def places_grid_create(count: int, *, first_geoname_id: int = 90_000_000) -> list[Place]:
    """`count` places on a grid a degree apart (about 111 km north-south) over Europe, in one INSERT."""
    width = 40
    Place.objects.bulk_create(
        [
            Place(
                geoname_id=first_geoname_id + n,
                name=f"Gridtown {n}",
                ascii_name=f"Gridtown {n}",
                country_code="IT",
                latitude=35.0 + (n // width) * 1.0,
                longitude=-10.0 + (n % width) * 1.0,
                time_zone="Europe/Rome",
                population=20_000,
            )
            for n in range(count)
        ],
        batch_size=5000,
    )
    return list(Place.objects.filter(geoname_id__gte=first_geoname_id, geoname_id__lt=first_geoname_id + count))
