"""Generate the demonstration places of Victoriaville.

Writes, in ``victo_crm/places/data/`` (which ``load_demo`` reads): ``boundary.geojson``,
``districts.geojson``, ``collection_sectors.geojson`` and ``addresses.csv``. The output is
deterministic (seeded), so running it again rewrites the same files. Run it from the repository root::

    .venv/bin/python scripts/generate_demo_places.py

Street names are real streets of Victoriaville; everything else (the polygons, civic
numbers, postal codes, coordinates) is invented but plausible. See
victo_crm/places/data/README.md.

The zones are built so that they tile the boundary exactly, with no floating-point slivers:
every polygon is made only of vertices that already exist (boundary vertices, the vertices of
an inner ring, one centre point), rounded once to six decimals before any polygon is built.
No vertex is ever the result of an intersection, which would be rounded differently in two
neighbouring polygons.
"""

from __future__ import annotations

import csv
import json
import math
import random
from pathlib import Path
from typing import Any

from shapely.geometry import Point, Polygon
from shapely.ops import unary_union

SEED = 2026
HERE = Path(__file__).resolve().parent.parent / "victo_crm" / "places" / "data"

CENTRE_LAT, CENTRE_LON = 46.057, -71.958
KM_PER_DEG_LAT = 111.2
KM_PER_DEG_LON = 111.32 * math.cos(math.radians(CENTRE_LAT))
# The town lies within these limits; the boundary keeps 300 m inside them.
MIN_LAT, MAX_LAT, MIN_LON, MAX_LON = 46.00, 46.12, -72.03, -71.87
MARGIN_KM = 0.3

BOUNDARY_VERTICES = 48  # one every 7.5 degrees around the centre

Coord = tuple[float, float]  # (longitude, latitude), GeoJSON order


def to_lonlat(x_km: float, y_km: float) -> Coord:
    """Kilometres east and north of the centre to rounded WGS 84 coordinates."""
    return (
        round(CENTRE_LON + x_km / KM_PER_DEG_LON, 6),
        round(CENTRE_LAT + y_km / KM_PER_DEG_LAT, 6),
    )


def max_radius_km(theta: float) -> float:
    """Distance from the centre to the (shrunk) limits of the town along a direction."""
    east = (MAX_LON - CENTRE_LON) * KM_PER_DEG_LON - MARGIN_KM
    west = (CENTRE_LON - MIN_LON) * KM_PER_DEG_LON - MARGIN_KM
    north = (MAX_LAT - CENTRE_LAT) * KM_PER_DEG_LAT - MARGIN_KM
    south = (CENTRE_LAT - MIN_LAT) * KM_PER_DEG_LAT - MARGIN_KM
    dx, dy = math.cos(theta), math.sin(theta)
    limits = []
    if dx > 1e-9:
        limits.append(east / dx)
    if dx < -1e-9:
        limits.append(west / -dx)
    if dy > 1e-9:
        limits.append(north / dy)
    if dy < -1e-9:
        limits.append(south / -dy)
    return min(limits)


def polar_ring(
    rng: random.Random, angles: list[float], base_km: float, waves: float
) -> list[Coord]:
    """A ring with one vertex per angle: star-shaped around the centre by construction."""
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(3)]
    ring = []
    for theta in angles:
        radius = base_km * (
            1
            + waves * 0.12 * math.sin(2 * theta + phases[0])
            + waves * 0.08 * math.sin(3 * theta + phases[1])
            + waves * 0.05 * math.sin(5 * theta + phases[2])
            + rng.uniform(-0.02, 0.02)
        )
        radius = min(radius, max_radius_km(theta))
        ring.append(to_lonlat(radius * math.cos(theta), radius * math.sin(theta)))
    return ring


def arc(ring: list[Coord], start: int, end: int) -> list[Coord]:
    """Vertices ring[start..end], inclusive, going round the ring."""
    n = len(ring)
    count = (end - start) % n or n
    return [ring[(start + i) % n] for i in range(count + 1)]


def closed(points: list[Coord]) -> list[list[float]]:
    return [list(p) for p in [*points, points[0]]]


def feature(code: str, name: str, ring: list[Coord], **extra: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, **extra},
        "geometry": {"type": "Polygon", "coordinates": [closed(ring)]},
    }


