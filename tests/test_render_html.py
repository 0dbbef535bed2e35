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
from aleppo_map.render import html as render_html
from aleppo_map.settings import CONTROLLERS, DEFAULTS
from html_fixtures import (
    FIGURES,
    HOSTILE_AR,
    HOSTILE_NAME,
    HOSTILE_NOTE,
    HOSTILE_TITLE,
    hostile_project,
    synthetic_project,
)

CALL = re.compile(r"aleppoExplorer\(map_aleppo, (.*)\);\s*$", re.MULTILINE)


def payload_of(html: str) -> dict:
    """The data the page hands to its script, decoded from the page itself."""
    found = CALL.findall(html)
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
    return render_html.render_page(project, offline=True, figures=FIGURES)


@pytest.fixture(scope="module")
def online_html(project) -> str:
    return render_html.render_page(project, offline=False, figures=FIGURES)


# ----------------------------------------------------------------------------- encoding
def test_segments_follow_the_timeline(project):
    data = render_html.page_data(project)
    ids = [d["id"] for d in data["districts"]]
    gov, reb = CONTROLLERS.index("government"), CONTROLLERS.index("rebel")
    bravo = data["segs"][ids.index("bravo")]
    # rebel from day 0; 40% government (rest rebel) from day 1; fully government from day 4
    assert [s[:4] for s in bravo] == [[0, reb, 1, -1], [1, gov, 0.4, reb], [4, gov, 1, -1]]
    rows = data["rows"]
    assert [rows[s[4]]["id"] for s in bravo] == ["C0002", "C0006", "C0011"]
    # every day, the segment in force agrees with Timeline.state_on
    for k, day in enumerate(project.timeline.dates):
        state = project.timeline.state_on(day)
        for i, did in enumerate(ids):
            seg = [s for s in data["segs"][i] if s[0] <= k][-1]
            assert CONTROLLERS[seg[1]] == state.loc[did, "controller"]
            assert seg[2] == pytest.approx(state.loc[did, "share"], abs=1e-3)


def test_history_rows_carry_status_dispute_and_citation(project):
    data = render_html.page_data(project)
    rows = {r["id"]: r for r in data["rows"]}
    assert rows["C0008"]["st"] == "repelled"
    assert rows["C0009"]["st"] == "applied"
    assert rows["C0009"]["dp"] is True
    assert rows["C0010"]["st"] == "superseded"
    assert rows["C0010"]["dp"] is True
    assert data["cites"][rows["C0010"]["ci"]] == f'"{HOSTILE_TITLE}", line 3'
    # each citation is stored once, and rows citing the same line share it
    assert len(set(data["cites"])) == len(data["cites"])
    assert rows["C0001"]["ci"] == rows["C0002"]["ci"]
    assert rows["C0004"]["note"] == HOSTILE_NOTE


def test_totals_of_the_formerly_rebel_held_east(project):
    """The page's totals are those of stats.daily_stats (areas measured in UTM 37N)."""
    from aleppo_map.analysis import areas as stats
    data = render_html.page_data(project)
    east = data["east"]
    # alpha, bravo and hostile are rebel-held on the first day (~1 km² each); not charlie, delta
    areas = stats.district_areas(project)
    assert east["n"] == 3
    assert east["km2"] == pytest.approx(areas[["alpha", "bravo", "hostile"]].sum(), abs=0.01)
    assert east["km2"] == pytest.approx(3.0, rel=0.02)
    g, r = CONTROLLERS.index("government"), CONTROLLERS.index("rebel")
    assert east["share"][0][r] == pytest.approx(1.0)
    # 18 Nov: alpha and hostile government, bravo 40% government
    assert east["share"][3][g] == pytest.approx((1 + 1 + 0.4) / 3, abs=5e-3)
    for day in east["share"]:
        assert sum(day) == pytest.approx(1.0, abs=1e-3)
    # km² of every mapped district, per day, per side; the point district counts its 0.5 km²
    assert len(data["area"]) == len(project.timeline.dates)
    assert sum(data["area"][0]) == pytest.approx(areas.sum(), abs=0.01)
    assert data["area"][0][CONTROLLERS.index("sdf")] == pytest.approx(0.5)


def test_coordinates_rounded_to_about_a_metre(project):
    data = render_html.page_data(project)
    text = json.dumps([d["g"] for d in data["districts"]])
    decimals = [len(m) for m in re.findall(r"\d+\.(\d+)", text)]
    assert decimals
    assert max(decimals) <= DEFAULTS.coord_decimals


