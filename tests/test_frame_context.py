"""Frames a reader can use: the front line, estimated shapes, sub-area markers, labels
without overlaps, the Citadel and city outline, and the optional basemap (local tiles only).

Runs on the embedded battle and layer (the real CSR-derived districts).
"""

from __future__ import annotations

import http.server
import io
import threading
from datetime import date
from typing import ClassVar

import numpy as np
import pytest
import shapely
from PIL import Image

from aleppo_map._errors import AleppoMapError
from aleppo_map.analysis import front
from aleppo_map.render import labels as render_labels
from aleppo_map.render import scene as render_scene


@pytest.fixture(scope="module")
def project():
    from aleppo_map.project import load_project

    return load_project()


@pytest.fixture(scope="module")
def data(project):
    # svg keeps every text a live artist (PNG flattens the static ones into one image)
    return render_scene.scene_data(project, size=(1600, 1200), dpi=200, labels="changed",
                                   fmt="svg")


@pytest.fixture(scope="module")
def scene(data):
    return render_scene.FrameScene(data)


def _day(data, iso: str) -> int:
    return [sp.day for sp in data.days].index(date.fromisoformat(iso))


def _pairs(data, mask) -> set[tuple[str, str]]:
    return {tuple(sorted((data.ids[a], data.ids[b])))
            for a, b in data.front_pairs[np.flatnonzero(mask)]}


# ----------------------------------------------------------------------------- front line
def test_front_segments_are_exactly_the_edges_between_different_holders(project, data, scene):
    i = _day(data, "2016-12-06")
    holders = front.holders_on(project, "2016-12-06")
    expected = front.front_edges(front.project_edges(project), holders)
    want = {tuple(sorted(p)) for p in zip(expected["a"], expected["b"], strict=True)}
    scene.show(i)
    drawn = scene.artists.front.get_segments()
    mask = render_scene.front_mask(data, data.days[i])
    assert len(drawn) == int(mask.sum()) > 20
    assert _pairs(data, mask) == want
    # the drawn lines are those edges' geometry: every drawn vertex lies on a listed edge
    from aleppo_map.render.text import metric_crs

    lines = shapely.union_all(list(expected.to_crs(metric_crs(project)).geometry))
    pts = shapely.points(np.concatenate([np.asarray(s) for s in drawn]))
    assert float(shapely.distance(lines, pts).max()) < 1.0


def test_front_line_moves_between_days_and_separates_the_sides(data, scene):
    on = {iso: _pairs(data, render_scene.front_mask(data, data.days[_day(data, iso)]))
          for iso in ("2016-11-20", "2016-12-06", "2016-12-13")}
    assert on["2016-11-20"] != on["2016-12-06"] != on["2016-12-13"]
    i = _day(data, "2016-12-13")
    holder = data.days[i].holder
    pos = {d: n for n, d in enumerate(data.ids)}
    # no edge between two districts of different holders is left off the front that day
    for a, b in data.front_pairs:
        if holder[a] != holder[b] and holder[a] >= 0 and holder[b] >= 0:
            assert tuple(sorted((data.ids[a], data.ids[b]))) in on["2016-12-13"]
    assert all(holder[pos[a]] != holder[pos[b]] for a, b in on["2016-12-13"])
    scene.show(i)
    assert len(scene.artists.front.get_segments()) == len(
        [1 for a, b in data.front_pairs if holder[a] != holder[b]])


def test_front_line_in_legend_animation_and_contact_sheet(project, data, scene):
    from aleppo_map.render import sheet

    legend = [t.get_text() for t in scene.fig.legends[0].get_texts()]
    assert "Front line" in legend
    fig = sheet.sheet_figure(project, [date(2016, 12, 6), date(2016, 12, 13)])
    fronts = [c for ax in fig.axes for c in ax.collections if type(c).__name__ == "LineCollection"
              and len(c.get_segments()) > 20]
    assert len(fronts) == 2
    anim = render_scene.scene_data(project, size=(400, 300), dpi=50)
    assert len(anim.front_segments) == len(data.front_segments)


# ----------------------------------------------------------------------------- shapes
def test_estimated_shapes_have_a_dotted_outline_and_a_legend_entry(project, data, scene):
    basis = project.layer.basis
    est = [d for d in data.ids if basis[d] == "estimated"]
    assert est  # the embedded layer has estimated polygons
    assert [data.ids[i] for i in np.flatnonzero(data.is_estimated)] == est
    dotted = [c for c in scene.artists.context if len(c.get_paths()) == len(est)]
    assert len(dotted) == 1
    _, dashes = dotted[0].get_linestyle()[0]
    assert dashes is not None and len(dashes) == 2  # dotted, not solid
    legend = [t.get_text().replace("\n", " ") for t in scene.fig.legends[0].get_texts()]
    assert any(t.startswith("Estimated boundary") for t in legend)


