"""The explorer page against a hand-written floor page, in headless Chromium.

A synthetic city (:mod:`synthetic`, default 10,000 districts x 365 days) is written and
loaded once. Then two pages are built from the loaded project and timed:

ours
    :func:`aleppo_map.render.html.write_map`: the explorer as ``render`` writes it
    (self-contained: Leaflet, script and data inlined).
floor
    The simplest page that carries the same geometry and change data: Leaflet inlined
    from the same package, every district's polygon (rounded the same way) and its state
    segments (first day, colour) and the control table's rows (each citation once) as
    JSON, and about 40 lines of script that draw the polygons once and, on a new day,
    restyle the districts whose state changed. No panel, legend, chart, history, hatching,
    front line, labels, search, tooltips or keyboard access.
canvas
    The floor with Leaflet's canvas renderer (``preferCanvas``): what switching the map
    from SVG to canvas could give at best (printed, and ours against it, not in the
    last line).
ours-svg / ours-canvas
    The explorer with the renderer it does not choose for this size (``renderer="svg"``
    from :data:`aleppo_map.render.html.CANVAS_THRESHOLD` districts, ``"canvas"`` below):
    both renderers measured (printed, not in the ratios; its build time is not measured).

Each page is opened from a file in headless Chromium (Playwright, ``/usr/bin/chromium``,
every request other than ``file:`` and ``data:`` aborted), at 1280x800:

load
    navigation start to the first frame painted with the districts drawn (a performance
    mark set in a ``setTimeout`` queued from a ``requestAnimationFrame`` after drawing).
step
    one day forward, from a call to the next painted frame (median over several days).
jump
    100 days forward (median over several jumps).
heap
    JS heap in use after a forced garbage collection (CDP ``Runtime.getHeapUsage``).
build
    Python seconds to write the page from the loaded project.

The last line printed is the ratios ours/floor (targets of issue 15: load <= 1.15,
step and jump <= 1.2, heap <= 1.3, build <= 2). Run it at full size only once or twice
on a shared machine:

``python benchmarks/bench_page.py [--districts 10000] [--days 365] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("ALEPPO_MAP_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1280, "height": 800}

FLOOR_TEMPLATE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>floor</title>
<style>{leaflet_css}
html, body, #m {{ margin: 0; height: 100%; }}</style>
<script>{leaflet_js}</script></head>
<body><div id="m"></div>
<script type="application/json" id="d">{data}</script>
<script>
(function () {{
  const D = JSON.parse(document.getElementById("d").textContent);
  const map = L.map("m", {{ zoomSnap: 0.25, preferCanvas: {canvas} }});
  map.fitBounds(D.bounds);
  const N = D.ndays, colours = D.colours;
  const changers = Array.from({{ length: N }}, () => []);
  D.day.forEach((days, i) => days.forEach((d, k) => {{ if (k > 0 && d < N) changers[d].push(i); }}));
  function at(i, day) {{
    const days = D.day[i];
    let k = 0;
    while (k + 1 < days.length && days[k + 1] <= day) k++;
    return colours[D.side[i][k]];
  }}
  const layers = D.g.map((g, i) => L.GeoJSON.geometryToLayer(
    {{ type: "Feature", properties: {{}}, geometry: g }}, {{}})
    .setStyle({{ fillColor: at(i, 0), fillOpacity: 0.8, color: "#4a4a4a", weight: 0.8 }})
    .addTo(map));
  let now = 0;
  window.setDay = function (day) {{
    const lo = Math.min(now, day) + 1, hi = Math.max(now, day);
    const seen = new Set();
    for (let d = lo; d <= hi; d++) changers[d].forEach((i) => seen.add(i));
    now = day;
    seen.forEach((i) => layers[i].setStyle({{ fillColor: at(i, day) }}));
  }};
  window.floorReady = true;
  requestAnimationFrame(() => setTimeout(() => performance.mark("controlmap:painted"), 0));
}}());
</script></body></html>
"""