def check_tiling(label: str, boundary: Polygon, tiles: list[Polygon]) -> None:
    for tile in tiles:
        assert tile.is_valid, f"{label}: invalid polygon"
    for i, first in enumerate(tiles):
        for second in tiles[i + 1 :]:
            assert first.intersection(second).area < 1e-14, f"{label}: overlap"
    union = unary_union(tiles)
    assert union.symmetric_difference(boundary).area < 1e-14, f"{label}: gap or spill"
    assert abs(sum(t.area for t in tiles) - boundary.area) < 1e-12, f"{label}: areas differ"


# --- Zones ---------------------------------------------------------------------------------

# Names evoke real places of Victoriaville, but the town's real electoral map is different.
DISTRICT_NAMES = [
    ("district-1", "District 1 — Centre-ville"),
    ("district-2", "District 2 — Bulstrode"),
    ("district-3", "District 3 — Aéroport"),
    ("district-4", "District 4 — Réservoir-Beaudet"),
    ("district-5", "District 5 — Rivière-Nicolet"),
    ("district-6", "District 6 — Terre-des-Jeunes"),
    ("district-7", "District 7 — Mont-Arthabaska"),
    ("district-8", "District 8 — Arthabaska"),
]
# Boundary vertex indices where the seven outer districts meet (counter-clockwise from east).
DISTRICT_CUTS = [0, 7, 14, 21, 27, 34, 41]
SECTOR_CUTS = [4, 12, 20, 28, 36, 44]
SECTOR_CENTRE_KM = (0.35, -0.25)


def build_zones(rng: random.Random) -> dict[str, Any]:
    step = 2 * math.pi / BOUNDARY_VERTICES
    angles = [i * step + rng.uniform(-0.25, 0.25) * step for i in range(BOUNDARY_VERTICES)]
    outer = polar_ring(rng, angles, base_km=5.0, waves=1.0)
    inner = polar_ring(rng, angles, base_km=1.5, waves=0.8)
    boundary = Polygon(outer)
    assert boundary.is_valid

    districts = [feature(*DISTRICT_NAMES[0], inner)]
    cuts = [*DISTRICT_CUTS, DISTRICT_CUTS[0]]
    for (code, name), start, end in zip(DISTRICT_NAMES[1:], cuts[:-1], cuts[1:], strict=True):
        ring = arc(inner, start, end) + list(reversed(arc(outer, start, end)))
        districts.append(feature(code, name, ring))

    sector_centre = to_lonlat(*SECTOR_CENTRE_KM)
    sectors = []
    cuts = [*SECTOR_CUTS, SECTOR_CUTS[0]]
    for letter, start, end in zip("ABCDEF", cuts[:-1], cuts[1:], strict=True):
        ring = [sector_centre, *arc(outer, start, end)]
        sectors.append(feature(f"secteur-{letter.lower()}", f"Secteur {letter}", ring))

    def shapes(features: list[dict[str, Any]]) -> list[Polygon]:
        return [Polygon(f["geometry"]["coordinates"][0]) for f in features]

    check_tiling("districts", boundary, shapes(districts))
    check_tiling("sectors", boundary, shapes(sectors))
    return {
        "boundary": [feature("victoriaville", "Ville de Victoriaville", outer)],
        "districts": districts,
        "collection_sectors": sectors,
    }


# --- Streets and addresses -----------------------------------------------------------------

# Main roads, with an invented but sensible course: (name, x0, y0, x1, y1) in km from the
# centre, numbering rising from (x0, y0). "Nord"/"Sud"/"Est"/"Ouest" halves point that way.
ARTERIES: list[tuple[str, float, float, float, float]] = [
    ("boulevard des Bois-Francs Nord", 0.10, 0.20, 0.60, 3.70),
    ("boulevard des Bois-Francs Sud", 0.10, -0.20, 0.90, -3.20),
    ("boulevard Jutras Est", 0.30, 0.50, 3.60, 1.50),
    ("boulevard Jutras Ouest", -0.20, 0.40, -3.40, 1.20),
    ("rue Notre-Dame Est", 0.05, 0.00, 2.60, -0.60),
    ("rue Notre-Dame Ouest", -0.05, 0.00, -3.00, 0.60),
    ("boulevard Arthabaska Est", 1.40, -2.00, 3.80, -2.60),
    ("boulevard Labbé Nord", -0.90, 0.30, -1.20, 3.20),
    ("boulevard Pierre-Roux Ouest", -0.20, -1.10, -3.60, -0.60),
    ("rue Laurier Ouest", 1.80, -2.60, 0.40, -3.50),
    ("rue de l'Aqueduc", -0.50, 1.00, -2.00, 2.60),
    ("boulevard de la Bonaventure", 1.20, 1.60, 1.80, 3.70),
    ("rue de la Bulstrode", 2.20, 2.30, 3.40, 3.50),
    ("avenue Pie-X", 0.70, 0.80, 1.40, 2.40),
]

