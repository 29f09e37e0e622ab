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

# The dots are drawn over the map in CSS pixels, not map units, so each is a TARGET_PX square
# to touch at any width (WCAG 2.2 target size). They are placed for the narrowest the map is
# ever drawn: a 320 px phone less the page's 1rem margins. Drawn wider, dots only move apart.
TARGET_PX = 24
NARROWEST_MAP_PX = 288
# From a 48rem (768 px) window up, the stylesheet draws the region's map 43rem (688 px) wide
# and a city page's map 22rem (352 px): a second set of dots is placed for those widths.
WIDE_MAP_PX = 688
WIDE_FOCUS_MAP_PX = 352
# A dot that stands for more cities than this names them in the list below the map instead.
MAX_CALLOUT_NAMES = 8
CALLOUT_LINE_PX = 24


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


@dataclass(frozen=True)
class CalloutLine:
    name: str
    url: str
    dy: int  # px below the dot's centre


@dataclass
class Dot:
    """
    One touch target on the map: a city, or several cities too close to tell apart at the
    narrowest width, drawn at the first one's place. `left` and `top` are percentages of the
    map's width and height.
    """

    left: float
    top: float
    cities: list[Marker] = field(default_factory=list)

    @property
    def highlight(self):
        return any(city.highlight for city in self.cities)

    @property
    def label(self):
        if len(self.cities) == 1:
            return self.cities[0].name
        return f"{len(self.cities)} cities: " + ", ".join(city.name for city in self.cities)

    @property
    def callout(self):
        """The names the dot shows when tapped, each a link, one 24 px line apart."""
        if len(self.cities) > MAX_CALLOUT_NAMES:
            return []
        first = -(len(self.cities) - 1) * CALLOUT_LINE_PX // 2
        return [
            CalloutLine(city.name, city.url, first + i * CALLOUT_LINE_PX)
            for i, city in enumerate(self.cities)
        ]


@dataclass
class MapData:
    """Everything templates/registry/includes/map.html needs, as plain values."""

    viewbox: str
    states: list[StateOutline] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)  # every city, in drawing order
    dots: list[Dot] = field(default_factory=list)  # placed for NARROWEST_MAP_PX
    wide_dots: list[Dot] = field(default_factory=list)  # placed for the wide screens' width

    @property
    def layers(self):
        """(name, dots) for each width the stylesheet switches between."""
        return [("narrow", self.dots), ("wide", self.wide_dots)]


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
        wide_px = WIDE_FOCUS_MAP_PX
    else:
        box = outlines["viewbox"]
        wide_px = WIDE_MAP_PX

    return MapData(
        viewbox=" ".join(_fmt(v) for v in box),
        states=states,
        markers=markers,
        dots=place_dots(markers, box),
        wide_dots=place_dots(markers, box, wide_px),
    )


def place_dots(markers, box, width_px=NARROWEST_MAP_PX):
    """
    Group the markers into dots whose TARGET_PX squares never overlap when the map `box`
    (x, y, width, height in map units) is drawn `width_px` wide.

    Deterministic and greedy: the highlighted city first, then in the given order, each city
    joins the first dot whose square its own would overlap, or starts a new dot. A new dot
    overlaps no earlier one, so no two ever overlap. A grid of TARGET_PX cells keeps it
    linear in the number of cities.
    """
    x0, y0, width, height = box
    scale = width_px / width
    dots, grid = [], {}
    for marker in sorted(markers, key=lambda marker: not marker.highlight):
        px, py = (marker.x - x0) * scale, (marker.y - y0) * scale
        cell = (math.floor(px / TARGET_PX), math.floor(py / TARGET_PX))
        near = [
            (index, dot_px, dot_py)
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for index, dot_px, dot_py in grid.get((cell[0] + dx, cell[1] + dy), [])
        ]
        overlapping = [
            index
            for index, dot_px, dot_py in near
            if abs(dot_px - px) < TARGET_PX and abs(dot_py - py) < TARGET_PX
        ]
        if overlapping:
            dots[min(overlapping)].cities.append(marker)
            continue
        grid.setdefault(cell, []).append((len(dots), px, py))
        left = round((marker.x - x0) / width * 100, 2)
        top = round((marker.y - y0) / height * 100, 2)
        dots.append(Dot(left=left, top=top, cities=[marker]))
    # SVG has no z-index: the highlighted dot goes last so that it is drawn on top.
    dots.sort(key=lambda dot: dot.highlight)
    return dots
