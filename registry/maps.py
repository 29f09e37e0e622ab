"""Server-drawn SVG map of the ASEAN member states: no tiles, CDN or JavaScript.

The outlines in map_outlines.json are made by ``manage.py build_map_outlines`` from Natural
Earth data (public domain), already projected with `project` below. This module must not
import Django models: the command and the tests use it without a configured project.
"""

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

OUTLINES_PATH = Path(__file__).with_name("map_outlines.json")

# Equirectangular projection centred on the region (about 92°E-141°E, 11°S-29°N). Squeezing
# longitude by cos(10°) keeps shapes true near the region's middle latitude; the distortion
# at its edges is a few per cent, which a locator map can afford.
ORIGIN_LON = 92.0
ORIGIN_LAT = 30.0
UNITS_PER_DEGREE = 10.0  # one decimal in the JSON is then 0.01°, about a kilometre
LON_SCALE = math.cos(math.radians(10.0))

# A city page's small map shows this many degrees either side of the city.
FOCUS_PADDING_DEGREES = 4.0
# Marker radius as a share of the view's larger side, so dots look alike at any zoom.
MARKER_RADIUS_SHARE = 1 / 150


def project(lat, lon):
    """Return SVG (x, y) for a latitude and longitude in degrees; y grows southward."""
    x = (float(lon) - ORIGIN_LON) * LON_SCALE * UNITS_PER_DEGREE
    y = (ORIGIN_LAT - float(lat)) * UNITS_PER_DEGREE
    return x, y


@lru_cache(maxsize=1)
def load_outlines():
    """The parsed map_outlines.json: source, license, viewbox and a path per state code."""
    with OUTLINES_PATH.open(encoding="utf-8") as f:
        return json.load(f)


@dataclass(frozen=True)
class StateOutline:
    code: str  # ISO 3166-1 alpha-2, e.g. "TH"
    d: str  # SVG path data


@dataclass(frozen=True)
class Marker:
    name: str
    url: str
    x: float
    y: float
    highlight: bool = False


@dataclass
class MapData:
    """Everything templates/registry/includes/map.html needs, as plain values."""

    viewbox: str
    marker_radius: float
    states: list[StateOutline] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)


def _fmt(number):
    return f"{number:.1f}".rstrip("0").rstrip(".")


def build_map(cities, *, highlight=None, focus=None):
    """Outlines plus a marker for each city that has coordinates.

    `cities` are objects with .name, .latitude, .longitude (Decimal or None) and
    .get_absolute_url(). The `highlight` city's marker gets a distinct class. With a `focus`
    city (which needs coordinates) the view is a box of FOCUS_PADDING_DEGREES around it
    instead of the whole region.
    """
    outlines = load_outlines()
    states = [StateOutline(code, d) for code, d in sorted(outlines["states"].items())]

    markers = []
    for city in cities:
        if city.latitude is None or city.longitude is None:
            continue
        x, y = project(city.latitude, city.longitude)
        markers.append(
            Marker(
                name=city.name,
                url=city.get_absolute_url(),
                x=round(x, 1),
                y=round(y, 1),
                highlight=highlight is not None and city == highlight,
            )
        )
    # SVG has no z-index: the highlighted marker goes last so that it is drawn on top.
    markers.sort(key=lambda marker: marker.highlight)

    if focus is not None and focus.latitude is not None and focus.longitude is not None:
        lat, lon = float(focus.latitude), float(focus.longitude)
        left, top = project(lat + FOCUS_PADDING_DEGREES, lon - FOCUS_PADDING_DEGREES)
        right, bottom = project(lat - FOCUS_PADDING_DEGREES, lon + FOCUS_PADDING_DEGREES)
        box = [left, top, right - left, bottom - top]
    else:
        box = outlines["viewbox"]

    # Markers are drawn in map units, so size them to the view: a zoomed-in map would
    # otherwise show dots as big as a province.
    radius = round(max(box[2], box[3]) * MARKER_RADIUS_SHARE, 2)
    return MapData(
        viewbox=" ".join(_fmt(v) for v in box),
        marker_radius=radius,
        states=states,
        markers=markers,
    )
