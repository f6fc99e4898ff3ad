import math

import pytest

from places import geo
from places.models import Place
from places.tests.factories import PlaceFactory, milan, prato, rome

pytestmark = pytest.mark.django_db


def _distances_from(place: Place) -> dict[str, float]:
    rows = Place.objects.annotate(d=geo.distance_km("", latitude=place.latitude, longitude=place.longitude))
    return dict(rows.values_list("name", "d"))


def _haversine_km(a: Place, b: Place) -> float:
    """The same great circle by another formula (haversine), computed in Python."""
    lat_a, lat_b = math.radians(a.latitude), math.radians(b.latitude)
    h = (
        math.sin((lat_b - lat_a) / 2) ** 2
        + math.cos(lat_a) * math.cos(lat_b) * math.sin(math.radians(b.longitude - a.longitude) / 2) ** 2
    )
    return 2 * geo.EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def test_distance_in_sql_matches_the_map():
    florence, others = PlaceFactory(), [prato(), rome(), milan()]

    distances = _distances_from(florence)

    assert distances["Florence"] == pytest.approx(0, abs=1e-6)
    for place in others:
        assert distances[place.name] == pytest.approx(_haversine_km(florence, place), abs=0.001)
    assert (round(distances["Prato"], 1), round(distances["Rome"]), round(distances["Milan"])) == (16.4, 234, 248)


def test_within_q_is_the_box_and_the_distance():
    florence, prato_, rome_ = PlaceFactory(), prato(), rome()
    near = Place.objects.filter(
        geo.within_q("", latitude=florence.latitude, longitude=florence.longitude, radius_km=20)
    )
    assert set(near) == {florence, prato_}
    wide = Place.objects.filter(
        geo.within_q("", latitude=florence.latitude, longitude=florence.longitude, radius_km=300)
    )
    assert rome_ in wide


def test_the_box_wraps_at_the_antimeridian_and_opens_at_the_poles():
    fiji = geo.bounding_box(latitude=-17.7, longitude=179.9, radius_km=50)
    assert fiji.min_lng > fiji.max_lng  # crosses 180
    east = PlaceFactory(geoname_id=9_300_001, name="East", latitude=-17.7, longitude=-179.9)  # 21 km away
    found = Place.objects.filter(geo.within_q("", latitude=-17.7, longitude=179.9, radius_km=50))
    assert list(found) == [east]

    assert geo.bounding_box(latitude=89.9, longitude=0, radius_km=50).all_longitudes


def test_an_expression_radius_needs_the_largest_box():
    from django.db.models import F

    with pytest.raises(TypeError):
        geo.within_q("", latitude=0, longitude=0, radius_km=F("population"))


def test_cells_cover_the_radius():
    cells = geo.cells_covering(latitude=43.78, longitude=11.25, radius_km=100)
    assert geo.cell_of(43.78, 11.25) in cells and geo.cell_of(44.5, 12.2) in cells
    assert geo.cell_of(45.46, 9.19) not in cells  # Milan, 248 km
