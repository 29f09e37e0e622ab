"""The server-drawn ASEAN map: outlines data, projection, markers and the outline builder.

No database and no Django settings needed: registry.maps imports no models, and the
command's functions are called directly.
"""

import json
import re
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from registry import maps
from registry.management.commands.build_map_outlines import (
    build_outlines,
    decode_arcs,
    douglas_peucker,
    stitch_ring,
)

ASEAN = {"BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"}

BANGKOK = (13.7563, 100.5018)
JAKARTA = (-6.2088, 106.8456)
MANILA = (14.5995, 120.9842)


def city(name, lat, lon):
    return SimpleNamespace(
        name=name,
        latitude=None if lat is None else Decimal(str(lat)),
        longitude=None if lon is None else Decimal(str(lon)),
        get_absolute_url=lambda: f"/cities/{name.lower()}/",
    )


def path_points(d):
    return [tuple(map(float, p)) for p in re.findall(r"(-?[\d.]+),(-?[\d.]+)", d)]


def test_all_ten_states_have_outlines():
    outlines = maps.load_outlines()
    assert set(outlines["states"]) == ASEAN
    for code, d in outlines["states"].items():
        assert d.startswith("M") and d.endswith("Z"), code
        assert len(path_points(d)) >= 3, code
    assert "Natural Earth" in outlines["source"]
    assert outlines["license"] == "public domain"


def test_outlines_file_is_small():
    assert maps.OUTLINES_PATH.stat().st_size < 100 * 1024


def test_outlines_lie_inside_the_viewbox():
    minx, miny, w, h = maps.load_outlines()["viewbox"]
    for d in maps.load_outlines()["states"].values():
        for x, y in path_points(d):
            assert minx <= x <= minx + w and miny <= y <= miny + h


def test_projection_places_cities_sensibly():
    minx, miny, w, h = maps.load_outlines()["viewbox"]
    bangkok, manila, jakarta = (maps.project(*c) for c in (BANGKOK, MANILA, JAKARTA))
    assert minx <= bangkok[0] <= minx + w and miny <= bangkok[1] <= miny + h
    assert bangkok[0] < manila[0]  # west
    assert bangkok[1] < jakarta[1]  # north: y grows downward
    assert maps.project(Decimal("13.7563"), Decimal("100.5018")) == bangkok


def test_build_map_skips_cities_without_coordinates():
    cities = [city("Bangkok", *BANGKOK), city("Nowhere", None, None), city("Manila", *MANILA)]
    result = maps.build_map(cities)
    assert [(m.name, m.url) for m in result.markers] == [
        ("Bangkok", "/cities/bangkok/"),
        ("Manila", "/cities/manila/"),
    ]
    assert result.viewbox == " ".join(str(v) for v in maps.load_outlines()["viewbox"])
    assert {s.code for s in result.states} == ASEAN
    assert not any(m.highlight for m in result.markers)


def test_build_map_highlight_and_focus():
    bangkok, manila = city("Bangkok", *BANGKOK), city("Manila", *MANILA)
    result = maps.build_map([bangkok, manila], highlight=bangkok, focus=bangkok)
    assert [m.name for m in result.markers if m.highlight] == ["Bangkok"]
    x, y, w, h = map(float, result.viewbox.split())
    marker = next(m for m in result.markers if m.name == "Bangkok")
    assert x < marker.x < x + w and y < marker.y < y + h
    assert w < 100 and h < 100  # zoomed in, not the whole region
    assert result.marker_radius < maps.build_map([bangkok]).marker_radius


# Thailand is a 2°x2° square A B C D; Singapore a triangle C E D east of it, sharing the
# edge C-D. Quantised with a transform, so the arcs are delta-encoded.
A, B, C, D, E = (100, 10), (100, 12), (102, 12), (102, 10), (104, 11)
FIXTURE = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.25], "translate": [100.0, 10.0]},
    "objects": {
        "countries": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Polygon", "id": "764", "arcs": [[0, 1]], "properties": {}},
                {"type": "MultiPolygon", "id": "702", "arcs": [[[2, -2]]], "properties": {}},
                {"type": "Polygon", "id": "250", "arcs": [[3]], "properties": {}},  # not ASEAN
            ],
        }
    },
    "arcs": [
        [[4, 0], [-4, 0], [0, 8], [4, 0]],  # D A B C: quantised (4,0) (0,0) (0,8) (4,8)
        [[4, 8], [0, -8]],  # C D, the shared edge
        [[4, 8], [4, -4], [-4, -4]],  # C E D: (4,8) (8,4) (4,0)
        [[0, 0], [1, 0], [0, 1], [-1, -1]],
    ],
}