def write_floor(project: Any, dest: Path, *, canvas: bool = False) -> Path:
    """Write the floor page of *project* (same geometry and change data, minimal script).

    With *canvas*, Leaflet draws the polygons on a canvas (``preferCanvas``) instead of SVG.
    """
    import numpy as np
    import shapely

    from aleppo_map.render.html import leaflet_assets

    gdf = project.layer.gdf
    ids = [d for d in project.timeline.district_ids if d in gdf.index]
    index = {d: i for i, d in enumerate(ids)}
    nd = project.settings.coord_decimals
    geoms = shapely.transform(np.asarray(gdf.loc[ids].geometry.to_numpy(), dtype=object),
                              lambda c: np.round(c, nd))
    iv = project.timeline.intervals
    sides = list(project.battle.sides)
    code = {s.id: i for i, s in enumerate(sides)}
    day: list[list[int]] = [[] for _ in ids]
    side: list[list[int]] = [[] for _ in ids]
    for did, first, ctrl in sorted(zip(iv["district_id"], iv["first"], iv["controller"],
                                       strict=True), key=lambda r: (index.get(r[0], -1), r[1])):
        i = index.get(did)
        if i is not None:
            day[i].append(int(first))
            side[i].append(code[ctrl])
    # the control table's rows, each citation once: the same change data the explorer carries
    hist = project.timeline.history
    cites: dict[tuple[str, int], int] = {}
    rows = []
    for r in hist.itertuples(index=False):
        key = (str(r.source_id), int(r.line))
        c = cites.setdefault(key, len(cites))
        rows.append([str(r.change_id), r.date.isoformat(), index.get(r.district_id, -1),
                     str(r.controller), str(r.extent), float(r.share), str(r.event), str(r.basis),
                     str(r.confidence), c, str(r.note or "")])
    minx, miny, maxx, maxy = (float(v) for v in gdf.loc[ids].total_bounds)
    data = {
        "rows": rows, "cites": [str(project.registry.citation(*k)) for k in cites],
        "g": [shapely.geometry.mapping(g) for g in geoms], "day": day, "side": side,
        "colours": [project.settings.colours.get(s.id, s.colour) for s in sides],
        "ndays": len(project.timeline.dates),
        "bounds": [[miny, minx], [maxy, maxx]],
    }
    assets = leaflet_assets(inline=True)
    text = FLOOR_TEMPLATE.format(
        leaflet_css=assets["css"], leaflet_js=assets["js"], canvas="true" if canvas else "false",
        data=json.dumps(data, separators=(",", ":")).replace("</", "<\\/"))
    dest.write_text(text, encoding="utf-8")
    return dest


# ------------------------------------------------------------------------------ browser
_STEP_JS = """async ([ours, day]) => {
    const t0 = performance.now();
    if (ours) controlMap.setDate(controlMap.dates[day]); else window.setDay(day);
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - t0;
}"""


def measure(browser: Any, path: Path, ours: bool, ndays: int) -> dict[str, float]:
    """Open *path* and return load, step, jump (ms) and heap (MB)."""
    page = browser.new_page(viewport=VIEWPORT)
    outside: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.resolve().as_uri(), timeout=300_000)
    page.wait_for_function("performance.getEntriesByName('controlmap:painted').length > 0",
                           timeout=300_000, polling=50)
    load = page.evaluate("performance.getEntriesByName('controlmap:painted')[0].startTime")
    # days: from a quarter of the way in, one forward at a time; jumps of 100 days
    start = ndays // 4
    page.evaluate(_STEP_JS, [ours, start])
    steps = [page.evaluate(_STEP_JS, [ours, start + k]) for k in range(1, 16)]
    jumps = []
    for k in range(6):
        a = (start + 37 * k) % max(1, ndays - 101)
        page.evaluate(_STEP_JS, [ours, a])
        jumps.append(page.evaluate(_STEP_JS, [ours, a + 100]))
    cdp = page.context.new_cdp_session(page)
    cdp.send("HeapProfiler.collectGarbage")
    heap = cdp.send("Runtime.getHeapUsage")["usedSize"] / 2**20
    page.close()
    if outside:
        raise RuntimeError(f"{path.name} requested {outside[:3]}")
    return {"load_ms": load, "step_ms": statistics.median(steps),
            "jump_ms": statistics.median(jumps), "heap_mb": heap}


