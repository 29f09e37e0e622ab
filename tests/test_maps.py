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
    assert result.dots[-1].highlight  # drawn last, on top


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


def render_map(result):
    # A standalone engine: no settings or installed apps needed.
    from django.template import Context, Engine

    engine = Engine(
        dirs=[str(Path(__file__).resolve().parent.parent / "templates")],
        libraries={"l10n": "django.templatetags.l10n"},
    )
    return engine.get_template("registry/includes/map.html").render(Context({"map": result}))


def test_template_renders_a_dot_that_links_to_its_named_callout():
    from xml.etree import ElementTree

    bangkok = city("Bangkok & Co", *BANGKOK)
    result = maps.build_map([bangkok, city("Nowhere", None, None)], highlight=bangkok)
    html = render_map(result)
    frame = ElementTree.fromstring(html)
    outlines, overlay = frame.findall("svg")
    assert outlines.get("viewBox") == result.viewbox
    assert outlines.get("aria-hidden") == "true"
    assert len(outlines.findall(".//path[@class]")) == 10
    title = overlay.find("title")
    assert overlay.get("role") == "group" and overlay.get("aria-labelledby") == title.get("id")
    narrow, wide = overlay.findall("g")
    assert (narrow.get("class"), wide.get("class")) == (
        "map-dots map-dots--narrow",
        "map-dots map-dots--wide",
    )
    dot, callout_link = narrow.iter("a")
    assert dot.get("aria-label") == "Bangkok & Co"
    callout = narrow.find("g[@class='map-callout']")
    assert dot.get("href") == "#" + callout.get("id")
    circle = dot.find("circle")
    assert circle.get("class") == "map-marker map-marker--highlight"
    assert circle.get("r") == str(maps.TARGET_PX // 2)  # CSS px: the overlay has no viewBox
    assert (circle.get("cx"), circle.get("cy")) == (
        f"{result.dots[0].left}%",
        f"{result.dots[0].top}%",
    )
    assert callout_link.get("href") == "/cities/bangkok & co/"
    assert callout_link.find("text").text == "Bangkok & Co"
    assert "style" not in html and "<script" not in html


def test_a_map_without_cities_is_one_labelled_image():
    from xml.etree import ElementTree

    frame = ElementTree.fromstring(render_map(maps.build_map([])))
    (outlines,) = frame.findall("svg")
    assert outlines.get("role") == "img"
    assert outlines.find("title").get("id") == outlines.get("aria-labelledby")


# Touch targets: no two dots' 24 px squares overlap at the narrowest width -------------------


def squares_overlap(result, width_px=maps.NARROWEST_MAP_PX, wide=False):
    """Pairs of dots whose TARGET_PX squares overlap with the map drawn width_px wide."""
    _, _, width, height = map(float, result.viewbox.split())
    height_px = width_px * height / width
    dots = result.wide_dots if wide else result.dots
    points = [(dot.left / 100 * width_px, dot.top / 100 * height_px) for dot in dots]
    return [
        (i, j)
        for i, (x1, y1) in enumerate(points)
        for j, (x2, y2) in enumerate(points[i + 1 :], start=i + 1)
        if abs(x1 - x2) < maps.TARGET_PX and abs(y1 - y2) < maps.TARGET_PX
    ]


def founding_cities():
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "founding_2018.json"
    rows = json.loads(fixture.read_text(encoding="utf-8"))
    return [
        city(row["fields"]["name"], row["fields"]["latitude"], row["fields"]["longitude"])
        for row in rows
        if row["model"] == "registry.city"
    ]


def every_city_on_one_dot(result):
    everyone = sorted(m.name for m in result.markers)
    return all(
        sorted(c.name for dot in dots for c in dot.cities) == everyone for _, dots in result.layers
    )


def test_founding_cities_dots_never_overlap_and_close_cities_share_one():
    cities = founding_cities()
    result = maps.build_map(cities)
    assert len(result.markers) == 26 and every_city_on_one_dot(result)
    assert squares_overlap(result) == []
    assert squares_overlap(result, maps.WIDE_MAP_PX, wide=True) == []
    for dots in (result.dots, result.wide_dots):
        dot_of = {c.name: i for i, dot in enumerate(dots) for c in dot.cities}
        assert dot_of["Bangkok"] == dot_of["Chonburi"]
        assert dot_of["Singapore"] == dot_of["Johor Bahru"]
        assert dot_of["Bangkok"] != dot_of["Manila"]
    # Wide, the dots stay closer to the cities: fewer share one.
    assert len(result.dots) < len(result.wide_dots) < 26
    wide_of = {c.name: dot for dot in result.wide_dots for c in dot.cities}
    assert [line.name for line in wide_of["Bangkok"].callout] == ["Bangkok", "Chonburi"]


def test_a_city_added_beside_another_joins_its_dot():
    cities = [*founding_cities(), city("Huế", 16.4637, 107.5909)]
    result = maps.build_map(cities)
    assert squares_overlap(result) == []
    dot_of = {c.name: i for i, dot in enumerate(result.dots) for c in dot.cities}
    assert dot_of["Da Nang"] == dot_of["Huế"]


def test_city_page_map_keeps_the_city_on_its_own_dot_and_no_dots_overlap():
    cities = founding_cities()
    for focus in cities:
        result = maps.build_map(cities, highlight=focus, focus=focus)
        assert squares_overlap(result) == [], focus.name
        assert squares_overlap(result, maps.WIDE_FOCUS_MAP_PX, wide=True) == [], focus.name
        for _, dots in result.layers:
            (highlighted,) = [dot for dot in dots if dot.highlight]
            assert highlighted.cities[0].name == focus.name  # drawn at its own place
        assert every_city_on_one_dot(result)


def test_two_thousand_generated_cities_cluster_without_overlap():
    import random

    rng = random.Random(2018)
    cities = [
        city(f"City {n}", round(rng.uniform(-9, 27), 4), round(rng.uniform(93, 140), 4))
        for n in range(2000)
    ]
    result = maps.build_map(cities)
    assert len(result.markers) == 2000 and every_city_on_one_dot(result)
    assert squares_overlap(result) == []
    assert squares_overlap(result, maps.WIDE_MAP_PX, wide=True) == []
    assert len(result.dots) < len(result.wide_dots) < 2000
    big = max(result.dots, key=lambda dot: len(dot.cities))
    assert len(big.cities) > maps.MAX_CALLOUT_NAMES and big.callout == []
    html = render_map(result)
    assert "cities: the list below names them" in html


def test_dots_placed_for_the_narrowest_width_do_not_overlap_when_drawn_wider():
    result = maps.build_map(founding_cities())
    for width_px in (320, 600, 688, 1200):
        assert squares_overlap(result, width_px) == []
    for width_px in (688, 1200):
        assert squares_overlap(result, width_px, wide=True) == []
