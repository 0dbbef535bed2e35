"""The HTML explorer's page, read as text (the browser tests are in test_browser.py)."""

from __future__ import annotations

import itertools
import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from coloraide import Color

from aleppo_map._errors import AleppoMapError
from aleppo_map.battle import default_battle
from aleppo_map.render import html as render_html
from aleppo_map.settings import DEFAULTS
from html_fixtures import (
    FIGURES,
    HOSTILE_AR,
    HOSTILE_NAME,
    HOSTILE_NOTE,
    HOSTILE_TITLE,
    hostile_project,
    synthetic_project,
)

DATA = re.compile(r'<script type="application/json" id="am-data">(.*?)</script>', re.DOTALL)


def payload_of(html: str) -> dict:
    """The data the page hands to its script, decoded from the page itself."""
    found = DATA.findall(html)
    assert len(found) == 1
    return json.loads(found[0])


class Resources(HTMLParser):
    """Every address a page would fetch: script src, link href, img src, url() in styles."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            if a.get("src"):
                self.urls.append(a["src"] or "")
            else:
                self.inline_scripts += 1
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"] or "")
        if tag in ("img", "iframe", "source") and a.get("src"):
            self.urls.append(a["src"] or "")


def resources(html: str) -> Resources:
    parser = Resources()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def project():
    return hostile_project()


@pytest.fixture(scope="module")
def offline_html(project) -> str:
    """The default page: self-contained."""
    return render_html.render_page(project, figures=FIGURES)


@pytest.fixture(scope="module")
def online_html(project) -> str:
    """The small linked variant (``--cdn``)."""
    return render_html.render_page(project, cdn=True, figures=FIGURES)


# ----------------------------------------------------------------------------- encoding
def _segments(data: dict, i: int) -> list[dict]:
    """District *i*'s state segments as records, from the page's named columns."""
    cols = data["states"][i]
    assert sorted(cols) == sorted(render_html.SEGMENT_KEYS)
    assert {"day", "rest", "row", "share", "side", "since", "unc"} <= set(cols)
    return [dict(zip(cols, values, strict=True)) for values in zip(*cols.values(), strict=True)]


def test_segments_follow_the_timeline(project):
    data = render_html.page_data(project)
    ids = [d["id"] for d in data["districts"]]
    sides = [s["id"] for s in data["sides"]]
    gov, reb = sides.index("government"), sides.index("rebel")
    bravo = _segments(data, ids.index("bravo"))
    # rebel from day 0; 40% government (rest rebel) from day 1; fully government from day 4
    assert [(s["day"], s["side"], s["share"], s["rest"]) for s in bravo] == [
        (0, reb, 1, -1), (1, gov, 0.4, reb), (4, gov, 1, -1)]
    rows = render_html.row_records(data)
    assert [rows[s["row"]]["id"] for s in bravo] == ["C0002", "C0006", "C0011"]
    # every day, the segment in force agrees with Timeline.state_on
    for k, day in enumerate(project.timeline.dates):
        state = project.timeline.state_on(day)
        for i, did in enumerate(ids):
            seg = [s for s in _segments(data, i) if s["day"] <= k][-1]
            assert sides[seg["side"]] == state.loc[did, "controller"]
            assert seg["share"] == pytest.approx(state.loc[did, "share"], abs=1e-3)


def test_sides_and_texts_come_from_the_battle(project, offline_html):
    data = render_html.page_data(project)
    battle = project.settings.battle
    assert data["title"] == battle.title
    assert f"<title>{battle.title}</title>" in offline_html
    assert [s["id"] for s in data["sides"]] == list(battle.side_ids)
    assert {s["id"]: s["label"] for s in data["sides"]} == dict(battle.labels)
    assert data["reference"]["label"] == battle.reference.label
    assert data["reference"]["day"] == battle.first_day.isoformat()


def test_history_rows_carry_status_dispute_and_citation(project):
    data = render_html.page_data(project)
    rows = {r["id"]: r for r in render_html.row_records(data)}
    assert rows["C0008"]["status"] == "repelled"
    assert rows["C0009"]["status"] == "applied"
    assert rows["C0009"]["disputed"] is True
    assert rows["C0010"]["status"] == "superseded"
    assert rows["C0010"]["disputed"] is True
    assert data["cites"][rows["C0010"]["cite"]] == f'Testpedia, "{HOSTILE_TITLE}", line 3'
    # each citation is stored once, and rows citing the same line share it
    assert len(set(data["cites"])) == len(data["cites"])
    assert rows["C0001"]["cite"] == rows["C0002"]["cite"]
    assert rows["C0004"]["note"] == HOSTILE_NOTE


def test_totals_of_the_formerly_rebel_held_east(project):
    """The page's totals are those of stats.daily_stats (areas measured in UTM 37N)."""
    from aleppo_map.analysis import areas as stats
    data = render_html.page_data(project)
    east = data["reference"]
    # alpha, bravo and hostile are rebel-held on the first day (~1 km² each); not charlie, delta
    areas = stats.district_areas(project)
    assert east["n"] == 3
    assert east["km2"] == pytest.approx(areas[["alpha", "bravo", "hostile"]].sum(), abs=0.01)
    assert east["km2"] == pytest.approx(3.0, rel=0.02)
    share = east["share"]
    assert sorted(share) == sorted(default_battle().side_ids)
    assert share["rebel"][0] == pytest.approx(1.0)
    # 18 Nov: alpha and hostile government, bravo 40% government
    assert share["government"][3] == pytest.approx((1 + 1 + 0.4) / 3, abs=5e-3)
    for k in range(len(project.timeline.dates)):
        assert sum(v[k] for v in share.values()) == pytest.approx(1.0, abs=1e-3)
    # km² of every mapped district, per side, per day; the point district counts its 0.5 km²
    area = data["area"]
    assert all(len(v) == len(project.timeline.dates) for v in area.values())
    assert sum(v[0] for v in area.values()) == pytest.approx(areas.sum(), abs=0.01)
    assert area["sdf"][0] == pytest.approx(0.5)


