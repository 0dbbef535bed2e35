"""The HTML explorer in real headless Chromium, with the network blocked.

Every page is opened from a file; any request that is not ``file:`` or ``data:`` is
aborted and recorded, and the tests assert that there were none. The browser is
Debian's ``/usr/bin/chromium`` (no browser download); these tests skip when it is
absent, except under ``CI=true`` where that is a failure.
"""

from __future__ import annotations

import base64
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aleppo_map.render import html as render_html
from aleppo_map.settings import DEFAULTS
from aleppo_map.testing import skip_or_fail
from html_fixtures import FIGURES, HOSTILE_AR, HOSTILE_NAME, HOSTILE_TITLE, hostile_project

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("ALEPPO_MAP_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 800}
MAP_BACKGROUND = "#e8e6df"  # .am-map in explorer.css: what shows under a district offline


def _need_chromium() -> Path:
    if not CHROMIUM.exists():
        skip_or_fail(f"headless Chromium not found at {CHROMIUM} "
                     "(install Debian's 'chromium' package, as .ci/run does)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    exe = _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(exe), args=ARGS)
        yield b
        b.close()


@dataclass
class Opened:
    page: object
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser) -> Iterator:
    pages = []

    def _open(path: Path, fragment: str = "", viewport: dict[str, int] | None = None) -> Opened:
        page = browser.new_page(viewport=viewport or VIEWPORT, accept_downloads=True)
        pages.append(page)
        opened = Opened(page)

        def route(r) -> None:
            url = r.request.url
            if url.startswith(("file:", "data:")):
                r.continue_()
            else:
                opened.outside_requests.append(url)
                r.abort()

        page.route("**/*", route)
        page.on("console", lambda m: opened.console_errors.append(m.text)
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: opened.console_errors.append(str(e)))

        def on_dialog(d) -> None:
            opened.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", on_dialog)
        page.goto(path.resolve().as_uri() + (f"#{fragment}" if fragment else ""))
        page.wait_for_function("window.controlMap && window.controlMap.ready", timeout=15000)
        return opened

    yield _open
    for p in pages:
        p.close()


@pytest.fixture(scope="session")
def real_project():
    from aleppo_map.project import load_project

    return load_project()


@pytest.fixture(scope="session")
def real_page(tmp_path_factory, real_project) -> Path:
    dest = tmp_path_factory.mktemp("real") / "aleppo_control.html"
    return render_html.write_map(real_project, dest)


@pytest.fixture(scope="session")
def csr_page(tmp_path_factory, csr_path: Path) -> Path:
    """The real map drawn on the CSR neighbourhood boundaries (read at test time)."""
    from aleppo_map.project import load_project

    dest = tmp_path_factory.mktemp("csr") / "aleppo_control.html"
    return render_html.write_map(load_project(districts=csr_path), dest)


@pytest.fixture(scope="session")
def hostile_page(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("hostile") / "hostile.html"
    return render_html.write_map(hostile_project(), dest, figures=FIGURES)


@pytest.fixture(scope="session")
def artifacts(repo_root: Path) -> Path:
    folder = Path(os.environ.get("ALEPPO_MAP_ARTIFACTS", repo_root / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _screen_point(page, district: str) -> tuple[float, float]:
    """Where a point inside the district (its label point) is on the screen."""
    x, y = page.evaluate(
        """(id) => {
            const ll = controlMap.labelPoint(id);
            const p = controlMap.map.latLngToContainerPoint(ll);
            const r = controlMap.map.getContainer().getBoundingClientRect();
            return [p.x + r.left, p.y + r.top];
        }""",
        district,
    )
    return float(x), float(y)


def _pixel(page, x: float, y: float) -> tuple[int, int, int]:
    """The colour on screen at (x, y), under the district labels (hidden for the read)."""
    pane = "controlMap.map.getPane('am-labels').style.visibility"
    page.evaluate(f"{pane} = 'hidden'")
    png = page.screenshot(clip={"x": round(x), "y": round(y), "width": 1, "height": 1})
    page.evaluate(f"{pane} = ''")
    return Image.open(io.BytesIO(png)).convert("RGB").getpixel((0, 0))


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _blend(fill: str, alpha: float, under: str = MAP_BACKGROUND) -> tuple[float, ...]:
    return tuple(alpha * f + (1 - alpha) * b for f, b in zip(_rgb(fill), _rgb(under), strict=True))


# ----------------------------------------------------------------------------- real data
def test_default_page_draws_every_district_with_no_request_leaving(open_page, real_page,
                                                                   real_project, artifacts):
    opened = open_page(real_page, "2016-12-06")
    page = opened.page
    assert page.evaluate("controlMap.getDate()") == "2016-12-06"
    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('.am-district'), p => p.dataset.district)")
    layer = real_project.layer.gdf.index
    expected = [d for d in real_project.timeline.district_ids if d in layer]
    assert sorted(drawn) == sorted(expected)
    assert len(drawn) > 100
    # every district with a polygon has a drawn outline and a fill; the sub-areas are small
    # markers, not shapes claiming ground
    paths = page.evaluate(
        "Array.from(document.querySelectorAll('path.am-district'), p => p.dataset.district)")
    subareas = real_project.layer.subareas
    assert sorted(paths) == sorted(d for d in expected if d not in subareas)
    assert page.evaluate("""Array.from(document.querySelectorAll('path.am-district'))
        .every(p => p.getAttribute('d').length > 10 && p.getAttribute('fill'))""")
    markers = page.evaluate("""Array.from(document.querySelectorAll('.am-sub.am-district'),
        m => [m.dataset.district, m.getBoundingClientRect().width])""")
    assert sorted(d for d, _ in markers) == sorted(subareas)
    assert all(w <= 16 for _, w in markers)
    # the parts a reader needs are on screen
    for selector in ("#am-slider", "#am-date", "#am-totals", "#am-legend", "#am-chart svg",
                     "#am-play"):
        assert page.locator(selector).is_visible(), selector
    assert page.locator("#am-date").inner_text() == "6 December 2016"
    totals = page.locator("#am-totals").inner_text()
    assert "of the formerly rebel-held east" in totals
    assert "government" in totals
    page.screenshot(path=str(artifacts / "explorer-2016-12-06.png"))
    assert opened.console_errors == []
    assert opened.outside_requests == []


@pytest.mark.parametrize("layer", ["real_page", "csr_page"])
def test_hanano_is_government_on_26_november_and_drawn_so(open_page, layer, request):
    opened = open_page(request.getfixturevalue(layer))
    page = opened.page
    assert page.evaluate("controlMap.setDate('2016-11-26')") == "2016-11-26"
    state = page.evaluate("controlMap.stateOf('hanano')")
    assert state["controller"] == "government"
    assert state["share"] == 1
    path = page.locator('path[data-district="hanano"]')
    government = DEFAULTS.colours["government"]
    assert path.get_attribute("fill") == government
    r, g, b = _rgb(government)
    assert path.evaluate("p => getComputedStyle(p).fill") == f"rgb({r}, {g}, {b})"
    # and on screen: the pixel inside Hanano is the government colour over the background
    alpha = float(path.get_attribute("fill-opacity"))
    seen = _pixel(page, *_screen_point(page, "hanano"))
    candidates = {c: _blend(v, alpha) for c, v in DEFAULTS.colours.items()}
    nearest = min(candidates, key=lambda c: sum((a - b) ** 2 for a, b in
                                                zip(seen, candidates[c], strict=True)))
    assert nearest == "government", (seen, candidates)
    assert all(abs(a - b) < 25 for a, b in zip(seen, candidates["government"], strict=True))
    # a day before Hanano fell it was not wholly government
    page.evaluate("controlMap.setDate('2016-11-15')")
    assert page.evaluate("controlMap.stateOf('hanano')")["controller"] == "rebel"
    assert path.get_attribute("fill") == DEFAULTS.colours["rebel"]
    assert opened.console_errors == []
    assert opened.outside_requests == []


@pytest.mark.parametrize("layer", ["real_page", "csr_page"])
def test_clicking_sheikh_saeed_shows_the_1_december_recapture(open_page, layer, request):
    opened = open_page(request.getfixturevalue(layer), "2016-12-02")
    page = opened.page
    assert page.locator("#am-history").is_hidden()
    page.mouse.click(*_screen_point(page, "sheikh-saeed"))
    panel = page.locator("#am-history")
    panel.wait_for(state="visible")
    assert "Sheikh" in page.locator(".am-hname").inner_text()
    group = panel.locator(".am-group", has_text="1 December 2016")
    assert group.count() == 1
    entries = group.locator(".am-entry")
    texts = [entries.nth(k).inner_text() for k in range(entries.count())]
    rebel = [t for t in texts if "Rebels" in t]
    assert rebel, texts
    assert any("Source: " in t and "line " in t for t in rebel), rebel
    # a citation of the Wikipedia article links to the version read
    links = panel.locator(".am-cite a")
    assert links.count() >= 1
    assert links.first.get_attribute("href").startswith("https://en.wikipedia.org/w/index.php")
    assert opened.console_errors == []
    assert opened.outside_requests == []


def test_every_state_in_the_browser_matches_the_timeline(open_page, real_page, real_project):
    """stateOf, for every district on every day, agrees with Timeline.states."""
    opened = open_page(real_page)
    seen = opened.page.evaluate(
        """() => controlMap.dates.map((d) => {
            controlMap.setDate(d);
            return controlMap.districts().map((id) => {
                const s = controlMap.stateOf(id);
                return [d, id, s.controller, s.share, s.remainder || "", s.since];
            });
        }).flat()"""
    )
    states = real_project.timeline.states
    expected = {
        (r.date.isoformat(), r.district_id): (r.controller, round(float(r.share), 3),
                                              r.remainder or "", r.since.isoformat())
        for r in states.itertuples()
    }
    assert len(seen) == len(expected)
    for day, did, controller, share, remainder, since in seen:
        assert (controller, share, remainder, since) == expected[(day, did)], (day, did)


def test_deep_link_and_arrow_key(open_page, real_page):
    opened = open_page(real_page, "2016-12-13")
    page = opened.page
    assert page.evaluate("controlMap.getDate()") == "2016-12-13"
    assert page.locator("#am-date").inner_text() == "13 December 2016"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("controlMap.getDate()") == "2016-12-14"
    page.wait_for_function("location.hash === '#2016-12-14'", timeout=3000)  # written after a pause
    assert page.locator("#am-slider").input_value() == str(
        page.evaluate("controlMap.dates.indexOf('2016-12-14')"))
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("location.hash === '#2016-12-12'", timeout=3000)  # written after a pause
    page.keyboard.press("Home")
    assert page.evaluate("controlMap.getDate()") == "2016-11-15"
    page.keyboard.press("End")
    assert page.evaluate("controlMap.getDate()") == "2016-12-22"
    # editing the hash moves the map too
    page.evaluate("location.hash = '#2016-11-30'")
    page.wait_for_function("controlMap.getDate() === '2016-11-30'")
    assert opened.console_errors == []
    assert opened.outside_requests == []


def test_totals_and_chart_follow_the_slider(open_page, real_page):
    opened = open_page(real_page)
    page = opened.page
    first = page.locator("#am-totals").inner_text()
    x0 = page.locator("#am-chart-marker").get_attribute("x1")
    page.evaluate("controlMap.setDate('2016-12-15')")
    last = page.locator("#am-totals").inner_text()
    assert first != last
    assert page.locator("#am-chart-marker").get_attribute("x1") != x0
    # by mid-December government holds most of the formerly rebel-held east
    share = page.evaluate(
        "parseInt(document.querySelector('#am-totals b').textContent, 10)")
    assert share > 50
    assert opened.console_errors == []
    assert opened.outside_requests == []


# ----------------------------------------------------------------------------- fixture
def test_hostile_names_render_as_text(open_page, hostile_page, artifacts):
    opened = open_page(hostile_page, "2016-11-18")
    page = opened.page
    # hover: the tooltip shows the name and Arabic name as text
    page.mouse.move(*_screen_point(page, "hostile"))
    tip = page.locator(".am-tip")
    tip.wait_for(state="visible")
    assert tip.locator(".am-tip-name").inner_text() == HOSTILE_NAME
    assert tip.locator(".am-tip-ar").inner_text() == HOSTILE_AR
    # click: the history panel shows names, notes and the hostile source title as text
    page.mouse.click(*_screen_point(page, "hostile"))
    panel = page.locator("#am-history")
    panel.wait_for(state="visible")
    assert page.locator(".am-hname").inner_text() == HOSTILE_NAME
    assert HOSTILE_TITLE in panel.inner_text()
    assert "{{ 7*7 }}" in panel.inner_text()
    # the figure box and the day's list of changes carry hostile text too
    assert HOSTILE_TITLE in page.locator("#am-figures").inner_text()
    assert HOSTILE_NAME in page.locator("#am-dayinfo").inner_text()
    # nothing was parsed as markup and nothing ran
    assert page.locator("img").count() == 0
    assert page.locator("b[onmouseover]").count() == 0
    assert page.evaluate("document.querySelectorAll('script').length") == page.evaluate(
        "Array.from(document.querySelectorAll('script')).filter(s => !s.src).length")
    page.screenshot(path=str(artifacts / "explorer-hostile.png"))
    assert opened.dialogs == []
    assert opened.console_errors == []
    assert opened.outside_requests == []


def test_conflicting_reports_side_by_side(open_page, hostile_page):
    opened = open_page(hostile_page, "2016-11-18")
    page = opened.page
    page.evaluate("controlMap.openHistory('hostile')")
    group = page.locator(".am-group", has_text="18 November 2016")
    assert "Conflicting reports (2)" in group.inner_text()
    cards = group.locator(".am-entry")
    assert cards.count() == 2
    a, b = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
    assert abs(a["y"] - b["y"]) < 2
    assert b["x"] > a["x"] + a["width"] - 1
    assert "in force on this day" in cards.nth(0).inner_text()
    assert "not used" in cards.nth(1).inner_text()


def test_partial_control_is_hatched(open_page, hostile_page):
    opened = open_page(hostile_page, "2016-11-16")
    page = opened.page
    assert page.evaluate("controlMap.stateOf('bravo')") == {
        "controller": "government", "share": 0.4, "remainder": "rebel", "extent": "partial",
        "since": "2016-11-16", "changeId": "C0006", "uncertain": False, "window": None,
    }
    fill = page.locator('path[data-district="bravo"]').get_attribute("fill")
    assert fill == "url(#am-hatch-government-rebel-4)"
    rects = page.locator("#am-hatch-government-rebel-4 rect")
    assert rects.nth(0).get_attribute("fill") == DEFAULTS.colours["rebel"]  # the holder below
    assert rects.nth(1).get_attribute("fill") == DEFAULTS.colours["government"]  # gaining side
    assert rects.nth(1).get_attribute("width") == "4"  # 40% of each 10-pixel period
    # a low-confidence state is outlined with dashes
    page.evaluate("controlMap.setDate('2016-11-21')")
    assert page.locator('path[data-district="alpha"]').get_attribute("stroke-dasharray")


def test_controls_play_and_change_jumps(open_page, hostile_page):
    opened = open_page(hostile_page)
    page = opened.page
    assert page.evaluate("controlMap.getDate()") == "2016-11-15"
    page.click("#am-next-change")
    assert page.evaluate("controlMap.getDate()") == "2016-11-16"
    page.click("#am-next-change")
    assert page.evaluate("controlMap.getDate()") == "2016-11-17"
    page.keyboard.press("PageDown")
    assert page.evaluate("controlMap.getDate()") == "2016-11-18"
    page.keyboard.press("PageDown")  # 19 Nov: bravo taken
    page.keyboard.press("PageDown")  # 21 Nov: alpha retaken; then no change until the end
    assert page.evaluate("controlMap.getDate()") == "2016-11-21"
    page.keyboard.press("PageUp")
    assert page.evaluate("controlMap.getDate()") == "2016-11-19"
    page.click("#am-back")
    assert page.evaluate("controlMap.getDate()") == "2016-11-18"
    page.click("#am-fwd")
    assert page.evaluate("controlMap.getDate()") == "2016-11-19"
    # play at 4x runs to the last day and stops by itself
    page.select_option("#am-speed", "4")
    page.click("#am-play")
    assert page.locator("#am-play").inner_text().endswith("pause")
    page.wait_for_function("controlMap.getDate() === '2016-11-24'", timeout=10000)
    page.wait_for_function("document.querySelector('#am-play').textContent.endsWith('play')")
    # space toggles play from the keyboard (restarting from the first day)
    page.keyboard.press(" ")
    page.wait_for_function("controlMap.getDate() !== '2016-11-24'")
    page.keyboard.press(" ")
    assert page.locator("#am-play").inner_text().endswith("play")
    # the slider drives the day
    page.locator("#am-slider").fill("5")
    assert page.evaluate("controlMap.getDate()") == "2016-11-20"
    page.wait_for_function("location.hash === '#2016-11-20'", timeout=3000)  # written after a pause
    with pytest.raises(Exception, match="expected a day from 2016-11-15"):
        page.evaluate("controlMap.setDate('2017-01-01')")
    assert page.evaluate("controlMap.stateOf('no-such-district')") is None
    assert opened.console_errors == []
    assert opened.outside_requests == []


def test_unknown_day_in_link_is_explained(open_page, hostile_page):
    opened = open_page(hostile_page, "2017-02-30")
    page = opened.page
    assert page.evaluate("controlMap.getDate()") == "2016-11-15"
    assert "No such day" in page.locator("#am-notice").inner_text()


def test_chart_switches_between_the_east_and_all_districts(open_page, hostile_page):
    opened = open_page(hostile_page, "2016-11-18")
    page = opened.page
    marker = page.locator("#am-chart-marker").get_attribute("x1")
    east_top = page.locator('#am-chart path[data-controller="rebel"]').get_attribute("d")
    assert page.locator("#am-chart-east").get_attribute("aria-pressed") == "true"
    top_label = "Number(document.querySelector('#am-chart text.am-axis').textContent)"
    east_max = page.evaluate(top_label)
    page.click("#am-chart-all")
    assert page.locator("#am-chart-all").get_attribute("aria-pressed") == "true"
    assert page.locator('#am-chart path[data-controller="rebel"]').get_attribute("d") != east_top
    # the whole map adds charlie (~1 km²) and the SDF-held point district (0.5 km²)
    assert east_max == pytest.approx(3.0, abs=0.1)
    assert page.evaluate(top_label) == pytest.approx(east_max + 1.5, abs=0.1)
    assert page.locator("#am-chart-marker").get_attribute("x1") == marker
    page.click("#am-chart-east")
    assert page.locator('#am-chart path[data-controller="rebel"]').get_attribute("d") == east_top
    assert opened.console_errors == []


# ----------------------------------------------------------------------------- phone
PHONE = {"width": 390, "height": 844}
_AT_OWN_CENTRE = """(sel) => {
    const e = document.querySelector(sel);
    const r = e.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return r.width > 0 && r.height > 0 && r.bottom <= innerHeight && r.right <= innerWidth
        && (hit === e || e.contains(hit));
}"""


def test_phone_keeps_the_slider_and_buttons_reachable(open_page, real_page, artifacts):
    opened = open_page(real_page, "2016-12-06", viewport=PHONE)
    page = opened.page
    controls = ("#am-slider", "#am-play", "#am-back", "#am-fwd", "#am-prev-change",
                "#am-next-change", "#am-speed", "#am-details")
    for selector in controls:
        assert page.evaluate(_AT_OWN_CENTRE, selector), selector
    # the panel is collapsed to its header: date and totals shown, the map below them
    assert page.locator("#am-date").is_visible()
    assert page.locator("#am-totals").is_visible()
    assert page.locator("#am-legend").is_hidden()
    head = page.locator(".am-head").bounding_box()
    box = page.locator(".am-map").bounding_box()
    assert box["y"] >= head["y"] + head["height"] - 1
    assert box["height"] > 400
    # every district is drawn, inside the map
    assert page.evaluate("""() => {
        const r = document.querySelector('.am-map').getBoundingClientRect();
        return Array.from(document.querySelectorAll('path.am-district')).every(p => {
            const b = p.getBoundingClientRect();
            return p.getAttribute('d').length > 10 && b.left >= r.left && b.right <= r.right
                && b.top >= r.top && b.bottom <= r.bottom;
        }); }""")
    page.screenshot(path=str(artifacts / "explorer-390x844.png"))
    # tapping the slider moves the day; "details" opens the panel, and the slider stays
    page.locator("#am-slider").click(position={"x": 5, "y": 5})
    assert page.evaluate("controlMap.getDate()") == "2016-11-15"
    page.click("#am-details")
    assert page.locator("#am-legend").is_visible()
    assert page.evaluate(_AT_OWN_CENTRE, "#am-slider")
    # opening a district's history opens the panel too
    page.click("#am-details")
    assert page.locator("#am-legend").is_hidden()
    page.evaluate("controlMap.openHistory('hanano')")
    assert page.locator("#am-history").is_visible()
    assert page.evaluate(_AT_OWN_CENTRE, "#am-slider")
    assert opened.console_errors == []
    assert opened.outside_requests == []


# ----------------------------------------------------------------------------- keyboard
def test_keyboard_from_tab_to_history(open_page, hostile_page):
    opened = open_page(hostile_page, "2016-11-16")
    page = opened.page
    # the first tab stop skips the districts to the timeline
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "am-skip"
    assert page.locator(".am-skip").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "am-slider"
    page.evaluate("document.activeElement.blur()")
    focused = ""
    for _ in range(12):  # past the zoom buttons and the street-map box to the first district
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.dataset.district || ''")
        if focused:
            break
    assert focused == "alpha"
    tip = page.locator(".am-tip")
    tip.wait_for(state="visible")
    assert "Alpha" in tip.inner_text()
    assert "since at least 15 November 2016" in tip.inner_text()
    # End goes to the last day, and the focused district's tooltip follows
    page.keyboard.press("End")
    assert page.evaluate("controlMap.getDate()") == "2016-11-24"
    assert "since 21 November 2016" in tip.inner_text()
    assert page.locator(".am-tip").count() == 1
    assert page.evaluate("document.activeElement.dataset.district") == "alpha"
    # Tab to the next district: the first tooltip goes, the next one shows
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.district") == "bravo"
    page.wait_for_function("document.querySelectorAll('.am-tip').length === 1")  # after its fade
    assert "Bravo" in page.locator(".am-tip").inner_text()
    # Enter opens the history; focus moves into it; Escape closes it and comes back
    page.keyboard.press("Enter")
    panel = page.locator("#am-history")
    panel.wait_for(state="visible")
    assert page.locator(".am-hname").inner_text() == "Bravo"
    assert page.evaluate("document.activeElement.id") == "am-history-h"
    page.keyboard.press("Escape")
    assert panel.is_hidden()
    assert page.evaluate("document.activeElement.dataset.district") == "bravo"
    assert opened.console_errors == []


def test_focus_follows_the_date_and_never_traps_in_the_speed_box(open_page, hostile_page):
    opened = open_page(hostile_page)
    page = opened.page
    # a day key with nothing focused moves the day and puts focus on the slider
    page.keyboard.press("ArrowRight")
    assert page.evaluate("controlMap.getDate()") == "2016-11-16"
    assert page.evaluate("document.activeElement.id") == "am-slider"
    assert page.locator("#am-slider").get_attribute("aria-valuetext") == "16 November 2016"
    # the speed box keeps its own keys, and Tab and Shift+Tab leave it
    page.focus("#am-speed")
    page.keyboard.press("ArrowDown")
    assert page.locator("#am-speed").input_value() == "2"
    assert page.evaluate("controlMap.getDate()") == "2016-11-16"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "am-slider"
    page.focus("#am-speed")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "am-next-change"
    page.focus("#am-speed")
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "am-slider"
    # space on a focused button is that button's click, not play
    page.focus("#am-fwd")
    page.keyboard.press(" ")
    assert page.evaluate("controlMap.getDate()") == "2016-11-17"
    assert page.locator("#am-play").inner_text().endswith("play")
    assert opened.console_errors == []


# ----------------------------------------------------------------------------- tiles
def test_street_map_without_network_says_so_and_leaves_the_map_usable(open_page, hostile_page):
    opened = open_page(hostile_page)
    page = opened.page
    assert page.locator("#am-tiles").is_checked() is False
    assert page.locator("img.leaflet-tile").count() == 0
    assert opened.outside_requests == []
    page.check("#am-tiles")
    note = page.locator("#am-tiles-note")
    note.wait_for(state="visible")
    assert "could not be loaded" in note.inner_text()
    assert "\n" not in note.inner_text()
    assert note.bounding_box()["height"] < 30  # one line
    assert opened.outside_requests  # the tiles were asked for, and refused
    assert all("tile.openstreetmap.org" in u for u in opened.outside_requests)
    # the map still works: days change, districts restyle, history opens
    assert page.evaluate("controlMap.setDate('2016-11-19')") == "2016-11-19"
    assert page.evaluate("controlMap.stateOf('bravo')")["controller"] == "government"
    page.evaluate("controlMap.openHistory('bravo')")
    assert page.locator("#am-history").is_visible()
    page.uncheck("#am-tiles")
    assert note.is_hidden()
    errors = [e for e in opened.console_errors if "Failed to load resource" not in e]
    assert errors == []


# ----------------------------------------------------------------------------- save
def _png(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def _has_colour(img: Image.Image, colour: str, box: tuple[int, int, int, int], tol: int = 6) -> int:
    """Count the pixels of *box* within *tol* of *colour*."""
    arr = np.asarray(img.crop(box), dtype=int)
    return int((np.abs(arr - np.array(_rgb(colour))).max(axis=2) <= tol).sum())


def test_download_png_of_the_current_view(open_page, real_page, artifacts):
    opened = open_page(real_page, "2016-12-06")
    page = opened.page
    # the labels are drawn into the PNG too (checked below); canvas and DOM text differ in
    # anti-aliasing, so the pixel comparison is made without them
    labelled = _png(base64.b64decode(page.evaluate("controlMap.snapshot()").split(",", 1)[1]))
    page.evaluate("controlMap.map.getPane('am-labels').style.visibility = 'hidden'")
    with page.expect_download() as info:
        page.click("#am-png")
    download = info.value
    assert download.suggested_filename == "aleppo-2016_2016-12-06.png"
    path = artifacts / "explorer-download.png"
    download.save_as(str(path))
    img = _png(path.read_bytes())
    size = page.evaluate("[controlMap.map.getSize().x, controlMap.map.getSize().y]")
    width, height = img.size
    assert width == 2 * max(560, size[0])
    assert height > 2 * size[1] + 150  # title and date above the map, legend and sources below
    # not blank: many colours, and the map part shows the sides' colours
    assert len(img.getcolors(maxcolors=1 << 20) or []) > 50
    # legend: every side's swatch is drawn in its exact colour below the map
    footer = (0, height - 480, width, height)
    for colour in DEFAULTS.colours.values():
        assert _has_colour(img, colour, footer, tol=2) > 100, colour
    # the map matches what the page shows, within a tolerance (controls masked)
    page.evaluate("document.querySelector('.leaflet-control-container').style.visibility = 'hidden'")
    shot = _png(page.locator(".am-map").screenshot())
    page.evaluate("document.querySelector('.leaflet-control-container').style.visibility = ''")
    png_map = img.resize((width // 2, height // 2), Image.Resampling.BILINEAR)
    offset = (width // 2 - size[0]) // 2
    # the map starts where the white header meets the map's background, down its left edge
    bg = _rgb(MAP_BACKGROUND)
    header_h = next(y for y in range(png_map.size[1]) if all(
        abs(a - b) <= 3 for a, b in zip(png_map.getpixel((offset + 3, y)), bg, strict=True)))
    assert 50 < header_h < 120
    crop = png_map.crop((offset + 60, header_h + 60, offset + size[0] - 60, header_h + size[1] - 60))
    ref = shot.crop((60, 60, size[0] - 60, size[1] - 60))
    diff = float(np.abs(np.asarray(crop, dtype=float) - np.asarray(ref, dtype=float)).mean())
    assert diff < 6, diff  # measured: about 4 (anti-aliasing of the outlines and front line)
    # with the labels shown, the PNG carries them: dark text where the page puts a label
    assert labelled.size == img.size
    changed = np.abs(np.asarray(labelled, dtype=float) - np.asarray(img, dtype=float)).max(axis=2) > 60
    assert changed.sum() > 1000
    page.evaluate("controlMap.map.getPane('am-labels').style.visibility = ''")
    # another day: the header (date) changes, the legend does not
    page.evaluate("controlMap.setDate('2016-11-20')")
    other = _png(base64.b64decode(page.evaluate("controlMap.snapshot()").split(",", 1)[1]))
    strip = (0, 60, width, 110)  # the date line
    changed = np.abs(np.asarray(other.crop(strip), dtype=int) - np.asarray(img.crop(strip), dtype=int))
    assert (changed.max(axis=2) > 100).sum() > 200  # the date's letters moved
    legend = (0, other.size[1] - 220, width, other.size[1] - 120)
    if other.size == img.size:
        assert np.abs(np.asarray(other.crop(legend), dtype=int)
                      - np.asarray(img.crop(legend), dtype=int)).mean() < 2
    assert opened.console_errors == []
    assert opened.outside_requests == []


def test_embed_snippet_links_the_day(open_page, hostile_page):
    opened = open_page(hostile_page, "2016-11-18")
    page = opened.page
    page.click("#am-embed")
    code = page.locator("#am-embed-code").input_value()
    assert code.startswith('<iframe src="file://')
    assert hostile_page.name + '#2016-11-18"' in code
    assert "</iframe>" in code
    page.keyboard.press("Escape")
    page.evaluate("controlMap.setDate('2016-11-20')")
    assert "#2016-11-20" in page.locator("#am-embed-code").input_value()
    assert opened.console_errors == []


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_print_fits_one_page(open_page, real_page, paper, artifacts):
    opened = open_page(real_page, "2016-12-06")
    page = opened.page
    page.emulate_media(media="print")
    page.wait_for_timeout(200)
    for selector in (".am-map", "#am-date", "#am-legend", "#am-meta"):
        assert page.locator(selector).is_visible(), selector
    assert page.locator("#am-bar").is_hidden()
    assert page.locator("#am-png").is_hidden()
    # the districts are inside the printed map
    box = page.locator(".am-map").bounding_box()
    inside = page.evaluate("""() => {
        const r = document.querySelector('.am-map').getBoundingClientRect();
        return Array.from(document.querySelectorAll('path.am-district')).filter(p => {
            const b = p.getBoundingClientRect();
            return b.left >= r.left - 1 && b.right <= r.right + 1
                && b.top >= r.top - 1 && b.bottom <= r.bottom + 1;
        }).length; }""")
    assert inside == page.locator("path.am-district").count()
    assert box["width"] > 500
    pdf = page.pdf(format=paper, print_background=True)
    (artifacts / f"explorer-print-{paper}.pdf").write_bytes(pdf)
    pages = re.findall(rb"/Type\s*/Page(?![s\w])", pdf)
    assert len(pages) == 1
    page.emulate_media(media="screen")
    assert opened.console_errors == []
    assert opened.outside_requests == []


def test_cdn_page_runs_the_same_leaflet_and_starts_with_the_street_map(browser, tmp_path):
    """--cdn links Leaflet (served here from the package's files) and turns the tiles on."""
    import importlib.resources

    dest = render_html.write_map(hostile_project(), tmp_path / "cdn.html", cdn=True, figures=[])
    root = importlib.resources.files(render_html.LEAFLET_PACKAGE) / "static" / render_html.LEAFLET_PACKAGE
    assets = render_html.leaflet_assets(inline=False)
    served = {assets["js_url"]: ("leaflet.js", "application/javascript"),
              assets["css_url"]: ("leaflet.css", "text/css")}
    refused: list[str] = []
    errors: list[str] = []
    page = browser.new_page(viewport=VIEWPORT)
    try:
        def route(r) -> None:
            url = r.request.url
            if url.startswith(("file:", "data:")):
                r.continue_()
            elif url in served:
                name, kind = served[url]
                r.fulfill(body=(root / name).read_bytes(), content_type=kind,
                          headers={"Access-Control-Allow-Origin": "*"})
            else:
                refused.append(url)
                r.abort()

        page.route("**/*", route)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(dest.as_uri())
        page.wait_for_function("window.controlMap && window.controlMap.ready", timeout=15000)
        assert page.locator("#am-tiles").is_checked()
        page.locator("#am-tiles-note").wait_for(state="visible")
        assert refused and all("tile.openstreetmap.org" in u for u in refused)
        assert page.locator(".am-district").count() == 5
        assert page.evaluate("controlMap.setDate('2016-11-19')") == "2016-11-19"
        assert errors == []
    finally:
        page.close()


# ----------------------------------------------------------------------------- context
def _front_drawn(page) -> list[tuple[list[int], int]]:
    """The front's drawn paths: (ids of the edges it draws, number of line parts: one ``M`` each)."""
    return page.evaluate("""() => Array.from(
        controlMap.map.getPane('am-front').querySelectorAll('path.am-front'),
        p => [p.dataset.edges.split(' ').map(Number), (p.getAttribute('d').match(/M/g) || []).length])""")


def test_front_line_moves_with_the_slider_as_the_analysis_says(open_page, real_page, real_project):
    from aleppo_map.analysis import front

    edges = front.project_edges(real_project)
    opened = open_page(real_page, "2016-12-06")
    page = opened.page
    seen = {}
    for day in ("2016-12-06", "2016-12-13"):
        page.evaluate(f"controlMap.setDate('{day}')")
        expected = front.front_edges(edges, front.holders_on(real_project, day))
        ids = page.evaluate("controlMap.frontEdges()")
        assert sorted(ids) == sorted(expected.index.tolist()), day
        assert len(ids) > 5
        # what is drawn: a path per front edge, with a part per line of the edge (a part
        # wholly outside the view is clipped away), bold and haloed
        drawn = _front_drawn(page)
        assert sorted(e for es, _ in drawn for e in es) == sorted(ids)
        parts = {k: len(getattr(g, "geoms", [g])) for k, g in expected.geometry.items()}
        assert all(len(es) <= n <= sum(parts[e] for e in es) for es, n in drawn)
        line = page.locator("path.am-front").first
        assert float(line.get_attribute("stroke-width")) >= 2.5
        halos = page.locator("path.am-front-halo")
        assert halos.count() == len(drawn)
        assert float(halos.first.get_attribute("stroke-width")) > float(line.get_attribute("stroke-width"))
        seen[day] = set(ids)
    assert seen["2016-12-06"] != seen["2016-12-13"]
    # and back: the same front again
    page.evaluate("controlMap.setDate('2016-12-06')")
    assert set(page.evaluate("controlMap.frontEdges()")) == seen["2016-12-06"]
    assert page.locator("#am-legend").inner_text().count("Front line") == 1
    assert opened.console_errors == []
    assert opened.outside_requests == []


def test_estimated_shapes_are_marked(open_page, real_page, real_project):
    layer = real_project.layer.gdf
    estimated = layer.index[layer["geom_basis"] == "estimated"].tolist()
    assert estimated
    opened = open_page(real_page, "2016-12-06")
    page = opened.page
    drawn = page.evaluate("""Array.from(document.querySelectorAll('path.am-district[data-basis=estimated]'),
        p => [p.dataset.district, p.getAttribute('stroke-dasharray'), p.getAttribute('stroke')])""")
    assert sorted(d for d, _, _ in drawn) == sorted(estimated)
    solid = page.locator('path.am-district[data-district="hanano"]')
    for _, dash, stroke in drawn:
        assert dash and dash != solid.get_attribute("stroke-dasharray")
        r, g, b = _rgb(stroke)
        assert max(r, g, b) - min(r, g, b) < 10  # grey
    assert "estimated boundary" in page.locator("#am-legend").inner_text()
    did = estimated[0]
    page.mouse.move(*_screen_point(page, did))
    tip = page.locator(".am-tip")
    tip.wait_for(state="visible")
    note = str(layer.at[did, "geom_note"])
    assert f"boundary estimated ({note})" in tip.inner_text()
    assert opened.console_errors == []


def test_landmark_marker_shows_its_history(open_page, real_page, real_project):
    subareas = real_project.layer.subareas
    hist = real_project.timeline.history
    with_rows = [d for d in subareas if (hist["district_id"] == d).any()]
    assert with_rows
    did = with_rows[0]
    rows = hist[hist["district_id"] == did]
    opened = open_page(real_page, "2016-12-22")
    page = opened.page
    marker = page.locator(f'.am-sub[data-district="{did}"]')
    marker.click()
    panel = page.locator("#am-history")
    panel.wait_for(state="visible")
    assert page.locator(".am-hname").inner_text() == real_project.gazetteer.name_en(did)
    assert f"a place inside {real_project.gazetteer.name_en(subareas[did])}" in panel.inner_text()
    entries = panel.locator(".am-entry")
    assert entries.count() == len(rows)
    ids = [entries.nth(k).get_attribute("data-change") for k in range(entries.count())]
    assert sorted(ids) == sorted(rows["change_id"])
    for k in range(entries.count()):
        assert "Source: " in entries.nth(k).inner_text()
    # the marker sits inside its parent district's polygon
    import shapely

    lat, lon = page.evaluate(f"""(() => {{ const m = controlMap.map.getPane('markerPane')
        .querySelector('.am-sub[data-district="{did}"]'); const r = m.getBoundingClientRect();
        const c = controlMap.map.getContainer().getBoundingClientRect();
        const ll = controlMap.map.containerPointToLatLng([r.left + r.width / 2 - c.left,
                                                          r.top + r.height / 2 - c.top]);
        return [ll.lat, ll.lng]; }})()""")
    parent = real_project.layer.gdf.geometry[subareas[did]]
    assert parent.buffer(0.0005).contains(shapely.Point(lon, lat))
    assert opened.console_errors == []


@pytest.mark.parametrize(("query", "district"), [
    ("Sheikh Said", "sheikh-saeed"), ("al-Shaar", "shaar"), ("Hananu", "hanano"),
    ("Bustan al Basha", "bustan-al-basha"), ("shaykh maqsoud", "sheikh-maqsoud"),
])
def test_search_finds_a_district_by_any_spelling(open_page, real_page, real_project, query, district):
    opened = open_page(real_page, "2016-12-06")
    page = opened.page
    zoom = page.evaluate("controlMap.map.getZoom()")
    box = page.locator("#am-search")
    box.fill(query)
    first = page.locator("#am-search-out button").first
    assert first.get_attribute("data-district") == district
    box.press("Enter")
    panel = page.locator("#am-history")
    panel.wait_for(state="visible")
    assert page.locator(".am-hname").inner_text() == real_project.gazetteer.name_en(district)
    # the map jumped to it: zoomed in, its label point in view
    assert page.evaluate("controlMap.map.getZoom()") > zoom
    assert page.evaluate(f"controlMap.map.getBounds().contains(controlMap.labelPoint('{district}'))")
    assert page.evaluate("controlMap.getDate()") == "2016-12-06"  # typing moved no day
    assert opened.console_errors == []


def test_search_says_no_match(open_page, real_page):
    opened = open_page(real_page)
    page = opened.page
    page.locator("#am-search").fill("Xqzzvw Plonk")
    out = page.locator("#am-search-out")
    assert out.inner_text().strip() == "no match"
    page.locator("#am-search").press("Enter")
    assert page.locator("#am-history").is_hidden()


def test_labels_appear_as_the_reader_zooms_in_and_never_overlap(open_page, real_page, real_project):
    opened = open_page(real_page, "2016-12-06")
    page = opened.page

    def boxes():
        return page.evaluate("""Array.from(controlMap.map.getPane('am-labels').children, e => {
            const r = e.getBoundingClientRect();
            return [e.dataset.district, r.left, r.top, r.right, r.bottom]; })""")

    first = boxes()
    page.evaluate("controlMap.map.setZoom(controlMap.map.getZoom() + 2, {animate: false})")
    page.wait_for_timeout(100)
    zoomed = boxes()
    assert len(first) >= 5
    assert len(zoomed) > len(first)
    areas = real_project.layer.gdf["area_km2"]
    for shown in (first, zoomed):
        for k, (_, l1, t1, r1, b1) in enumerate(shown):
            for _, l2, t2, r2, b2 in shown[k + 1:]:
                assert r1 <= l2 or r2 <= l1 or b1 <= t2 or b2 <= t1  # no overlap
    # at the opening zoom the labelled districts are the larger ones
    labelled = {d for d, *_ in first}
    assert min(areas[list(labelled)]) > areas.median()
    assert opened.console_errors == []


@pytest.mark.parametrize("viewport", [VIEWPORT, {"width": 390, "height": 844}])
def test_page_says_which_boundaries_it_draws(open_page, real_page, csr_page, real_project, viewport):
    page = open_page(real_page, viewport=viewport).page
    line = page.locator("#am-bounds")
    assert line.is_visible()
    text = line.inner_text()
    counts = real_project.layer.gdf["geom_basis"].value_counts()
    assert f"{counts['csr']} real (CSR-derived)" in text
    assert f"{counts['estimated']} estimated" in text
    assert real_project.layer.attribution in text
    box = line.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]
    other = open_page(csr_page, viewport=viewport).page.locator("#am-bounds").inner_text()
    assert "your file aleppo_neighborhoods_csr.geojson" in other
    assert "CSR-derived" not in other


def test_focused_district_is_named_with_its_state(open_page, real_page):
    opened = open_page(real_page, "2016-11-26")
    page = opened.page
    path = page.locator('path.am-district[data-district="hanano"]')
    path.focus()
    assert path.get_attribute("aria-label") == "Hanano: Government and allies"
    page.evaluate("controlMap.setDate('2016-11-15')")  # the name follows the day while focused
    assert path.get_attribute("aria-label").startswith("Hanano: Rebels")
    assert opened.console_errors == []


def test_date_windows_are_drawn_apart(open_page, real_page):
    """A district whose change the texts date only to a window (issue 12) is drawn as a
    checkerboard of the two candidate sides, says so in its tooltip, history and the
    legend, and is settled again after the window (tests/test_windows.py has the rest)."""
    opened = open_page(real_page, "2016-12-08")
    page = opened.page
    st = page.evaluate("controlMap.stateOf('qarleq')")
    assert st["uncertain"] is True
    assert "between 5 and 13 December" in st["window"]
    assert st["controller"] == "government"  # the fallback: the state by the row's date
    fill = page.get_attribute('path[data-district="qarleq"]', "fill")
    assert fill.startswith("url(#am-unc-rebel-government")
    assert page.evaluate("controlMap.stateOf('citadel').uncertain") is False
    assert not page.get_attribute('path[data-district="citadel"]', "fill").startswith(
        "url(#am-unc")
    page.evaluate("controlMap.openHistory('qarleq')")
    body = page.inner_text("#am-history-body")
    assert "Date window: changed hands between 5 and 13 December" in body
    assert "Checkerboard: uncertain" in page.inner_text("#am-legend")
    assert "uncertain (date windows)" in page.inner_text("#am-totals")
    assert page.locator('#am-chart path[data-controller="uncertain"]').count() == 1
    page.evaluate("controlMap.setDate('2016-12-13')")  # settled again
    assert page.evaluate("controlMap.stateOf('qarleq').uncertain") is False
    assert opened.console_errors == []


def test_landmark_of_the_table_shows_its_cited_history(open_page, real_page, real_project):
    """Police Hill: a marker coloured by its own rows; Enter and a click open its history."""
    lm = real_project.landmarks
    assert lm is not None
    rows = lm.history("police-hill")
    opened = open_page(real_page, "2016-11-20")
    page = opened.page
    marker = page.locator('.am-lm[data-landmark="police-hill"]')
    # before its first row the texts do not say who held it: grey, "not stated"
    assert marker.get_attribute("data-controller") == ""
    assert "not stated" in marker.get_attribute("aria-label")
    page.evaluate("controlMap.setDate('2016-11-26')")
    assert marker.get_attribute("data-controller") == lm.controller_on(
        "police-hill", real_project.timeline.dates[11]) == "government"
    # keyboard: focus the marker and press Enter
    marker.focus()
    page.keyboard.press("Enter")
    panel = page.locator("#am-history")
    panel.wait_for(state="visible")
    assert page.locator("#am-history-h").text_content() == "Landmark history"
    assert page.evaluate("document.activeElement.id") == "am-history-h"
    assert page.locator("#am-history-body .am-hname").inner_text() == "Police Hill"
    text = panel.inner_text()
    assert "Sheikh Lutfi" in text
    entries = panel.locator(".am-entry")
    assert entries.count() == len(rows)
    cites = [entries.nth(k).locator(".am-cite").inner_text() for k in range(entries.count())]
    wanted = [str(real_project.registry.citation(s, int(n)))
              for s, n in zip(rows["source_id"], rows["line"], strict=True)]
    assert all(f"Source: {w}" in c for w, c in zip(wanted, cites, strict=True))
    assert "C0153" in text  # the row that sets the district's share says so
    # Escape-free close returns focus to the marker; a click opens it again
    page.locator("#am-history-close").click()
    assert panel.is_hidden()
    marker.click()
    panel.wait_for(state="visible")
    assert page.locator("#am-history-body .am-hname").inner_text() == "Police Hill"
    # a district whose share a landmark set says which one
    page.evaluate("controlMap.openHistory('sheikh-lutfi')")
    assert page.locator("#am-history-h").text_content() == "District history"
    card = page.locator('#am-history-body .am-entry[data-change="C0153"]')
    assert "set by the landmark Police Hill" in card.inner_text()
    assert opened.console_errors == []


def test_landmark_without_a_stated_position_says_so(open_page, real_page, real_project):
    lm = real_project.landmarks
    assert lm is not None
    opened = open_page(real_page, "2016-12-06")
    page = opened.page
    assert sorted(page.evaluate("controlMap.landmarks()")) == sorted(lm.ids)
    assert "Landmark" in page.locator("#am-legend-landmarks").inner_text()
    page.evaluate("controlMap.openLandmark('eye-hospital')")
    text = page.locator("#am-history").inner_text()
    assert "Position within Qadi Askar not known" in text
    assert page.evaluate("controlMap.landmarkState('eye-hospital')") == {
        "controller": "government", "placement": "district"}
    # labels appear once zoomed in
    assert page.locator(".am-lm-tip:visible").count() == 0
    page.evaluate("controlMap.map.setView([36.1980, 37.1583], 15, {animate: false})")
    page.wait_for_function("Array.from(document.querySelectorAll('.am-lm-tip'), "
                           "(t) => t.offsetParent !== null && t.textContent)"
                           ".includes('Umayyad Mosque')")
    # the labels shown never overlap (at 14, the cathedrals of al-Jdeideh are close)
    for zoom in (14, 15, 16):
        page.evaluate(f"controlMap.map.setView([36.2040, 37.1560], {zoom}, {{animate: false}})")
        page.wait_for_timeout(150)
        boxes = page.evaluate("Array.from(document.querySelectorAll('.am-lm-tip'))"
                              ".filter((t) => t.offsetParent !== null)"
                              ".map((t) => { const r = t.getBoundingClientRect();"
                              " return [r.left, r.top, r.right, r.bottom]; })")
        assert len(boxes) >= 3, (zoom, boxes)
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (zoom, a, b)
    page.evaluate("controlMap.map.setZoom(12, {animate: false})")
    page.wait_for_function("document.querySelectorAll('.am-lm-tip').length > 0 && "
                           "Array.from(document.querySelectorAll('.am-lm-tip'))"
                           ".every((t) => t.offsetParent === null)")


# ----------------------------------------------------------------------------- canvas
@pytest.fixture(scope="session")
def hostile_canvas_page(tmp_path_factory) -> Path:
    """The hostile fixture drawn on the canvas renderer (large cities use it; see html.CANVAS_THRESHOLD)."""
    dest = tmp_path_factory.mktemp("canvas") / "hostile_canvas.html"
    return render_html.write_map(hostile_project(), dest, figures=FIGURES, renderer="canvas")


def _map_shot(page) -> np.ndarray:
    """The map as shown, without controls and labels (they are DOM in both renderers)."""
    # on the canvas the front line may be drawn by a worker: wait for it, and a frame
    page.wait_for_function("controlMap.frontSettled()")
    page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    hide = ("document.querySelector('.leaflet-control-container').style.visibility = '{v}';"
            "controlMap.map.getPane('am-labels').style.visibility = '{v}'")
    page.evaluate(hide.format(v="hidden"))
    shot = np.asarray(_png(page.locator(".am-map").screenshot()), dtype=float)
    page.evaluate(hide.format(v=""))
    return shot


def test_canvas_page_draws_hatches_like_the_svg_page(open_page, hostile_page, hostile_canvas_page):
    svg = open_page(hostile_page, "2016-11-16").page
    opened = open_page(hostile_canvas_page, "2016-11-16")
    page = opened.page
    # one canvas for the districts, no path per district
    assert page.locator("path.am-district").count() == 0
    assert page.locator(".leaflet-overlay-pane canvas").count() == 1
    assert page.evaluate("controlMap.stateOf('bravo')") == svg.evaluate("controlMap.stateOf('bravo')")
    # the same picture as the SVG page, within a tolerance (anti-aliasing, the front's ends)
    a, b = _map_shot(svg), _map_shot(page)
    assert a.shape == b.shape
    assert float(np.abs(a - b).mean()) < 4
    # bravo (40% government over rebel) shows both sides' stripes, as in the SVG page
    x, y = _screen_point(page, "bravo")
    page.evaluate("controlMap.map.getPane('am-labels').style.visibility = 'hidden'")
    box = page.locator(".am-map").bounding_box()
    img = _png(page.screenshot(clip={"x": x - 12, "y": y - 12, "width": 24, "height": 24}))
    page.evaluate("controlMap.map.getPane('am-labels').style.visibility = ''")
    arr = np.asarray(img, dtype=float).reshape(-1, 3)
    alpha = 0.8
    for side in ("government", "rebel"):
        want = np.array(_blend(DEFAULTS.colours[side], alpha))
        near = int((np.abs(arr - want).max(axis=1) < 20).sum())
        assert near > 40, (side, near)
    assert box["width"] > 300
    assert opened.console_errors == []
    assert opened.outside_requests == []


def test_canvas_page_hit_tests_tooltips_and_history(open_page, hostile_canvas_page):
    opened = open_page(hostile_canvas_page, "2016-11-18")
    page = opened.page
    page.mouse.move(*_screen_point(page, "hostile"))
    tip = page.locator(".am-tip")
    tip.wait_for(state="visible")
    assert tip.locator(".am-tip-name").inner_text() == HOSTILE_NAME
    page.mouse.move(*_screen_point(page, "bravo"))
    page.wait_for_function("document.querySelector('.am-tip .am-tip-name').textContent === 'Bravo'")
    page.mouse.click(*_screen_point(page, "bravo"))
    page.locator("#am-history").wait_for(state="visible")
    assert page.locator(".am-hname").inner_text() == "Bravo"
    page.mouse.click(*_screen_point(page, "hostile"))
    page.wait_for_function(f"document.querySelector('.am-hname').textContent === {HOSTILE_NAME!r}")
    assert page.locator("img").count() == 0  # hostile names stay text
    # the front line is drawn on its own canvas and follows the day
    before = page.evaluate("controlMap.frontEdges()")
    page.evaluate("controlMap.setDate('2016-11-24')")
    assert page.locator(".am-front-canvas").count() == 1
    assert page.evaluate("controlMap.frontEdges()") != before or before == []
    assert opened.dialogs == []
    assert opened.console_errors == []
    assert opened.outside_requests == []


def test_canvas_page_keyboard_moves_through_the_districts(open_page, hostile_canvas_page):
    opened = open_page(hostile_canvas_page, "2016-11-16")
    page = opened.page
    page.evaluate("document.activeElement.blur()")
    focused = ""
    for _ in range(14):  # past the skip link, zoom buttons and boxes to the districts
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.dataset.district || ''")
        if focused:
            break
    assert focused == "alpha"
    tip = page.locator(".am-tip")
    tip.wait_for(state="visible")
    assert "Alpha" in tip.inner_text()
    assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith("Alpha: ")
    # Tab moves to the next district (the same element stands in for each), Shift+Tab back
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.district") == "bravo"
    page.wait_for_function("document.querySelector('.am-tip .am-tip-name').textContent === 'Bravo'")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.dataset.district") == "alpha"
    page.keyboard.press("Tab")
    # Enter opens the history; Escape closes it and gives the focus back to that district
    page.keyboard.press("Enter")
    page.locator("#am-history").wait_for(state="visible")
    assert page.locator(".am-hname").inner_text() == "Bravo"
    page.keyboard.press("Escape")
    assert page.locator("#am-history").is_hidden()
    assert page.evaluate("document.activeElement.dataset.district") == "bravo"
    assert opened.console_errors == []


def test_canvas_page_png_shows_the_map(open_page, hostile_canvas_page):
    opened = open_page(hostile_canvas_page, "2016-11-16")
    page = opened.page
    page.evaluate("controlMap.map.getPane('am-labels').style.visibility = 'hidden'")
    img = _png(base64.b64decode(page.evaluate("controlMap.snapshot()").split(",", 1)[1]))
    shot = _map_shot(page)
    size = page.evaluate("[controlMap.map.getSize().x, controlMap.map.getSize().y]")
    width, height = img.size
    png_map = img.resize((width // 2, height // 2), Image.Resampling.BILINEAR)
    offset = (width // 2 - size[0]) // 2
    bg = _rgb(MAP_BACKGROUND)
    header_h = next(y for y in range(png_map.size[1]) if all(
        abs(a - b) <= 3 for a, b in zip(png_map.getpixel((offset + 3, y)), bg, strict=True)))
    crop = png_map.crop((offset + 60, header_h + 60, offset + size[0] - 60, header_h + size[1] - 60))
    ref = shot[60:size[1] - 60, 60:size[0] - 60]
    diff = float(np.abs(np.asarray(crop, dtype=float) - ref).mean())
    assert diff < 6, diff
    for side in ("government", "rebel"):  # the districts' colours are in the PNG's map
        assert _has_colour(png_map.crop((offset, header_h, offset + size[0], header_h + size[1])),
                           _blend_hex(DEFAULTS.colours[side]), (0, 0, size[0], size[1]), tol=12) > 200
    assert opened.console_errors == []


def _blend_hex(colour: str, alpha: float = 0.8) -> str:
    return "#" + "".join(f"{round(v):02x}" for v in _blend(colour, alpha))


def test_large_city_is_drawn_on_a_canvas_and_hit_tested(open_page, tmp_path):
    """Past html.CANVAS_THRESHOLD districts the page switches to the canvas by itself."""
    from aleppo_map.testing import synthetic_project

    project = synthetic_project(render_html.CANVAS_THRESHOLD + 50, 8, 300)
    dest = render_html.write_map(project, tmp_path / "large.html", figures=[])
    opened = open_page(dest)
    page = opened.page
    assert page.locator(".leaflet-overlay-pane canvas").count() == 1
    assert page.locator("path.am-district").count() == 0
    ids = page.evaluate("controlMap.districts()")
    assert len(ids) == render_html.CANVAS_THRESHOLD + 50
    target = ids[len(ids) // 2]
    page.evaluate(f"() => {{ controlMap.map.setView(controlMap.labelPoint({target!r}), 16, "
                  "{animate: false}); }")
    page.mouse.move(*_screen_point(page, target))
    page.locator(".am-tip").wait_for(state="visible")
    assert page.locator(".am-tip-name").inner_text() == project.layer.gdf.loc[target, "name_en"]
    page.mouse.click(*_screen_point(page, target))
    page.locator("#am-history").wait_for(state="visible")
    assert page.locator(".am-hname").inner_text() == project.layer.gdf.loc[target, "name_en"]
    assert opened.console_errors == []
    assert opened.outside_requests == []


def test_canvas_page_prints_the_front_it_shows(open_page, hostile_canvas_page):
    """Printing cannot wait for a worker: the front is drawn on the page's thread for print."""
    opened = open_page(hostile_canvas_page, "2016-11-18")
    page = opened.page
    assert page.evaluate("controlMap.frontEdges().length") > 0
    page.emulate_media(media="print")
    page.wait_for_timeout(200)
    still = page.locator(".am-front-still")
    assert still.count() == 1
    box, area = still.bounding_box(), page.locator(".am-map").bounding_box()
    assert box["x"] <= area["x"] and box["x"] + box["width"] >= area["x"] + area["width"]
    # something is drawn on it: the front's dark line
    dark = page.evaluate("""() => { const c = document.querySelector('.am-front-still');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let k = 3; k < d.length; k += 4) if (d[k] > 200 && d[k - 1] < 40) n++;
        return n; }""")
    assert dark > 50
    page.emulate_media(media="screen")
    page.wait_for_timeout(200)
    assert page.locator(".am-front-still").count() == 0
    assert page.locator(".am-front-canvas").evaluate("c => c.style.visibility") == ""
    assert opened.console_errors == []