def test_decode_arcs_undoes_delta_encoding():
    arcs = decode_arcs(FIXTURE)
    assert arcs[:3] == [[D, A, B, C], [C, D], [C, E, D]]
    assert all(isinstance(v, float) for point in arcs[0] for v in point)


def test_decode_arcs_without_transform():
    topology = {"arcs": [[[100, 10], [101.5, 11]]]}
    assert decode_arcs(topology) == [[(100.0, 10.0), (101.5, 11.0)]]


def test_stitch_ring_reverses_negative_arcs():
    arcs = decode_arcs(FIXTURE)
    assert stitch_ring([0, 1], arcs) == [D, A, B, C, D]
    assert stitch_ring([2, -2], arcs) == [C, E, D, C]


def test_build_outlines_on_fixture(tmp_path):
    # Written to disk and read back, as the command does.
    source = tmp_path / "tiny.json"
    source.write_text(json.dumps(FIXTURE))
    topology = json.loads(source.read_text())
    # Every ASEAN state is required of real data; give the fixture the other eight.
    for number in ("096", "104", "116", "360", "418", "458", "608", "704"):
        topology["objects"]["countries"]["geometries"].append(
            {"type": "Polygon", "id": number, "arcs": [[0, 1]]}
        )
    result = build_outlines(topology, tolerance=0.01)

    def expected(*lonlats):
        return (
            "M"
            + " ".join(
                "{:g},{:g}".format(*(round(v, 1) for v in maps.project(lat, lon)))
                for lon, lat in lonlats
            )
            + "Z"
        )

    # Closing points are left to "Z".
    assert result["states"]["TH"] == expected(D, A, B, C)
    assert result["states"]["SG"] == expected(C, E, D)
    assert set(result["states"]) == ASEAN  # France (250) is left out
    minx, miny, w, h = result["viewbox"]
    left, top = maps.project(12, 100)
    right, bottom = maps.project(10, 104)
    assert minx < left and miny < top and right < minx + w and bottom < miny + h


def test_douglas_peucker_keeps_endpoints_and_corners():
    line = [(0, 0), (1, 0.01), (2, 0), (2, 5), (2.01, 6), (2, 7)]
    assert douglas_peucker(line, 0.1) == [(0, 0), (2, 0), (2, 7)]
    closed = [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]
    assert douglas_peucker(closed, 0.1) == [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]


def test_template_renders_accessible_markers():
    # A standalone engine: no settings or installed apps needed.
    from xml.etree import ElementTree

    from django.template import Context, Engine

    engine = Engine(
        dirs=[str(Path(__file__).resolve().parent.parent / "templates")],
        libraries={"l10n": "django.templatetags.l10n"},
    )
    bangkok = city("Bangkok & Co", *BANGKOK)
    result = maps.build_map([bangkok, city("Nowhere", None, None)], highlight=bangkok)
    html = engine.get_template("registry/includes/map.html").render(Context({"map": result}))
    svg = ElementTree.fromstring(html)
    assert svg.get("viewBox") == result.viewbox
    title = svg.find("title")
    assert svg.get("aria-labelledby") == title.get("id")
    assert len(svg.findall(".//path[@class]")) == 10
    (link,) = svg.iter("a")
    assert link.get("href") == "/cities/bangkok & co/"
    assert link.get("aria-label") == "Bangkok & Co"
    circle = link.find("circle")
    assert circle.get("class") == "map-marker map-marker--highlight"
    assert circle.find("title").text == "Bangkok & Co"
    assert (float(circle.get("cx")), float(circle.get("cy"))) == (
        result.markers[0].x,
        result.markers[0].y,
    )
    assert "style" not in html and "<script" not in html