def test_coordinates_rounded_to_about_a_metre(project):
    data = render_html.page_data(project)
    text = json.dumps([d["g"] for d in data["districts"]])
    decimals = [len(m) for m in re.findall(r"\d+\.(\d+)", text)]
    assert decimals
    assert max(decimals) <= DEFAULTS.coord_decimals


def test_page_hands_the_data_over_unchanged(project, offline_html):
    """The payload survives rendering: no jinja second pass evaluates '{{ 7*7 }}'."""
    data = render_html.unpack_page_data(payload_of(offline_html))
    assert data == json.loads(json.dumps(render_html.page_data(project, figures=FIGURES)))
    rows = {r["id"]: r for r in render_html.row_records(data)}
    assert rows["C0004"]["note"] == HOSTILE_NOTE
    names = {d["id"]: (d["en"], d["ar"]) for d in data["districts"]}
    assert names["hostile"] == (HOSTILE_NAME, HOSTILE_AR)


@pytest.mark.parametrize("mode", ["offline_html", "online_html"])
def test_hostile_text_never_appears_as_markup(mode, request):
    html = request.getfixturevalue(mode)
    for raw in (HOSTILE_NAME, HOSTILE_AR, HOSTILE_TITLE, "</script><script>alert(3)"):
        assert raw not in html
    assert "<img" not in html.lower()
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html