def main() -> None:
    """Build both pages, measure them, print the table and the ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--districts", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--keep", type=Path, help="write the city and pages here (kept)")
    ap.add_argument("--runs", type=int, default=1, help="browser runs per page (medians)")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from synthetic import settings_for, write_city  # benchmarks/ is not a package

    with tempfile.TemporaryDirectory(prefix="bench_page_") as tmp:
        root = args.keep or Path(tmp)
        folder = root / f"city_{args.districts}x{args.days}"
        info = write_city(folder, args.districts, args.days)
        os.environ["ALEPPO_MAP_DATA"] = str(folder / "data")
        from aleppo_map.project import load_project
        from aleppo_map.render import html

        project = load_project(settings=settings_for(folder, args.days))
        t0 = time.perf_counter()
        # figures=[]: the synthetic reported_figures.csv predates the current claim scopes
        ours_path = html.write_map(project, folder / "ours.html", figures=[])
        build_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        floor_path = write_floor(project, folder / "floor.html")
        build_floor = time.perf_counter() - t0
        # the explorer with the other renderer too (SVG above the threshold, canvas below)
        large = len(project.timeline.district_ids) >= html.CANVAS_THRESHOLD
        other = "svg" if large else "canvas"
        other_path = html.write_map(project, folder / f"ours_{other}.html", figures=[],
                                    renderer=other)
        print(f"city: {info['districts']} districts x {info['days']} days, {info['rows']} rows; "
              f"pages: ours {ours_path.stat().st_size / 2**20:.1f} MB, "
              f"floor {floor_path.stat().st_size / 2**20:.1f} MB", flush=True)

        from playwright.sync_api import sync_playwright

        canvas_path = write_floor(project, folder / "floor_canvas.html", canvas=True)
        label = f"ours-{other}"
        names = ("ours", "floor", "canvas", label)
        rows: dict[str, list[dict[str, float]]] = {name: [] for name in names}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--enable-precise-memory-info"])
            # a first page opened and thrown away: the first load of a fresh browser pays
            # for starting its renderer, which would count against whichever page came first
            measure(browser, floor_path, False, info["days"])
            for _ in range(args.runs):
                for name, path in (("floor", floor_path), ("ours", ours_path),
                                   ("canvas", canvas_path), (label, other_path)):
                    rows[name].append(measure(browser, path, name.startswith("ours"),
                                              info["days"]))
            browser.close()
        res = {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]}
               for name, rs in rows.items()}
        res["ours"]["build_s"] = build_ours
        res["floor"]["build_s"] = build_floor
        res["canvas"]["build_s"] = build_floor
        res[label]["build_s"] = float("nan")
        print(f"{'page':>11} {'load ms':>9} {'step ms':>8} {'jump ms':>8} {'heap MB':>8} {'build s':>8}")
        for name in names:
            r = res[name]
            print(f"{name:>11} {r['load_ms']:>9.0f} {r['step_ms']:>8.1f} {r['jump_ms']:>8.1f} "
                  f"{r['heap_mb']:>8.1f} {r['build_s']:>8.2f}")
        canvas_ratio = {k: res["ours"][k] / res["canvas"][k] for k in res["ours"]}
        print("ours/canvas floor: " + " ".join(f"{k.split('_')[0]}={v:.2f}"
                                               for k, v in canvas_ratio.items()))
        ratio = {k: res["ours"][k] / res["floor"][k] for k in res["ours"]}
        print("ours/floor: " + " ".join(f"{k.split('_')[0]}={v:.2f}" for k, v in ratio.items()))


if __name__ == "__main__":
    main()