def test_user_file_without_estimated_shapes_has_no_estimated_entry(csr_path):
    from aleppo_map.project import load_project

    p = load_project(districts=csr_path, start="2016-12-10", end="2016-12-11")
    d = render_scene.scene_data(p, size=(400, 300), dpi=50, fmt="svg")
    legend = [t.get_text() for t in render_scene.FrameScene(d).fig.legends[0].get_texts()]
    assert not any(t.startswith("Estimated") for t in legend)


def test_sub_areas_are_small_markers_inside_their_parent(project, data, scene):
    subs = project.layer.subareas
    assert subs
    legend = [t.get_text().replace("\n", " ") for t in scene.fig.legends[0].get_texts()]
    assert any(t.startswith("Part of a larger district") for t in legend)
    assert not any("circle" in t for t in legend)  # no circle claims ground
    width = data.extent[1] - data.extent[0]
    for sid, parent in subs.items():
        v = data.vertices[data.ids.index(sid)]
        marker = shapely.Polygon(v)
        assert marker.area < 0.0002 * width ** 2  # about 0.9% of the map's width across
        centre = shapely.Point(v.mean(axis=0))
        parent_path = data.vertices[data.ids.index(parent)]
        from matplotlib.path import Path as MplPath

        inside = MplPath(parent_path, data.codes[data.ids.index(parent)]).contains_point(
            (centre.x, centre.y))
        assert inside, f"{sid} not inside {parent}"


def test_citadel_and_city_outline_are_drawn(data, scene):
    assert data.citadel is not None
    assert data.city is not None
    from matplotlib.path import Path as MplPath

    rings = MplPath(*data.city).to_polygons()
    city = shapely.union_all([shapely.Polygon(r) for r in rings])
    # the city outline encloses every district's polygon (outer rings only: no holes)
    polys = [shapely.Polygon(r) for v, c, p in zip(data.vertices, data.codes, data.is_point,
                                                   strict=True) if not p
             for r in MplPath(v, c).to_polygons()[:1]]
    inside = sum(city.buffer(40).contains(q.buffer(0)) for q in polys)
    assert inside >= 0.95 * len(polys)
    assert len(rings) < 20  # an outline, not the districts again
    texts = [t.get_text() for t in scene.labels]
    assert "Citadel" in texts


# ----------------------------------------------------------------------------- labels
def test_labels_never_overlap_on_any_day_and_changes_are_labelled_or_listed(data, scene):
    renderer = scene.canvas.get_renderer()
    axbox = scene.ax.get_window_extent(renderer)
    labelled = listed = 0
    for i, spec in enumerate(data.days):
        scene.show(i)
        boxes = [t.get_window_extent(renderer) for t in scene.day_label_texts()]
        furniture = [a.get_window_extent(renderer) for a in (scene.bar, *scene.arrow)]
        for n, a in enumerate(boxes):
            assert axbox.contains(a.x0, a.y0) and axbox.contains(a.x1, a.y1), spec.day
            assert not any(a.overlaps(f) for f in furniture), spec.day
            for b in boxes[n + 1:]:
                assert not a.overlaps(b), (spec.day, a, b)
        changed = {data.ids[p] for p in spec.moved}
        shown = set(scene.day_placed) | set(scene.static_label_ids)
        missing = changed - shown
        assert set(scene.day_dropped) == missing
        text = scene.listed.get_text().replace("\n", " ")
        for did in missing:
            assert data.day_labels[data.ids.index(did)][2] in text, (spec.day, did)
        labelled += len(changed & shown)
        listed += len(missing)
    assert labelled > 60
    assert labelled > 3 * listed


def test_labels_of_the_day_change_with_the_day(data, scene):
    scene.show(_day(data, "2016-12-06"))
    six = set(scene.day_placed)
    scene.show(_day(data, "2016-12-07"))
    assert six and set(scene.day_placed) and six != set(scene.day_placed)


def test_arabic_labels_on_request(project):
    from aleppo_map.render.text import arabic_label

    d = render_scene.scene_data(project, size=(800, 600), dpi=100, labels="key",
                                label_lang="ar", fmt="svg")
    row = project.layer.gdf.loc["citadel"]
    assert d.labels[0][2] == arabic_label(row["name_ar"])
    en = render_scene.scene_data(project, size=(800, 600), dpi=100, labels="key", fmt="svg")
    assert en.labels[0][2] == "Citadel"


