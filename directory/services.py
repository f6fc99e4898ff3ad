"""Writes that keep the directory's rows in step with the events that change their numbers.

Who calls what, always inside the caller's transaction (so a row never disagrees with its source):
- `listings_sync`: accounts' provider status hook (registered in apps.py): approval lists the
  provider under each of their trades, any other status unlists them (rows and counters are kept).
- `listing_rating_set`: reviews.services.reputation_refresh, with the recomputed reputation.
- `listing_jobs_done_add`: bookings.services.status_counts_move, when a booking becomes completed.
- `listing_area_set`: accounts' service-area hook (registered in apps.py): base place and radius.
- `provider_hourly_rate_set`: the provider's rate form.
- `response_record`: bookings' accept and offers' decline (the response-time aggregate).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import ProviderProfile, User
from accounts.policies import provider_standing
from directory.models import ANY_TRADE, RESPONSE_CAP_MINUTES, DirectoryListing, ProviderResponseTime, price_level

NUMBERS = ("rating_x100", "rating_count", "jobs_done")


def _rows(provider_id: int):
    return DirectoryListing.objects.filter(provider_id=provider_id)


def listings_sync(profile: ProviderProfile, event=None) -> None:
    """List an approved provider under exactly their current trades (plus ANY_TRADE); unlist anybody else.

    Runs under the profile's row lock (accounts.services.provider_transition). New rows copy the
    counters of the provider's existing ones, so a reinstated or re-approved provider keeps them.
    """
    rows = _rows(profile.user_id)
    if profile.status != ProviderProfile.Status.APPROVED:
        rows.update(listed=False)
        return
    trades = {ANY_TRADE, *profile.categories.values_list("pk", flat=True)}
    rows.exclude(trade__in=trades).delete()
    current = {row.trade: row for row in rows}
    numbers = {name: getattr(next(iter(current.values()), None), name, 0) for name in NUMBERS}
    own = {"price_level": price_level(profile.hourly_rate_cents), **_area(profile)}
    DirectoryListing.objects.bulk_create(
        [
            DirectoryListing(provider_id=profile.user_id, trade=trade, **own, **numbers)
            for trade in sorted(trades - current.keys())
        ]
    )
    rows.update(listed=True, **own)


def _area(profile: ProviderProfile) -> dict:
    place = profile.base_place
    where = (place.latitude, place.longitude) if place else (None, None)
    return {"latitude": where[0], "longitude": where[1], "radius_km": profile.service_radius_km}


def listing_area_set(profile: ProviderProfile) -> None:
    """Hook (accounts' service-area change, in its transaction): the rows follow the base place and radius."""
    _rows(profile.user_id).update(**_area(profile))


def _average_x100(rating_sum: int, rating_count: int) -> int:
    """The average times 100, rounded half up (4.125 -> 413); 0 with no ratings."""
    return (rating_sum * 200 + rating_count) // (rating_count * 2) if rating_count else 0


def listing_rating_set(*, provider_id: int, rating_sum: int, rating_count: int) -> None:
    _rows(provider_id).update(rating_x100=_average_x100(rating_sum, rating_count), rating_count=rating_count)


def listing_jobs_done_add(*, provider_id: int, delta: int = 1) -> None:
    _rows(provider_id).update(jobs_done=F("jobs_done") + delta)


def provider_hourly_rate_set(*, provider: User, hourly_rate_cents: int | None) -> ProviderProfile:
    """Set (or clear, with None) an approved provider's typical hourly rate and their price level."""
    provider_standing(provider, fresh=True).require()
    with transaction.atomic():
        profile = ProviderProfile.objects.select_for_update().get(user_id=provider.pk)
        field = ProviderProfile._meta.get_field("hourly_rate_cents")
        try:
            profile.hourly_rate_cents = field.clean(hourly_rate_cents, profile)
        except ValidationError as error:
            raise ValidationError({"hourly_rate_cents": error.messages}) from None
        profile.save(update_fields=["hourly_rate_cents", "updated_at"])
        _rows(provider.pk).update(price_level=price_level(hourly_rate_cents))
    return profile


def response_minutes(*, since: datetime.datetime, at: datetime.datetime) -> int:
    return max(0, min(RESPONSE_CAP_MINUTES, int((at - since).total_seconds() // 60)))


def response_record(*, provider_id: int, since: datetime.datetime) -> None:
    """Add one response (now minus `since`, in whole minutes, capped) to the provider's average.

    Call in the transaction of the accept or decline; an `UPDATE ... + n` adds up exactly under concurrency.
    """
    minutes = response_minutes(since=since, at=timezone.now())
    changes = {"responses": F("responses") + 1, "total_minutes": F("total_minutes") + minutes}
    row = ProviderResponseTime.objects.filter(provider_id=provider_id)
    if row.update(**changes):
        return
    try:
        with transaction.atomic():
            ProviderResponseTime.objects.create(provider_id=provider_id, responses=1, total_minutes=minutes)
    except IntegrityError:
        row.update(**changes)