# Local streets: (region, names). Each is given a random short course within its region.
REGIONS: dict[str, tuple[float, float, float]] = {
    # centre x, centre y, spread (km)
    "centre-ville": (0.0, 0.1, 0.9),
    "arthabaska": (2.2, -2.3, 1.2),
    "ouest": (-2.2, 0.6, 1.3),
    "nord-ouest": (-1.6, 2.2, 1.1),
    "nord": (0.4, 2.4, 1.2),
    "est": (2.2, 0.6, 1.1),
    "sud": (-0.4, -2.0, 1.2),
    "industriel": (2.9, 3.0, 0.6),
}
LOCAL_STREETS: dict[str, list[str]] = {
    "centre-ville": [
        "rue Perreault",
        "rue de Bigarré",
        "rue Carignan",
        "rue de la Gare",
        "rue Saint-Jean-Baptiste",
        "rue Saint-Dominique",
        "rue Sainte-Victoire",
        "rue Victoria",
        "rue Saint-Georges",
        "rue Turcotte",
        "rue Arel",
        "rue Saint-Paul",
        "rue Saint-Louis",
        "rue Saint-Augustin",
        "rue Champagne",
        "rue Cannon",
        "rue Monfette",
        "rue Boutet",
        "rue Chatel",
    ],
    "arthabaska": [
        "rue des Hospitalières",
        "rue Girouard",
        "rue de la Colline",
        "rue Saint-Christophe",
        "rue Bécotte",
        "rue Beaulieu",
        "rue Lanouette",
        "rue Hamel",
        "rue Thibault",
        "rue Tourigny",
    ],
    "ouest": [
        "rue Laflamme",
        "rue Cartier",
        "rue Lambert",
        "rue Jean-François",
        "rue Boucher",
        "rue Pellerin",
        "rue des Aulnes",
        "rue Gosselin",
        "rue Lapierre",
        "rue Ramsay",
        "rue Lyne",
    ],
    "nord-ouest": [
        "rue Dorilla",
        "rue Yanick",
        "rue de l'Assomption",
        "rue Godin",
        "rue Vézina",
        "rue Castonguay",
        "rue Chevalier",
    ],
    "nord": [
        "rue Désiré",
        "rang Lainesse",
        "rue Olivier",
        "rue Allard",
        "rue Alexandre",
        "rue Hervé",
        "rue Jolicoeur",
        "rue Rubin",
        "rue Thomas",
    ],
    "est": [
        "rue Piché",
        "rue Octave",
        "rue Lachapelle",
        "rue Potvin",
        "rue Roger",
        "rue des Mésanges",
        "rue Arsène",
        "rue Fréchette",
        "rue Larivière",
    ],
    "sud": [
        "rue Gamache",
        "rue Héon",
        "rue Houle",
        "rue des Noyers",
        "rue Sébastien",
        "rue Caroline",
    ],
    "industriel": [
        "rue J.-Aurèle-Roux",
    ],
}

# A few letters are never used in Canadian postal codes (D, F, I, O, Q, U).
POSTAL_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"
BLOCK_LOTS = 8  # lots sharing one postal code on one side of a street


def forward_sortation_area(x_km: float, y_km: float) -> str:
    """Invented split of the town between its four real postal prefixes."""
    if math.hypot(x_km, y_km) < 1.8:
        return "G6P"
    if x_km > 0 and y_km < 0:
        return "G6S"
    if y_km >= 0.6:
        return "G6R"
    return "G6T"


