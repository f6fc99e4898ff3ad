"""Distance in SQL: a bounding-box prefilter on the indexed latitude/longitude, then great-circle distance.

Everything here builds ORM expressions that run the same on MariaDB and SQLite (Django gives SQLite
the math functions). `path` is the lookup path from the queried model to a `Place`: `""` on `Place`
itself, `"place"` on offers, `"base_place"` on provider profiles, `"provider_profile__base_place"`
on users. The public API (used by offers' matching rule, the live feed and the provider directory):

- `bounding_box(latitude=, longitude=, radius_km=)` -> `Box`, and `box_q(path, box)` -> `Q`
- `distance_km(path, latitude=, longitude=)` -> expression, kilometres (annotate, order by)
- `within_q(path, latitude=, longitude=, radius_km=, box_km=None)` -> `Q`: the box, then the distance.
  `radius_km` may be a number or an expression (a provider's own radius, `F(...)`); with an
  expression pass `box_km`, the largest radius it can take, for the box.
- `cell_of(latitude, longitude)` / `cells_covering(...)`: 1-degree grid cells, for grouping by area.
"""

import math
from dataclasses import dataclass

from django.db.models import Expression, F, FloatField, Q, Value
from django.db.models.functions import ACos, Cos, Greatest, Least, Radians, Sin
from django.db.models.lookups import LessThanOrEqual

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
KM_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_KM / 180


@dataclass(frozen=True)
class Box:
    """Latitude/longitude bounds; a longitude range may cross the antimeridian (min_lng > max_lng)."""

    min_lat: float
    max_lat: float
    min_lng: float
    max_lng: float

    @property
    def all_longitudes(self) -> bool:
        return self.min_lng == -180.0 and self.max_lng == 180.0


def bounding_box(*, latitude: float, longitude: float, radius_km: float) -> Box:
    """The smallest latitude/longitude box holding every point within `radius_km` of the centre.

    Near a pole (the circle reaches it) every longitude is in.
    """
    delta_lat = radius_km / KM_PER_DEGREE_LATITUDE
    min_lat, max_lat = latitude - delta_lat, latitude + delta_lat
    if min_lat <= -90 or max_lat >= 90:
        return Box(max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0)
    # The widest longitude span of a circle (Bounding Coordinates, J. P. Matuschek).
    delta_lng = math.degrees(math.asin(math.sin(math.radians(delta_lat)) / math.cos(math.radians(latitude))))
    min_lng, max_lng = longitude - delta_lng, longitude + delta_lng
    if min_lng < -180:
        min_lng += 360
    if max_lng > 180:
        max_lng -= 360
    return Box(min_lat, max_lat, min_lng, max_lng)


def _field(path: str, name: str) -> str:
    return f"{path}__{name}" if path else name


def box_q(path: str, box: Box) -> Q:
    """Rows whose place lies in the box: a range on the (latitude, longitude) index."""
    latitude = _field(path, "latitude")
    longitude = _field(path, "longitude")
    q = Q(**{f"{latitude}__gte": box.min_lat, f"{latitude}__lte": box.max_lat})
    if box.all_longitudes:
        return q
    if box.min_lng <= box.max_lng:
        return q & Q(**{f"{longitude}__gte": box.min_lng, f"{longitude}__lte": box.max_lng})
    return q & (Q(**{f"{longitude}__gte": box.min_lng}) | Q(**{f"{longitude}__lte": box.max_lng}))


def distance_km(path: str, *, latitude: float, longitude: float) -> Expression:
    """Great-circle distance in km from the given point to the row's place (spherical law of cosines).

    The centre goes in as SQL values so both ends go through the same SQL math, whichever is the row.
    """
    lat_a, lng_a = Radians(Value(float(latitude))), Radians(Value(float(longitude)))
    lat_b, lng_b = Radians(F(_field(path, "latitude"))), Radians(F(_field(path, "longitude")))
    cosine = Sin(lat_a) * Sin(lat_b) + Cos(lat_a) * Cos(lat_b) * Cos(lng_b - lng_a)
    clamped = Least(Value(1.0), Greatest(Value(-1.0), cosine))  # rounding can step just past +-1
    return ACos(clamped, output_field=FloatField()) * Value(EARTH_RADIUS_KM)


def within_q(
    path: str, *, latitude: float, longitude: float, radius_km: float | Expression, box_km: float | None = None
) -> Q:
    """Rows whose place is within `radius_km` of the point (boundary included): box first, then distance."""
    if box_km is None:
        if isinstance(radius_km, Expression | F):
            raise TypeError("Pass box_km, the largest radius the expression can take.")
        box_km = float(radius_km)
    box = bounding_box(latitude=latitude, longitude=longitude, radius_km=box_km)
    radius = radius_km if isinstance(radius_km, Expression | F) else Value(float(radius_km))
    return box_q(path, box) & Q(LessThanOrEqual(distance_km(path, latitude=latitude, longitude=longitude), radius))


def cell_of(latitude: float, longitude: float) -> tuple[int, int]:
    """The 1-degree grid cell holding a point."""
    return min(math.floor(latitude), 89), min(math.floor(longitude), 179)


def cells_covering(*, latitude: float, longitude: float, radius_km: float) -> list[tuple[int, int]]:
    """Every 1-degree cell the circle's bounding box touches (a superset of the circle's cells)."""
    box = bounding_box(latitude=latitude, longitude=longitude, radius_km=radius_km)
    lats = range(math.floor(box.min_lat), min(math.floor(box.max_lat), 89) + 1)
    if box.all_longitudes:
        lngs = list(range(-180, 180))
    elif box.min_lng <= box.max_lng:
        lngs = list(range(math.floor(box.min_lng), min(math.floor(box.max_lng), 179) + 1))
    else:
        lngs = [*range(math.floor(box.min_lng), 180), *range(-180, math.floor(box.max_lng) + 1)]
    return [(lat, lng) for lat in lats for lng in lngs]
