import factory

from places.models import Place, PlaceName
from places.names import name_key

# Real coordinates (GeoNames), so distances in tests read like the map.
FLORENCE = {"geoname_id": 3176959, "name": "Florence", "latitude": 43.77925, "longitude": 11.24626}
PRATO = {"geoname_id": 3169921, "name": "Prato", "latitude": 43.8805, "longitude": 11.09699}  # 16.4 km
ROME = {"geoname_id": 3169070, "name": "Rome", "latitude": 41.89193, "longitude": 12.51133}  # 234 km


class PlaceFactory(factory.django.DjangoModelFactory):
    """A place (Florence, IT unless told otherwise); the same geoname_id gives the same row."""

    class Meta:
        model = Place
        django_get_or_create = ["geoname_id"]
        skip_postgeneration_save = True

    geoname_id = FLORENCE["geoname_id"]
    name = FLORENCE["name"]
    ascii_name = factory.SelfAttribute("name")
    country_code = "IT"
    latitude = FLORENCE["latitude"]
    longitude = FLORENCE["longitude"]
    time_zone = "Europe/Rome"
    population = 100_000

    @factory.post_generation
    def names(place, create, extracted, **kwargs):
        if create:
            for name in [place.name, *(extracted or [])]:
                PlaceName.objects.get_or_create(
                    place=place, key=name_key(name), defaults={"population": place.population}
                )


def place_near(origin: Place, *, km_north: float, geoname_id: int, name: str = "") -> Place:
    """A place `km_north` kilometres due north of `origin` (on the same meridian: exact great-circle distance)."""
    from places.geo import KM_PER_DEGREE_LATITUDE

    return PlaceFactory(
        geoname_id=geoname_id,
        name=name or f"{km_north} km north",
        latitude=origin.latitude + km_north / KM_PER_DEGREE_LATITUDE,
        longitude=origin.longitude,
    )


MILAN = {"geoname_id": 3173435, "name": "Milan", "latitude": 45.46427, "longitude": 9.18951}  # 248 km


def florence() -> Place:
    return PlaceFactory()


def prato() -> Place:
    return PlaceFactory(**PRATO)


def rome() -> Place:
    return PlaceFactory(**ROME)


def milan() -> Place:
    """Far from Florence: no provider based in one reaches the other."""
    return PlaceFactory(**MILAN)