def test_greedy_placement_moves_a_label_off_a_taken_spot_with_a_leader():
    c = [render_labels.Candidate(k, (100.0, 100.0), (30.0, 10.0)) for k in "abc"]
    out = render_labels.place(c, (0.0, 0.0, 300.0, 300.0), obstacles=[(0, 0, 20, 20)])
    assert [p.key for p in out.placed] == ["a", "b", "c"]
    assert [p.leader for p in out.placed] == [False, True, True]
    boxes = [p.box for p in out.placed]
    assert not any(render_labels.overlaps(a, b) for n, a in enumerate(boxes) for b in boxes[n + 1:])
    full = render_labels.place(c, (80.0, 90.0, 120.0, 110.0))
    assert [p.key for p in full.placed] == ["a"] and full.dropped == ["b", "c"]


def test_cli_frames_take_labels_ar_and_a_bad_basemap_is_a_clear_error(tmp_path, capsys):
    pytest.importorskip("contextily")
    from aleppo_map.cli import main

    out = tmp_path / "f"
    assert main(["frames", "--out", str(out), "--start", "2016-12-06", "--end", "2016-12-06",
                 "--size", "400x300", "--dpi", "50", "--labels-ar", "--quiet"]) == 0
    assert len(list(out.glob("*.png"))) == 1
    assert main(["frames", "--out", str(tmp_path / "g"), "--start", "2016-12-06", "--end",
                 "2016-12-06", "--basemap", "OpenStreetMap.Mapnk", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "OpenStreetMap.Mapnik" in err and "Traceback" not in err
    assert not (tmp_path / "g").exists()


# ----------------------------------------------------------------------------- basemap
class _Tiles(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self):
        parts = self.path.strip("/").removesuffix(".png").split("/")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            self.send_error(404)
            return
        type(self).hits.append(self.path)
        buf = io.BytesIO()
        Image.new("RGB", (256, 256), (40, 90, 200)).save(buf, format="PNG")
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(buf.getvalue())))
        self.end_headers()
        self.wfile.write(buf.getvalue())

    def log_message(self, *args):
        pass


@pytest.fixture
def tile_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Tiles.hits = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_basemap_from_a_local_tile_server_cached_and_credited(tile_server, tmp_path):
    pytest.importorskip("contextily")
    xyz = pytest.importorskip("xyzservices")
    from aleppo_map.render import frames

    provider = xyz.TileProvider(name="Local test tiles", url=tile_server + "/{z}/{x}/{y}.png",
                                attribution="Test tiles (c) nobody", max_zoom=14)
    cache = tmp_path / "tiles"
    kw = {"size": (400, 300), "dpi": 50, "labels": "none", "quiet": True, "basemap": provider,
          "tile_cache": cache}
    from aleppo_map.project import load_project

    one_day = load_project(start="2016-12-06", end="2016-12-06")
    files = frames.render_frames(one_day, tmp_path / "f", **kw)
    assert _Tiles.hits
    first = len(_Tiles.hits)
    with Image.open(files[0]) as img:
        assert "Basemap: Test tiles (c) nobody" in img.info["Source"]
        rgb = np.asarray(img.convert("RGB")).astype(int)
    blue = (np.abs(rgb - [40, 90, 200]).max(axis=2) <= 12).mean()
    assert blue > 0.05  # the tiles show around the city
    assert any(cache.rglob("*"))  # tiles kept on disk
    frames.render_frames(one_day, tmp_path / "g", **kw)
    assert len(_Tiles.hits) == first  # the second run reads the cache


def test_basemap_without_tiles_is_a_clear_error(tmp_path):
    pytest.importorskip("contextily")
    from aleppo_map.project import load_project
    from aleppo_map.render import frames

    project = load_project(start="2016-12-06", end="2016-12-06")
    with pytest.raises(AleppoMapError, match="could not fetch the tiles"):
        frames.render_frames(project, tmp_path / "f", size=(400, 300), dpi=50, quiet=True,
                             basemap="http://127.0.0.1:9/{z}/{x}/{y}.png",
                             tile_cache=tmp_path / "c")
    assert not (tmp_path / "f").exists()


def test_a_run_starting_mid_battle_labels_its_first_days_changes():
    from aleppo_map.project import load_project

    p = load_project(start="2016-12-06", end="2016-12-07")
    d = render_scene.scene_data(p, size=(1600, 1200), dpi=200, fmt="svg", labels="changed")
    first = d.days[0]
    assert first.changed == len(first.moved) > 10
    sc = render_scene.FrameScene(d)
    sc.show(0)
    shown = set(sc.day_placed) | set(sc.static_label_ids) | set(sc.day_dropped)
    assert {d.ids[i] for i in first.moved} <= shown