def street_addresses(
    rng: random.Random,
    name: str,
    start: tuple[float, float],
    end: tuple[float, float],
    *,
    lot_m: float,
    first_number: int,
) -> list[dict[str, Any]]:
    (x0, y0), (x1, y1) = start, end
    length_km = math.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / length_km, (y1 - y0) / length_km
    lots = max(2, int(length_km * 1000 / lot_m))
    number_step = rng.choice((2, 4, 6, 10))
    rows: list[dict[str, Any]] = []
    for side, parity in ((1, 0), (-1, 1)):  # even numbers on the left, odd on the right
        postal_code = ""
        for lot in range(lots):
            if lot % BLOCK_LOTS == 0:
                postal_code = ""  # a new block: a new code, drawn below at its first lot
            distance = (lot + 0.5 + rng.uniform(-0.2, 0.2)) * lot_m / 1000
            setback = side * rng.uniform(0.015, 0.025)
            x = x0 + ux * distance - uy * setback
            y = y0 + uy * distance + ux * setback
            if not postal_code:
                postal_code = (
                    f"{forward_sortation_area(x, y)} "
                    f"{rng.randint(1, 9)}{rng.choice(POSTAL_LETTERS)}{rng.randint(0, 9)}"
                )
            number = first_number + parity + lot * number_step
            lon, lat = to_lonlat(x, y)
            base = {
                "civic_number": number,
                "civic_suffix": "",
                "street": name,
                "unit": "",
                "postal_code": postal_code,
                "latitude": lat,
                "longitude": lon,
            }
            draw = rng.random()
            if draw < 0.07:  # a small apartment building: one address per unit
                rows.extend({**base, "unit": str(unit)} for unit in range(1, rng.randint(3, 7)))
            elif draw < 0.10:  # a lot split in two: 12 and 12A
                rows.append(base)
                lon_a, lat_a = to_lonlat(x + ux * 0.008, y + uy * 0.008)
                rows.append({**base, "civic_suffix": "A", "latitude": lat_a, "longitude": lon_a})
            else:
                rows.append(base)
    return rows


def build_addresses(rng: random.Random) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name, x0, y0, x1, y1 in ARTERIES:
        rows += street_addresses(rng, name, (x0, y0), (x1, y1), lot_m=110, first_number=2)
    for region, names in LOCAL_STREETS.items():
        cx, cy, spread = REGIONS[region]
        for name in names:
            mx, my = cx + rng.uniform(-spread, spread), cy + rng.uniform(-spread, spread)
            angle = rng.uniform(0, math.pi)
            half = rng.uniform(0.15, 0.45)
            start = (mx - half * math.cos(angle), my - half * math.sin(angle))
            end = (mx + half * math.cos(angle), my + half * math.sin(angle))
            first = rng.choice((2, 10, 20, 50, 100, 200))
            rows += street_addresses(rng, name, start, end, lot_m=40, first_number=first)
    return rows


def keep_located(
    rows: list[dict[str, Any]], boundary: Polygon, tilings: list[list[Polygon]]
) -> list[dict[str, Any]]:
    """Only addresses inside the town and in exactly one zone of each tiling."""
    kept = []
    for row in rows:
        point = Point(row["longitude"], row["latitude"])
        if not boundary.contains(point):
            continue
        if all(sum(tile.covers(point) for tile in tiles) == 1 for tiles in tilings):
            kept.append(row)
    return kept


def write_geojson(path: Path, features: list[dict[str, Any]]) -> None:
    """One feature per line: compact, yet a change to one zone shows as one line in a diff."""
    lines = [json.dumps(f, ensure_ascii=False) for f in features]
    body = ",\n".join(lines)
    text = '{"type": "FeatureCollection", "features": [\n' + body + "\n]}\n"
    json.loads(text)  # the hand-built wrapper must stay valid JSON
    path.write_text(text, encoding="utf-8")


def main() -> None:
    rng = random.Random(SEED)
    zones = build_zones(rng)
    for kind, features in zones.items():
        write_geojson(HERE / f"{kind}.geojson", features)

    def shapes(kind: str) -> list[Polygon]:
        return [Polygon(f["geometry"]["coordinates"][0]) for f in zones[kind]]

    boundary = shapes("boundary")[0]
    rows = keep_located(
        build_addresses(rng), boundary, [shapes("districts"), shapes("collection_sectors")]
    )
    rows.sort(key=lambda r: (r["street"], r["civic_number"], r["civic_suffix"], r["unit"]))
    keys = {(r["civic_number"], r["civic_suffix"], r["street"], r["unit"]) for r in rows}
    assert len(keys) == len(rows), "duplicate addresses"

    columns = ["civic_number", "civic_suffix", "street", "unit", "postal_code"]
    columns += ["latitude", "longitude"]
    with (HERE / "addresses.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            lat, lon = row["latitude"], row["longitude"]
            writer.writerow({**row, "latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}"})

    area_km2 = boundary.area * KM_PER_DEG_LAT * KM_PER_DEG_LON
    streets = len({r["street"] for r in rows})
    print(f"boundary: {area_km2:.1f} km², {len(zones['districts'])} districts, ", end="")
    print(f"{len(zones['collection_sectors'])} sectors; {len(rows)} addresses on {streets} streets")


if __name__ == "__main__":
    main()
