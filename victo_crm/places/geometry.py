"""Point-in-polygon with shapely, over zones stored as GeoJSON."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely import prepared
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_M = 6_371_000


class GeometryError(ValidationError):
    pass


def shape_from_geojson(data: Any) -> BaseGeometry:
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") not in {"Polygon", "MultiPolygon"}:
        raise GeometryError(_("La géométrie doit être un Polygon ou un MultiPolygon GeoJSON."))
    try:
        geometry = shape(data)
    except Exception as error:  # shapely raises several types for malformed input
        raise GeometryError(_("Géométrie illisible : %(error)s") % {"error": error}) from error
    if geometry.is_empty:
        raise GeometryError(_("La géométrie est vide."))
    if not geometry.is_valid:
        raise GeometryError(
            _("La géométrie n’est pas valide (contour qui se recoupe ou anneau mal fermé).")
        )
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise GeometryError(_("Les coordonnées doivent être en longitude/latitude (WGS 84)."))
    return geometry


class ZoneIndex:
    """All zones prepared once, to place many points quickly (imports, bulk generation)."""

    def __init__(self, zones: Any) -> None:
        self.entries = [(zone, prepared.prep(zone.shape)) for zone in zones]

    def zones_for(self, latitude: float, longitude: float) -> list[Any]:
        point = Point(longitude, latitude)
        return [
            zone
            for zone, prep in self.entries
            if zone.min_lon <= longitude <= zone.max_lon
            and zone.min_lat <= latitude <= zone.max_lat
            and prep.covers(point)
        ]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def bbox_around(
    latitude: float, longitude: float, radius_m: float
) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a square enclosing a circle."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = math.degrees(radius_m / (EARTH_RADIUS_M * math.cos(math.radians(latitude))))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon


def snap_to_grid(latitude: float, longitude: float, cell_m: float) -> tuple[float, float]:
    """The centre of the cell of a square grid (``cell_m`` metres a side) holding the point:
    every point of a cell gives the same answer, so the exact position cannot be read back
    (averaging many answers does not help either)."""
    dlat = math.degrees(cell_m / EARTH_RADIUS_M)
    row = math.floor(latitude / dlat)
    centre_lat = (row + 0.5) * dlat
    # The longitude step of a row is fixed by the row's centre, so one cell is one answer.
    dlon = math.degrees(cell_m / (EARTH_RADIUS_M * math.cos(math.radians(centre_lat))))
    centre_lon = (math.floor(longitude / dlon) + 0.5) * dlon
    return round(centre_lat, 6), round(centre_lon, 6)