def test_page_hands_the_data_over_unchanged(project, offline_html):
    """The payload survives rendering: no jinja second pass evaluates '{{ 7*7 }}'."""
    data = payload_of(offline_html)
    assert data == json.loads(json.dumps(render_html.page_data(project, figures=FIGURES)))
    rows = {r["id"]: r for r in data["rows"]}
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
def test_offline_page_is_self_contained(offline_html):
    res = resources(offline_html)
    assert res.urls == []
    assert "tile.openstreetmap.org" not in offline_html
    assert not re.search(r"url\((?!data:|#)", offline_html)
    assert "L.tileLayer" not in offline_html
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
    assert len(online_html) < len(render_html.render_page(hostile_project(), offline=True))


def test_leaflet_hashes_are_the_official_release():
    """The packaged files are Leaflet 1.9.4 as released (hashes published by leafletjs.com)."""
    assets = render_html.leaflet_assets(inline=False)
    assert assets["version"] == "1.9.4"
    assert assets["js_sri"] == "sha256-20nQCchB9co0qIjJZRGuk2/Z9VM+kNiyxNV1lvTlZBo="
    assert assets["css_sri"] == "sha256-p4NxAoJBhIIN+hmNHrzRCf9tD/miZyoHS5obTRR9BMY="


def test_templates_hold_the_script_and_style(offline_html):
    folder = Path(render_html.__file__).parent / "templates"
    js = (folder / "explorer.js").read_text("utf-8")
    assert "function aleppoExplorer" in js
    assert js in offline_html
    assert "innerHTML" not in js
    assert "insertAdjacentHTML" not in js
    assert "eval(" not in js
    assert (folder / "explorer.css").read_text("utf-8").strip() in offline_html


def test_page_is_deterministic(project):
    a = render_html.render_page(project, offline=False, figures=FIGURES)
    b = render_html.render_page(project, offline=False, figures=FIGURES)
    assert a == b


# ----------------------------------------------------------------------------- size
def test_page_grows_with_geometry_and_changes_not_districts_times_days():
    base = len(render_html.render_page(synthetic_project(200, 30, 100), figures=[]))
    long = len(render_html.render_page(synthetic_project(200, 330, 100), figures=[]))
    more_changes = len(render_html.render_page(synthetic_project(200, 30, 400), figures=[]))
    more_districts = len(render_html.render_page(synthetic_project(800, 30, 100), figures=[]))
    # 300 more days cost only the per-day totals (date, areas, shares): < 100 bytes a day,
    # where a style per district per day would cost 200 districts x 300 days x >= 10 bytes.
    assert long - base < 300 * 100
    # changes and districts each cost a bounded amount
    assert (more_changes - base) / 300 < 400
    assert (more_districts - base) / 600 < 800


# ----------------------------------------------------------------------------- writing
def test_write_map_is_atomic(project, tmp_path):
    dest = render_html.write_map(project, tmp_path / "out" / "map.html", offline=True,
                                 figures=FIGURES)
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
    seg = [s for s in data["segs"][i] if s[0] <= k][-1]
    return {"controller": CONTROLLERS[seg[1]], "share": seg[2]}


def test_real_hanano_is_government_from_26_november(real_data):
    assert _state(real_data, "hanano", "2016-11-26")["controller"] == "government"
    assert _state(real_data, "hanano", "2016-11-15")["controller"] == "rebel"


def test_real_sheikh_saeed_history_has_the_1_december_recapture(real_data):
    i = [d["id"] for d in real_data["districts"]].index("sheikh-saeed")
    rows = [r for r in real_data["rows"] if r["d"] == i and r["date"] == "2016-12-01"]
    assert any(r["c"] == "rebel" and r["st"] == "applied" for r in rows)
    for r in rows:
        assert re.search(r"line \d+", real_data["cites"][r["ci"]])


def test_real_page_dates_and_encoding(real_data):
    assert real_data["dates"][0] == "2016-11-15"
    assert real_data["dates"][-1] == "2016-12-22"
    assert len(real_data["dates"]) == 38
    assert date.fromisoformat(real_data["dates"][20])
    n_states = sum(len(s) for s in real_data["segs"])
    # segments are changes, not days: far fewer than districts x days
    assert n_states < len(real_data["districts"]) * 38 / 4
