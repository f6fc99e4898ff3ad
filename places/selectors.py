"""Reads for places: the typeahead search and lookups by name."""

from django.core.cache import cache
from django.db.models import Case, IntegerField, QuerySet, Value, When

from places import geo
from places.models import Place, PlaceName
from places.names import name_key

SEARCH_LIMIT = 10
MIN_QUERY_LENGTH = 2


def place_search(*, query: str, limit: int = SEARCH_LIMIT) -> list[Place]:
    """Places having a name that starts with `query` (any language, accents and case ignored; "flr" too).

    Exact name matches first, then the most populous; two queries whatever the table size (a range on
    the name index, then the places by id).
    """
    key = name_key(query)
    if len(key) < MIN_QUERY_LENGTH:
        return []
    exact_first = Case(When(key=key, then=Value(0)), default=Value(1), output_field=IntegerField())
    names = (
        PlaceName.objects.filter(key__startswith=key)
        .order_by(exact_first, "-population", "place_id")
        .values_list("place_id", flat=True)[: limit * 5]  # several names of one place may match
    )
    place_ids = list(dict.fromkeys(names))[:limit]
    places = Place.objects.in_bulk(place_ids)
    return [places[pk] for pk in place_ids]


def place_best_match(name: str) -> Place | None:
    """The place a free-text city most likely means: an exact (normalized) name, the most populous wins."""
    key = name_key(name)
    if not key:
        return None
    return Place.objects.filter(names__key=key).order_by("-population", "id").first()


def place_list(*, ids) -> QuerySet[Place]:
    return Place.objects.filter(pk__in=ids)


# Places come from the dataset (`load_places`) and never move: a place loaded later joins the areas
# around it within this many seconds.
AREA_CACHE_SECONDS = 600


def places_within(place: Place, *, radius_km: int) -> list[tuple[int, float]]:
    """(place id, km from `place`) for every place within `radius_km` of it (boundary included), nearest
    first (ties by id): the box on the indexed latitude/longitude, then the great-circle distance, in SQL;
    cached per (place, radius). The offer feed walks these places in this order.
    """
    key = f"places:near:{place.pk}:{radius_km}"
    near = cache.get(key)
    if near is None:
        where = geo.within_q("", latitude=place.latitude, longitude=place.longitude, radius_km=radius_km)
        rows = Place.objects.filter(where).annotate(
            km=geo.distance_km("", latitude=place.latitude, longitude=place.longitude)
        )
        near = sorted(rows.values_list("id", "km"), key=lambda row: (row[1], row[0]))
        cache.set(key, near, AREA_CACHE_SECONDS)
    return near


def place_ids_within(place: Place, *, radius_km: int) -> list[int]:
    """The ids of `places_within` (nearest first).

    Callers filter on these ids as constants (`place_id IN (...)`), so MariaDB reads each place's rows
    through an index whatever its table statistics say (joined to places, it sometimes drove the query
    from another index and sorted every offer in the provider's trades).
    """
    return [place_id for place_id, _ in places_within(place, radius_km=radius_km)]