# ----------------------------------------------------------------------------- modes
def test_default_page_is_self_contained(project, offline_html):
    res = resources(offline_html)
    assert res.urls == []
    assert not re.search(r"url\((?!data:|#)", offline_html)
    # the street map is there only as a layer the reader may switch on: off by default
    tiles = payload_of(offline_html)["tiles"]
    assert tiles["on"] is False
    assert tiles["url"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert payload_of(render_html.render_page(project, cdn=True, figures=[]))["tiles"]["on"] is True
    # Leaflet inlined, with its licence
    assert "Leaflet 1.9.4, a JS library for interactive maps" in offline_html
    assert "BSD 2-Clause License" in offline_html
    assert "Copyright (c) 2010-2024, Volodymyr Agafonkin" in offline_html


def test_online_page_links_pinned_leaflet_and_osm_tiles(online_html):
    res = resources(online_html)
    assert sorted(res.urls) == [
        "https://unpkg.com/leaflet@1.9.4/dist/leaflet.css",
        "https://unpkg.com/leaflet@1.9.4/dist/leaflet.js",
    ]
    assets = render_html.leaflet_assets(inline=False)
    assert f'integrity="{assets["js_sri"]}"' in online_html
    assert f'integrity="{assets["css_sri"]}"' in online_html
    assert "tile.openstreetmap.org/{z}/{x}/{y}.png" in online_html
    assert "OpenStreetMap" in online_html
    assert "contributors" in online_html
    # no jQuery, Bootstrap or Font Awesome: folium's defaults are not loaded
    assert "jquery" not in online_html.lower()
    assert "bootstrap" not in online_html.lower()
    assert len(online_html) < len(render_html.render_page(hostile_project())) - 100_000


def test_leaflet_hashes_are_the_official_release():
    """The packaged files are Leaflet 1.9.4 as released (hashes published by leafletjs.com)."""
    assets = render_html.leaflet_assets(inline=False)
    assert assets["version"] == "1.9.4"
    assert assets["js_sri"] == "sha256-20nQCchB9co0qIjJZRGuk2/Z9VM+kNiyxNV1lvTlZBo="
    assert assets["css_sri"] == "sha256-p4NxAoJBhIIN+hmNHrzRCf9tD/miZyoHS5obTRR9BMY="


def test_static_modules_are_inlined_in_order(offline_html):
    folder = Path(render_html.__file__).parent / "static"
    modules = [(folder / name).read_text("utf-8") for name in render_html.JS_MODULES]
    positions = [offline_html.find(js) for js in modules]
    assert -1 not in positions
    assert positions == sorted(positions)
    js = "\n".join(modules)
    assert "function startExplorer" in modules[-1]
    # every module is small enough to hold in mind
    assert max(len(m.splitlines()) for m in modules) < 400
    assert "innerHTML" not in js
    assert "insertAdjacentHTML" not in js
    assert "eval(" not in js
    assert (folder / render_html.CSS_FILE).read_text("utf-8").strip() in offline_html


def test_no_battle_is_written_in_the_renderer():
    """Titles, sides and the reference area come from the battle, not from the code."""
    root = Path(render_html.__file__).parent
    files = [root / "html.py", *sorted((root / "templates").iterdir()),
             *sorted((root / "static").iterdir())]
    battle = hostile_project().settings.battle
    words = [battle.name, "2016", *battle.side_ids, *(s.label for s in battle.sides),
             battle.reference.label, "Kurdish", "rebel-held"]
    for path in files:
        text = path.read_text("utf-8")
        checked = words
        if path.name == "html.py":  # the package's own name is not a battle; nor are comments
            text = text.replace("aleppo_map", "").replace("aleppo-map", "").replace("AleppoMap", "")
            checked = [battle.name, "2016", *(s.label for s in battle.sides)]
        for word in checked:
            assert word not in text, (path.name, word)


def test_page_is_deterministic(project):
    a = render_html.render_page(project, cdn=True, figures=FIGURES)
    b = render_html.render_page(project, cdn=True, figures=FIGURES)
    assert a == b


# ----------------------------------------------------------------------------- size
def test_page_grows_with_geometry_and_changes_not_districts_times_days():
    def size(*args: int) -> int:
        return len(render_html.render_page(synthetic_project(*args), cdn=True, figures=[]))

    base = size(200, 30, 100)
    long = size(200, 330, 100)
    more_changes = size(200, 30, 400)
    more_districts = size(800, 30, 100)
    # 300 more days cost only the per-day totals (date, areas, shares): < 100 bytes a day,
    # where a style per district per day would cost 200 districts x 300 days x >= 10 bytes.
    assert long - base < 300 * 100
    # changes and districts each cost a bounded amount
    assert (more_changes - base) / 300 < 400
    assert (more_districts - base) / 600 < 800


# ----------------------------------------------------------------------------- writing
def test_write_map_is_atomic(project, tmp_path):
    dest = render_html.write_map(project, tmp_path / "out" / "map.html", figures=FIGURES)
    assert dest.read_text("utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in dest.parent.iterdir()) == ["map.html"]


def test_write_map_without_geometry_fails_cleanly(project, tmp_path):
    from dataclasses import replace

    with pytest.raises(AleppoMapError, match="district geometry"):
        render_html.write_map(replace(project, layer=None), tmp_path / "map.html")
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- palette
def _worst_pair(colours: dict[str, str]) -> tuple[float, str]:
    worst, where = 1e9, ""
    for deficiency in (None, "protan", "deutan", "tritan"):
        seen = {
            k: Color(v) if deficiency is None else Color(v).filter(deficiency, method="brettel")
            for k, v in colours.items()
        }
        for a, b in itertools.combinations(colours, 2):
            d = seen[a].delta_e(seen[b], method="2000")
            if d < worst:
                worst, where = d, f"{a}/{b} under {deficiency or 'normal vision'}"
    return worst, where


def test_palette_distinguishable_under_colour_vision_deficiencies():
    """Every pair of fills at least 20 CIEDE2000 apart, also for protan, deutan and tritan."""
    worst, where = _worst_pair(dict(DEFAULTS.colours))
    assert worst >= 20, f"{where}: only {worst:.1f} apart"


def test_old_red_green_pair_would_fail_the_check():
    """The check bites: the earlier red and green were only ~11 apart for deuteranopes."""
    worst, where = _worst_pair({"government": "#d7301f", "rebel": "#1a9850"})
    assert worst < 20
    assert "deutan" in where


# ----------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def real_data():
    from aleppo_map.project import load_project

    return render_html.page_data(load_project())


def _state(data: dict, did: str, day: str) -> dict:
    i = [d["id"] for d in data["districts"]].index(did)
    k = data["dates"].index(day)
    seg = [s for s in _segments(data, i) if s["day"] <= k][-1]
    return {"controller": data["sides"][seg["side"]]["id"], "share": seg["share"]}


def test_real_hanano_is_government_from_26_november(real_data):
    assert _state(real_data, "hanano", "2016-11-26")["controller"] == "government"
    assert _state(real_data, "hanano", "2016-11-15")["controller"] == "rebel"


def test_real_sheikh_saeed_history_has_the_1_december_recapture(real_data):
    i = [d["id"] for d in real_data["districts"]].index("sheikh-saeed")
    rows = [r for r in render_html.row_records(real_data) if r["district"] == i and r["date"] == "2016-12-01"]
    assert any(r["side"] == "rebel" and r["status"] == "applied" for r in rows)
    for r in rows:
        assert re.search(r"line \d+", real_data["cites"][r["cite"]])


def test_real_page_dates_and_encoding(real_data):
    assert real_data["dates"][0] == "2016-11-15"
    assert real_data["dates"][-1] == "2016-12-22"
    assert len(real_data["dates"]) == 38
    assert date.fromisoformat(real_data["dates"][20])
    n_states = sum(len(s["day"]) for s in real_data["states"])
    # segments are changes, not days: far fewer than districts x days
    assert n_states < len(real_data["districts"]) * 38 / 4


# ----------------------------------------------------------------------------- another battle
def test_another_battle_page_says_nothing_of_aleppo():
    """Title, side labels and the reference area follow the battle; no word of Aleppo."""
    from dataclasses import replace

    from aleppo_map.settings import Settings

    project = hostile_project()
    old = project.settings.battle
    battle = replace(
        old, id="testville-1999", name="Testville", title="Testville: the siege of the old town",
        sides=tuple(replace(s, label=f"Faction {k + 1}", short=f"faction {k + 1}")
                    for k, s in enumerate(old.sides)),
        reference=replace(old.reference, label="old town", description="the walled quarter"),
    )
    settings = Settings.for_battle(battle, start=project.settings.start, end=project.settings.end,
                                   data_dir=project.settings.data_dir)
    other = replace(project, settings=settings)
    html = render_html.render_page(other, figures=[])
    assert "aleppo" not in html.lower()
    assert "<title>Testville: the siege of the old town</title>" in html
    data = payload_of(html)
    assert [s["label"] for s in data["sides"]] == [f"Faction {k + 1}" for k in range(len(old.sides))]
    assert data["reference"]["label"] == "old town"
    assert data["slug"] == "testville-1999"


def test_real_page_says_where_every_shape_comes_from():
    from aleppo_map.analysis import front
    from aleppo_map.gazetteer import normalise
    from aleppo_map.project import load_project

    project = load_project()
    data = render_html.page_data(project)
    layer = project.layer.gdf
    for d in data["districts"]:
        assert d["basis"] == layer.at[d["id"], "geom_basis"]
        if d["basis"] == "estimated":
            assert d["note"] == layer.at[d["id"], "geom_note"] and d["note"]
        if d["id"] in project.layer.subareas:
            assert data["districts"][d["parent"]]["id"] == project.layer.subareas[d["id"]]
        else:
            assert "parent" not in d
        # every spelling of the gazetteer, folded by the package's own normaliser
        assert {normalise(a) for a in project.gazetteer.aliases(d["id"])} <= set(d["names"])
    counts = layer["geom_basis"].value_counts()
    b = data["boundaries"]
    assert (b["kind"], b["real"], b["estimated"], b["subareas"]) == (
        "real", counts["csr"], counts["estimated"], len(project.layer.subareas))
    # the shared edges, once, with their districts and rounded coordinates
    edges = front.project_edges(project)
    e = data["edges"]
    ids = e.get("id", list(range(len(e["a"]))))
    assert ids == list(range(len(edges)))
    names = [d["id"] for d in data["districts"]]
    assert [names[k] for k in e["a"]] == edges["a"].tolist()
    assert [names[k] for k in e["b"]] == edges["b"].tolist()
    # decode the first edge's first point: its latitude and longitude, in 1/scale degree
    lat, lon = e["g"][0][0][0] / e["scale"], e["g"][0][0][1] / e["scale"]
    first = edges.to_crs("EPSG:4326").geometry[0]
    x, y = getattr(first, "geoms", [first])[0].coords[0]
    assert abs(lat - y) < 1e-5 and abs(lon - x) < 1e-5


# ----------------------------------------------------------------------------- renderer
def test_large_cities_are_drawn_on_a_canvas():
    """From html.CANVAS_THRESHOLD districts the page draws them on a canvas; below, as SVG."""
    small = render_html.page_payload(synthetic_project(50, 5, 20))
    assert small["renderer"] == "svg"
    large = synthetic_project(render_html.CANVAS_THRESHOLD, 5, 20)
    assert render_html.page_payload(large)["renderer"] == "canvas"
    assert render_html.page_payload(large, renderer="svg")["renderer"] == "svg"
    assert render_html.page_payload(synthetic_project(50, 5, 20), renderer="canvas")["renderer"] == "canvas"


def test_unknown_renderer_is_a_clear_error(project):
    expected = r"renderer: expected one of auto, svg, canvas, got 'canvass' \(did you mean 'canvas'\?\)"
    with pytest.raises(AleppoMapError, match=expected):
        render_html.page_payload(project, renderer="canvass")


def test_packed_payload_is_smaller_and_unpacks_to_the_page_data(project):
    """The page carries flat columns; unpacked, they are the named page data exactly."""
    from aleppo_map.project import load_project

    real = load_project()
    packed = render_html.page_payload(real)
    data = render_html.page_data(real)
    assert render_html.unpack_page_data(json.loads(json.dumps(packed))) == json.loads(json.dumps(data))
    assert len(json.dumps(packed)) < 0.7 * len(json.dumps(data))
    # the geometry decodes to the layer's polygons, rounded
    import shapely

    for d in data["districts"][:20]:
        shape = shapely.geometry.shape(d["g"])
        assert shape.equals_exact(real.layer.gdf.geometry[d["id"]], tolerance=10 ** -DEFAULTS.coord_decimals)
