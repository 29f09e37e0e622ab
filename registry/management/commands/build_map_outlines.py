"""Build registry/map_outlines.json, the ASEAN outlines behind the public site's map.

The input is a TopoJSON file from the npm package ``world-atlas`` (v2), which packages
Natural Earth's admin-0 countries (public domain). To regenerate::

    cd /tmp && npm pack world-atlas@2 && tar xzf world-atlas-2.*.tgz
    python manage.py build_map_outlines /tmp/package/countries-50m.json

Pure Python on purpose: decoding, projecting and simplifying ten states needs no GIS
library. Simplification is done per TopoJSON arc, before rings are stitched, so a border
shared by two states is simplified once and the two outlines still meet exactly.
"""

import json
import math
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.management.atomic_files import replaced_when_complete
from registry.maps import OUTLINES_PATH, project

# ISO 3166-1 numeric (world-atlas geometry id) -> alpha-2.
ASEAN_STATES = {
    "096": "BN",  # Brunei Darussalam
    "104": "MM",  # Myanmar
    "116": "KH",  # Cambodia
    "360": "ID",  # Indonesia
    "418": "LA",  # Lao PDR
    "458": "MY",  # Malaysia
    "608": "PH",  # Philippines
    "702": "SG",  # Singapore
    "704": "VN",  # Viet Nam
    "764": "TH",  # Thailand
}

DEFAULT_TOLERANCE = 0.3  # map units: 0.03° of latitude, about 3 km
VIEWBOX_MARGIN = 5.0  # map units around the outlines


def decode_arcs(topology):
    """Absolute (lon, lat) points of every arc, undoing quantisation and delta encoding."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for p in arc:
            x += p[0]
            y += p[1]
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def stitch_ring(arc_indexes, arcs):
    """Join a ring's arcs; index ~i (negative) means arc i reversed."""
    ring = []
    for index in arc_indexes:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        # Each arc starts where the previous one ended: don't repeat that point.
        ring.extend(points[1:] if ring else points)
    return ring


def polygons_of(geometry):
    """A Polygon or MultiPolygon geometry's arcs, always as a list of polygons."""
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def _distance_to_segment(p, a, b):
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 == 0:  # closed arc: first and last point coincide
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def douglas_peucker(points, tolerance):
    """Keep the endpoints and every point needed to stay within `tolerance` of the line."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]  # explicit stack: long coastlines would overflow recursion
    while stack:
        first, last = stack.pop()
        worst, worst_index = 0.0, None
        for i in range(first + 1, last):
            d = _distance_to_segment(points[i], points[first], points[last])
            if d > worst:
                worst, worst_index = d, i
        if worst_index is not None and worst > tolerance:
            keep[worst_index] = True
            stack.append((first, worst_index))
            stack.append((worst_index, last))
    return [p for p, k in zip(points, keep, strict=True) if k]


def ring_area(ring):
    """Unsigned shoelace area."""
    twice = sum(
        x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)
    )
    return abs(twice) / 2


def _clean(ring):
    """Round to one decimal and drop repeated points, including the closing one."""
    out = []
    for x, y in ring:
        p = (round(x, 1), round(y, 1))
        if not out or p != out[-1]:
            out.append(p)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def _num(v):
    return f"{v:.1f}".rstrip("0").rstrip(".")


def ring_path(ring):
    """SVG path data for one closed ring, e.g. "M0,0 10,0 10,10 0,10Z"."""
    return "M" + " ".join(f"{_num(x)},{_num(y)}" for x, y in ring) + "Z"


def build_outlines(topology, tolerance=DEFAULT_TOLERANCE, min_area=None):
    """Projected, simplified outlines of the ASEAN states in a world-atlas topology.

    Returns {"viewbox": [minx, miny, w, h], "states": {alpha-2: path data}}. Rings smaller
    than `min_area` square map units after simplification are dropped, except each state's
    largest ring, so Singapore and Brunei always show.
    """
    if min_area is None:
        min_area = 4 * tolerance * tolerance
    arcs = [[project(lat, lon) for lon, lat in arc] for arc in decode_arcs(topology)]
    simplified = {}  # arc index -> simplified arc, only for the arcs the states use

    def arc(index):
        if index not in simplified:
            simplified[index] = douglas_peucker(arcs[index], tolerance)
        return simplified[index]

    states = {}
    for geometry in next(iter(topology["objects"].values()))["geometries"]:
        code = ASEAN_STATES.get(str(geometry.get("id")))
        if code is None:
            continue
        rings = []
        for polygon in polygons_of(geometry):
            for ring_arcs in polygon:
                used = sorted({i if i >= 0 else ~i for i in ring_arcs})
                lookup = {i: arc(i) for i in used}
                ring = _clean(stitch_ring(ring_arcs, lookup))
                if len(ring) >= 3:
                    rings.append(ring)
        if not rings:
            continue
        largest = max(rings, key=ring_area)
        states[code] = [r for r in rings if r is largest or ring_area(r) >= min_area]

    missing = sorted(set(ASEAN_STATES.values()) - set(states))
    if missing:
        raise ValueError(f"No outline found for {', '.join(missing)}")

    xs = [x for rings in states.values() for ring in rings for x, _ in ring]
    ys = [y for rings in states.values() for ring in rings for _, y in ring]
    minx, miny = math.floor(min(xs) - VIEWBOX_MARGIN), math.floor(min(ys) - VIEWBOX_MARGIN)
    maxx, maxy = math.ceil(max(xs) + VIEWBOX_MARGIN), math.ceil(max(ys) + VIEWBOX_MARGIN)
    return {
        "viewbox": [minx, miny, maxx - minx, maxy - miny],
        "states": {
            code: "".join(ring_path(r) for r in rings) for code, rings in sorted(states.items())
        },
    }


def describe_source(topojson_path):
    """E.g. "Natural Earth via world-atlas 2.0.2 countries-50m", from the package.json."""
    path = Path(topojson_path)
    version = ""
    package = path.with_name("package.json")
    if package.exists():
        version = " " + json.loads(package.read_text(encoding="utf-8")).get("version", "")
    return f"Natural Earth via world-atlas{version.rstrip()} {path.stem}"


class Command(BaseCommand):
    help = (
        "Build registry/map_outlines.json from a world-atlas TopoJSON file (npm package "
        "world-atlas v2, Natural Earth data, public domain), e.g. countries-50m.json."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "topojson_path", help="e.g. node_modules/world-atlas/countries-50m.json"
        )
        parser.add_argument(
            "--tolerance",
            type=float,
            default=DEFAULT_TOLERANCE,
            help=f"Douglas-Peucker tolerance in map units (10 per degree of latitude); "
            f"default {DEFAULT_TOLERANCE}",
        )
        parser.add_argument(
            "--output", default=str(OUTLINES_PATH), help=f"default {OUTLINES_PATH}"
        )

    def handle(self, *args, topojson_path, tolerance, output, **options):
        try:
            topology = json.loads(Path(topojson_path).read_text(encoding="utf-8"))
            outlines = build_outlines(topology, tolerance)
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"{topojson_path}: {exc}") from exc
        data = {
            "source": describe_source(topojson_path),
            "license": "public domain",
            **outlines,
        }
        text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
        with replaced_when_complete(output, "w", encoding="utf-8") as file:
            file.write(text)
        self.stdout.write(f"Wrote {output} ({len(text.encode()) / 1024:.1f} KB)")
