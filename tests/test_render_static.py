"""Static exports: frames, animation, contact sheet, Arabic labels, baseline image.

Most checks run on a small hand-made project (seven districts on a grid near Aleppo, a
multipolygon with a hole, a district drawn as a point, partial advances by two sides),
so that the baseline image does not move when the real control table is edited. The
end-to-end checks run on the embedded data.
"""

from __future__ import annotations

import os
import unicodedata
import warnings
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aleppo_map._errors import AleppoMapError, ValidationError
from aleppo_map.render import animation as render_animation
from aleppo_map.render import frames as render_frames
from aleppo_map.render import scene as render_scene
from aleppo_map.render import sheet as render_sheet
from aleppo_map.render import style as render_style
from aleppo_map.render import text as render_text
from static_fixtures import COLOURS, END, HATCH_COLOURS, NAMES, START, small_project

BASELINE = Path(__file__).parent / "baseline"


@pytest.fixture(scope="module")
def project():
    return small_project()


def _rgb(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def _hex(colour: str) -> np.ndarray:
    return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])


def _share_of(img: np.ndarray, colour: str, tol: int = 6) -> float:
    return float((np.abs(img.astype(int) - _hex(colour)).max(axis=2) <= tol).mean())


# ----------------------------------------------------------------------------- arabic text
def test_shaped_arabic_differs_from_logical_and_runs_right_to_left():
    logical = "الشيخ مقصود"
    shaped = render_text.shape_arabic(logical)
    assert shaped != logical
    # every letter became a contextual presentation form (U+FE70..U+FEFF), spaces kept
    assert all(0xFE70 <= ord(c) <= 0xFEFF or c == " " for c in shaped)
    # visual order: the last word comes first, and within a word the last letter is leftmost
    assert shaped.split(" ")[0] == render_text.shape_arabic("مقصود")
    # leftmost: the last letter, dal, isolated (U+FEA9) because waw does not join forward;
    # rightmost: the first letter, alef, isolated (U+FE8D)
    assert shaped[0] == "\ufea9"
    assert shaped[-1] == "\ufe8d"
    assert render_text.shape_arabic("حلب") == "\ufe90\ufee0\ufea3"


def _drawn_glyphs(text: str) -> list[int]:
    """Glyph indices matplotlib will draw for *text*, left to right."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font, LoadFlags

    font = FT2Font(font_manager.findfont(render_style.FONT))
    if not render_text.matplotlib_shapes_text():  # matplotlib draws the characters as given
        return [font.get_charmap()[ord(c)] for c in text]
    return [item.glyph_index for item in font._layout(text, LoadFlags.NO_HINTING)]


def _glyph_options(text: str) -> list[set[int]]:
    """Per character of a shaped string, the glyphs that draw it.

    An isolated presentation form looks like its base letter, and a shaping engine may draw
    the base letter's glyph for it: both are accepted. Initial, medial and final forms
    must be drawn exactly.
    """
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    charmap = FT2Font(font_manager.findfont(render_style.FONT)).get_charmap()
    options = []
    for c in text:
        ok = {charmap[ord(c)]}
        decomposition = unicodedata.decomposition(c)
        if decomposition.startswith("<isolated>"):
            ok.add(charmap[int(decomposition.split()[1], 16)])
        options.append(ok)
    return options


@pytest.mark.parametrize("did", list(NAMES))
def test_arabic_label_is_drawn_joined_and_right_to_left(did):
    """What matplotlib draws is the reshaped, visual-order string, whichever does the shaping."""
    name = NAMES[did][1]
    drawn = _drawn_glyphs(render_text.arabic_label(name))
    expected = _glyph_options(render_text.shape_arabic(name))
    assert len(drawn) == len(expected)
    assert all(g in ok for g, ok in zip(drawn, expected, strict=True)), (drawn, expected)
    # and the logical string drawn as is would be wrong (unjoined or left-to-right)
    if not render_text.matplotlib_shapes_text():
        assert _drawn_glyphs(name) != [min(ok) for ok in expected]


def test_label_font_has_every_arabic_glyph_and_rendering_warns_nothing(project, tmp_path):
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    data = render_scene.scene_data(project, size=(800, 600), dpi=100, labels="all")
    assert len(data.labels) == len(NAMES)
    font = FT2Font(font_manager.findfont(render_style.FONT))
    charmap = font.get_charmap()
    for _, _, text, _ in data.labels:
        for c in render_text.shape_arabic(text.split("\n")[1]):
            assert c == " " or ord(c) in charmap, f"no glyph for {c!r}"
    scene = render_scene.FrameScene(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scene.save(0, tmp_path / "labels.png")
    texts = [t.get_text() for t in scene.ax.texts]
    assert any(render_text.arabic_label(NAMES["f"][1]) in t for t in texts)
    assert all(t.get_fontname() == render_style.FONT for t in scene.ax.texts)


def test_key_labels_pick_the_most_fought_over_districts(project):
    # a, b, f and g are each changed by two rows after the baseline, c and d by one
    assert set(render_scene.key_districts(project, n=4)) == {"a", "b", "f", "g"}
    six = render_scene.key_districts(project, n=6)
    assert set(six[4:]) == {"c", "d"}
    assert six.index("a") < six.index("g")  # ties: the larger area first (g is a point)


# ----------------------------------------------------------------------------- frames
def test_frames_count_names_size_and_atomic_folder(project, tmp_path):
    out = tmp_path / "frames"
    out.mkdir()
    (out / "stale.png").write_bytes(b"old")
    files = render_frames.render_frames(project, out, size=(400, 300), dpi=50, quiet=True)
    days = [START + timedelta(days=i) for i in range((END - START).days + 1)]
    assert [f.name for f in files] == [f"{d.isoformat()}.png" for d in days]
    assert sorted(p.name for p in out.iterdir()) == [f.name for f in files]  # replaced whole
    with Image.open(files[0]) as img:
        assert img.size == (400, 300)
        assert "Sources:" in img.info["Source"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_frame_shows_states_legend_date_and_source_line(project, tmp_path):
    files = render_frames.render_frames(project, tmp_path / "f", size=(800, 600), dpi=100,
                                        quiet=True)
    first, last = _rgb(files[0]), _rgb(files[-1])
    colours = COLOURS
    # day one: rebels hold the east, government the west, sdf the north; the last day:
    # government holds all but the sdf district (and rebel green is left only in the legend)
    for side in ("rebel", "government", "sdf"):
        assert _share_of(first, colours[side]) > 0.01, side
    assert _share_of(last, colours["rebel"]) < 0.002
    assert _share_of(last, colours["government"]) > 1.5 * _share_of(first, colours["government"])
    assert _share_of(first, colours["contested"]) < 0.002
    # the texts of the frame (a vector scene keeps them as text artists)
    data = render_scene.scene_data(project, size=(800, 600), dpi=100, fmt="svg")
    scene = render_scene.FrameScene(data)
    scene.show(3)
    texts = " ".join(t.get_text() for t in scene.fig.findobj(
        lambda a: hasattr(a, "get_text") and a.get_visible()))
    assert "Aleppo, 18 November 2016" in texts
    assert f"Day 4 of {project.battle.n_days}" in texts  # numbered from the battle's first day
    assert "Sources: Testpedia, “First test source”" in texts
    assert "Boundaries: approximate (built-in gazetteer)" in texts
    assert "km" in texts
    assert "N" in texts
    legend = [t.get_text() for t in scene.fig.legends[0].get_texts()]
    assert legend[:4] == ["Government and allies", "Rebels", "SDF / Kurdish YPG", "Contested"]
    assert any("Partly taken by Government" in t for t in legend)
    assert any("Partly taken by SDF" in t for t in legend)
    assert any("circle" in t for t in legend)  # the district without a polygon


def test_static_layer_of_png_frames_matches_drawing_everything(project, tmp_path, monkeypatch):
    """PNG frames blend a pre-rendered image of the static artists: same pixels."""
    data = render_scene.scene_data(project, size=(600, 450), dpi=75, labels="all")
    flat = render_scene.FrameScene(data)
    assert flat.overlay is not None
    assert not flat.fig.legends[0].get_visible()  # drawn once, into the overlay
    flat.save(3, tmp_path / "flat.png")
    monkeypatch.setattr(render_scene.FrameScene, "_flatten_static", lambda self: None)
    plain = render_scene.FrameScene(data)
    plain.save(3, tmp_path / "plain.png")
    diff = np.abs(_rgb(tmp_path / "flat.png").astype(int) - _rgb(tmp_path / "plain.png"))
    assert diff.max() <= 4


def test_partial_district_is_striped_in_the_gaining_sides_colour(project):
    data = render_scene.scene_data(project, size=(400, 300), dpi=100)
    scene = render_scene.FrameScene(data)
    a = data.ids.index("a")
    scene.show(1)  # 16 Nov: government holds 0.4 of a, rebels the rest
    assert data.days[1].fill[a] == 1
    assert data.days[1].gain[a] == 0
    assert data.days[1].tenth[a] == 4
    stripes = scene.artists.stripes
    assert stripes.get_visible()
    assert len(stripes.get_paths()) == 1
    # the stripes are filled in the gaining side's own colour, edged in its darker colour
    np.testing.assert_allclose(stripes.get_facecolor()[0][:3], _hex(COLOURS["government"]) / 255,
                               atol=1e-6)
    np.testing.assert_allclose(stripes.get_edgecolor()[0][:3],
                               _hex(HATCH_COLOURS["government"]) / 255, atol=1e-6)
    np.testing.assert_allclose(scene.main.get_facecolor()[a][:3],
                               _hex(COLOURS["rebel"]) / 255, atol=1e-6)
    scene.show(2)  # 17 Nov: sdf holds 0.3 of f: yellow stripes, not an olive hatch
    f = data.ids.index("f")
    np.testing.assert_allclose(scene.artists.stripes.get_facecolor()[0][:3],
                               _hex(COLOURS["sdf"]) / 255, atol=1e-6)
    assert data.days[2].tenth[f] == 3
    scene.show(0)
    assert not scene.artists.stripes.get_visible()


def test_point_district_is_drawn_not_dropped(project):
    data = render_scene.scene_data(project, size=(400, 300), dpi=100)
    assert data.ids[-1] == "g"
    assert data.is_point[-1]
    assert data.is_point.sum() == 1
    assert len(data.vertices) == len(NAMES)


def test_every_frame_has_the_same_extent(project):
    data = render_scene.scene_data(project, size=(400, 300), dpi=100)
    scene = render_scene.FrameScene(data)
    limits = set()
    for i in range(len(data.days)):
        scene.show(i)
        scene.fig.canvas.draw()
        box_ = tuple(scene.ax.get_position().bounds)
        limits.add((scene.ax.get_xlim(), scene.ax.get_ylim(), box_))
    assert len(limits) == 1


def test_parallel_frames_equal_serial_frames(project, tmp_path):
    one = render_frames.render_frames(project, tmp_path / "one", size=(300, 200), dpi=50,
                                      quiet=True)
    two = render_frames.render_frames(project, tmp_path / "two", size=(300, 200), dpi=50,
                                      jobs=2, quiet=True)
    assert [p.name for p in one] == [p.name for p in two]
    for a, b in zip(one, two, strict=True):
        assert np.array_equal(_rgb(a), _rgb(b))


@pytest.mark.parametrize("fmt", ["svg", "pdf"])
def test_vector_formats(project, tmp_path, fmt):
    files = render_frames.render_frames(project, tmp_path / fmt, size=(400, 300), dpi=50,
                                        fmt=fmt, labels="key", quiet=True)
    head = files[0].read_bytes()[:200]
    assert (b"<svg" in head or b"<?xml" in head) if fmt == "svg" else head.startswith(b"%PDF")


def test_bad_options_are_user_errors(project, tmp_path):
    with pytest.raises(ValidationError, match="--format"):
        render_frames.render_frames(project, tmp_path / "x", fmt="jpg")
    with pytest.raises(ValidationError, match="--labels"):
        render_frames.render_frames(project, tmp_path / "x", labels="some")
    assert not (tmp_path / "x").exists()


def test_failed_run_leaves_previous_folder_untouched(project, tmp_path, monkeypatch):
    out = tmp_path / "frames"
    out.mkdir()
    (out / "keep.png").write_bytes(b"previous run")
    calls = {"n": 0}
    real = render_scene.FrameScene.save

    def failing(self, i, dest):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(self, i, dest)

    monkeypatch.setattr(render_scene.FrameScene, "save", failing)
    with pytest.raises(RuntimeError):
        render_frames.render_frames(project, out, size=(300, 200), dpi=50, quiet=True)
    assert [p.name for p in tmp_path.iterdir()] == ["frames"]
    assert [p.name for p in out.iterdir()] == ["keep.png"]


def test_attribution_names_a_user_boundary_file_and_csr_licence():
    p = small_project(source="/data/aleppo_neighborhoods_csr.geojson")
    line = render_text.attribution(p)
    assert ("Boundaries: aleppo_neighborhoods_csr.geojson (Columbia Center for Spatial "
            "Research, MIT licence)") in line
    assert "Testpedia" in line
    assert "Test News" in line


# ----------------------------------------------------------------------------- baseline
def test_frame_matches_baseline_image(project, tmp_path):
    """Day 16 Nov (a partial advance) and 18 Nov (contested, sdf and government hatching)."""
    from matplotlib.testing.compare import compare_images

    out = render_frames.render_frames(project, tmp_path / "f", size=(400, 300), dpi=50,
                                      labels="none", quiet=True, hide_text=True)
    for day in ("2016-11-16", "2016-11-18"):
        actual = tmp_path / "f" / f"{day}.png"
        expected = BASELINE / f"frame_{day}.png"
        if os.environ.get("ALEPPO_MAP_UPDATE_BASELINE") == "1":  # regenerate deliberately
            expected.write_bytes(actual.read_bytes())
        assert expected.exists(), f"{expected} missing (ALEPPO_MAP_UPDATE_BASELINE=1 writes it)"
        result = compare_images(str(expected), str(actual), tol=2.0)
        assert result is None, result
    assert len(out) == 6


# ----------------------------------------------------------------------------- animation
def test_gif_has_one_frame_per_day_and_holds_the_last(project, tmp_path):
    dest = render_animation.write_animation(project, tmp_path / "anim.gif", fps=4, hold_last=1.5,
                                         size=(300, 200), quiet=True)
    assert dest == tmp_path / "anim.gif"
    with Image.open(dest) as img:
        assert img.n_frames == 6
        assert img.size == (300, 200)
        durations = []
        for i in range(img.n_frames):
            img.seek(i)
            durations.append(img.info["duration"])
    assert durations == [250] * 5 + [1750]


def test_mp4_through_the_wheels_ffmpeg(project, tmp_path):
    dest = render_animation.write_animation(project, tmp_path / "anim.gif", fmt="mp4", fps=2,
                                         hold_last=1, size=(301, 201), quiet=True)
    assert dest == tmp_path / "anim.mp4"  # suffix follows the format
    data = dest.read_bytes()
    assert data[4:8] == b"ftyp"
    import imageio_ffmpeg

    n_frames, _ = imageio_ffmpeg.count_frames_and_secs(str(dest))
    assert n_frames == 6 + 2  # six days, then the last held one second at 2 fps


def test_mp4_without_ffmpeg_is_a_clear_error(project, tmp_path, monkeypatch):
    import imageio_ffmpeg

    def missing():
        raise RuntimeError("No ffmpeg exe could be found.")

    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", missing)
    with pytest.raises(AleppoMapError, match=r"MP4 needs ffmpeg.*imageio-ffmpeg.*--format gif"):
        render_animation.write_animation(project, tmp_path / "a.mp4", fmt="mp4", quiet=True)
    assert not list(tmp_path.iterdir())


def test_animation_rejects_bad_rates(project, tmp_path):
    with pytest.raises(ValidationError) as err:
        render_animation.write_animation(project, tmp_path / "a.gif", fps=0, hold_last=-1)
    assert "--fps" in str(err.value)
    assert "--hold-last" in str(err.value)


# ----------------------------------------------------------------------------- contact sheet
def test_contact_sheet_default_days(project):
    # changes per day: 16th 1 (a), 17th 2 (a, f), 18th 2 (b, g), 19th 2 (b, c), 20th 3 (d, f, g)
    assert render_sheet.changes_per_day(project).tolist() == [0, 1, 2, 2, 2, 3]
    days = render_sheet.contact_sheet_days(project, every=4, busiest=2)
    # every fourth day (15th, 19th), the last (20th), the two busiest (20th; 17th first of ties)
    assert days == [date(2016, 11, d) for d in (15, 17, 19, 20)]
    days = render_sheet.contact_sheet_days(project, every=4, busiest=3)
    assert days == [date(2016, 11, d) for d in (15, 17, 18, 19, 20)]


def test_contact_sheet_png_size_grows_with_rows(project, tmp_path):
    small = render_sheet.write_contact_sheet(project, tmp_path / "a.png",
                                              dates=["2016-11-15", "2016-11-20"])
    big = render_sheet.write_contact_sheet(project, tmp_path / "b.png",
                                            dates=[f"2016-11-{d}" for d in range(15, 21)])
    with Image.open(small) as a, Image.open(big) as b:
        width = round(render_style.SHEET_WIDTH_IN * render_style.SHEET_DPI)
        assert a.size[0] == b.size[0] == width  # A4 width at 200 dpi
        assert b.size[1] > a.size[1]  # two rows of four against one row of two
    assert render_sheet.sheet_grid(6) == (3, 2)
    assert render_sheet.sheet_grid(2) == (2, 1)


def test_contact_sheet_pdf_is_a4_wide(project, tmp_path):
    dest = render_sheet.write_contact_sheet(project, tmp_path / "sheet.pdf")
    pdf = dest.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert b"/MediaBox [ 0 0 595.44" in pdf or b"/MediaBox [0 0 595.44" in pdf


def test_contact_sheet_rejects_bad_days_and_suffix(project, tmp_path):
    with pytest.raises(ValidationError) as err:
        render_sheet.write_contact_sheet(project, tmp_path / "s.png",
                                          dates=["2016-11-31", "2016-12-25", "2016-11-16"])
    text = str(err.value)
    assert "2 problems" in text
    assert "'2016-11-31'" in text
    assert "2016-12-25" in text
    with pytest.raises(ValidationError, match=r"\.png or \.pdf"):
        render_sheet.write_contact_sheet(project, tmp_path / "s.jpg")
    assert not list(tmp_path.iterdir())


# ----------------------------------------------------------------------------- the real data, CLI
def test_cli_frames_on_the_embedded_data(tmp_path):
    from aleppo_map.cli import main

    out = tmp_path / "frames"
    args = ["frames", "--out", str(out), "--size", "400x300", "--dpi", "50", "--labels", "key",
            "--jobs", "2", "--quiet"]
    assert main(args) == 0
    files = sorted(out.glob("*.png"))
    days = [START + timedelta(days=i) for i in range(38)]
    assert [f.stem for f in files] == [d.isoformat() for d in days]
    with Image.open(files[-1]) as img:
        assert img.size == (400, 300)
        assert "Neighbourhood boundaries: Columbia Center for Spatial Research (MIT)" \
            in img.info["Source"]
        assert "Wikipedia" in img.info["Source"]


def test_cli_animate_and_contact_sheet_on_the_embedded_data(tmp_path):
    from aleppo_map.cli import main

    gif = tmp_path / "a.gif"
    assert main(["animate", "--out", str(gif), "--size", "200x150", "--fps", "5",
                 "--hold-last", "1", "--quiet"]) == 0
    with Image.open(gif) as img:
        assert img.n_frames == 38
        img.seek(37)
        assert img.info["duration"] == 1200
    sheet = tmp_path / "sheet.png"
    assert main(["contact-sheet", "--out", str(sheet), "--quiet"]) == 0
    with Image.open(sheet) as img:
        assert img.size[0] == round(render_style.SHEET_WIDTH_IN * render_style.SHEET_DPI)


def test_cli_bad_dates_exit_2_without_output(tmp_path, capsys):
    from aleppo_map.cli import main

    sheet = tmp_path / "sheet.png"
    assert main(["contact-sheet", "--out", str(sheet), "--dates", "2016-11-20,2017-01-01"]) == 2
    err = capsys.readouterr().err
    assert "2017-01-01" in err
    assert "Traceback" not in err
    assert not sheet.exists()


def test_frames_on_a_user_boundary_file_name_it_and_draw_missing_districts(csr_path, tmp_path):
    from aleppo_map.project import load_project

    project = load_project(districts=csr_path, start="2016-12-10", end="2016-12-11")
    files = render_frames.render_frames(project, tmp_path / "f", size=(400, 300), dpi=50,
                                        quiet=True)
    assert len(files) == 2
    with Image.open(files[0]) as img:
        assert ("aleppo_neighborhoods_csr.geojson (Columbia Center for Spatial Research, "
                "MIT licence)") in img.info["Source"]
    data = render_scene.scene_data(project, size=(400, 300), dpi=50)
    assert len(data.ids) == len(project.timeline.district_ids)  # none dropped
    assert int(data.is_point.sum()) == len(project.layer.missing)


# ----------------------------------------------------------------------------- designer output
def _other_battle_project():
    """The small project re-labelled as another battle: other name, labels, colours, UTM zone."""
    from dataclasses import replace

    from aleppo_map.battle import Battle
    from aleppo_map.settings import Settings

    battle = Battle.from_dict({
        "battle": {"name": "Testburg", "title": "Battle of Testburg", "first_day": "2016-11-15",
                   "last_day": "2016-11-20", "metric_crs": "EPSG:32636"},
        "sides": [
            {"id": "government", "label": "Blue army", "short": "blue", "colour": "#1f4e9c",
             "hatch_colour": "#0b2552"},
            {"id": "rebel", "label": "Orange militia", "short": "orange", "colour": "#f08c00",
             "hatch_colour": "#7a4700"},
            {"id": "sdf", "label": "Teal front", "short": "teal", "colour": "#13a89e",
             "hatch_colour": "#075a55"},
            {"id": "contested", "label": "Disputed", "short": "disputed", "colour": "#888888",
             "hatch_colour": "#444444", "contested": True},
        ],
        "reference": {"side": "rebel", "label": "old militia pocket"},
    })
    base = small_project()
    settings = Settings.for_battle(battle, start=START, end=END)
    return replace(base, settings=settings)


def test_svg_frames_keep_real_text_with_the_date(project, tmp_path):
    import xml.etree.ElementTree as ET

    files = render_frames.render_frames(project, tmp_path / "svg", size=(800, 600), dpi=100,
                                        fmt="svg", labels="key", quiet=True,
                                        byline="Graphic: A. Designer")
    root = ET.parse(files[3]).getroot()
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Aleppo, 18 November 2016" in texts
    assert "Graphic: A. Designer" in texts
    assert any(t.startswith("Sources:") for t in texts)
    assert len(texts) > 20  # legend, scale bar, labels: every one a <text>, not glyph paths


def test_pdf_frames_embed_truetype_fonts_not_type3(project, tmp_path):
    from pypdf import PdfReader

    files = render_frames.render_frames(project, tmp_path / "pdf", size=(800, 600), dpi=100,
                                        fmt="pdf", labels="key", quiet=True)
    reader = PdfReader(files[1])
    page = reader.pages[0]
    fonts = page["/Resources"]["/Font"]
    subtypes = {fonts[name].get_object()["/Subtype"] for name in fonts}
    assert subtypes, "no fonts in the PDF"
    assert "/Type3" not in subtypes
    assert subtypes <= {"/TrueType", "/Type0"}
    assert "16 November 2016" in page.extract_text()


def test_subtitle_numbers_days_from_the_battles_first_day(project):
    from dataclasses import replace

    from aleppo_map.timeline import build_timeline

    one_day = replace(project, timeline=build_timeline(project.changes, list(NAMES),
                                                       date(2016, 11, 18), date(2016, 11, 18)))
    data = render_scene.scene_data(one_day, size=(400, 300), dpi=50)
    [spec] = data.days
    assert spec.title == "Aleppo, 18 November 2016"
    first_line = spec.subtitle.split("\n")[0]
    # day 4 of the battle, not "Day 1 of 1", and not the opening state
    assert first_line == f"Day 4 of {project.battle.n_days} · 2 districts changed since 17 Nov"
    assert "opening" not in spec.subtitle
    full = render_scene.scene_data(project, size=(400, 300), dpi=50)
    assert full.days[0].subtitle.startswith(f"Day 1 of {project.battle.n_days} · opening state")
    assert "opening" not in " ".join(s.subtitle for s in full.days[1:])


def test_title_subtitle_byline_and_note_options(project):
    data = render_scene.scene_data(project, size=(800, 600), dpi=100, fmt="svg",
                                   title="Siege ({date})", subtitle="As reported",
                                   byline="Graphic: A. Designer", note="Draft, not for print")
    scene = render_scene.FrameScene(data)
    scene.show(2)
    assert scene.title.get_text() == "Siege (17 November 2016)"
    assert scene.subtitle.get_text().split("\n")[0] == "As reported"
    texts = [t.get_text() for t in scene.fig.texts]
    assert "Graphic: A. Designer" in texts
    assert "Draft, not for print" in texts
    # the footer lines sit above the attribution, inside the figure, not over the map
    renderer = scene.fig.canvas.get_renderer()
    map_box = scene.ax.get_window_extent(renderer)
    for t in scene.fig.texts:
        if t.get_text() in ("Graphic: A. Designer", "Draft, not for print"):
            box = t.get_window_extent(renderer)
            assert box.y1 <= map_box.y0 and box.y0 >= 0
    plain = render_scene.scene_data(project, size=(400, 300), dpi=50, title="Just a title")
    assert plain.days[0].title == "Just a title, 15 November 2016"


def _region_share(img, mask, colour, tol=12):
    near = (np.abs(img.astype(int) - _hex(colour)).max(axis=2) <= tol)
    return float(near[mask].mean())


def _district_mask(scene, did, shape):
    """Pixels strictly inside district *did* (its path, shrunk to avoid the edges)."""
    from matplotlib.path import Path as MplPath

    i = scene.data.ids.index(did)
    path = MplPath(scene.data.vertices[i], scene.data.codes[i])
    pixels = scene.ax.transData.transform(path.vertices)
    display = MplPath(pixels, path.codes)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w]
    pts = np.column_stack([xx.ravel() + 0.5, (h - yy.ravel() - 0.5)])
    return display.contains_points(pts, radius=-3).reshape(h, w)


def test_stripes_use_the_gaining_sides_colour_and_widen_with_its_share(tmp_path):
    rows_low = "C90,2016-11-16,e,sdf,partial,0.2,,advance,stated,s2,2,high,,\n"
    rows_high = "C90,2016-11-16,e,sdf,partial,0.8,,advance,stated,s2,2,high,,\n"
    from static_fixtures import ROWS

    shares = {}
    palette = np.array([_hex(c) for c in (COLOURS["sdf"], HATCH_COLOURS["sdf"],
                                           COLOURS["government"], "#ffffff")])
    for label, extra in (("low", rows_low), ("high", rows_high)):
        proj = small_project(rows=ROWS + extra)
        data = render_scene.scene_data(proj, size=(1200, 900), dpi=150)
        scene = render_scene.FrameScene(data)
        img = scene.rgb(1)  # 16 Nov: the SDF holds part of e, the government the rest
        mask = _district_mask(scene, "e", img.shape[:2])
        assert mask.sum() > 5000
        px = img[mask].astype(int)
        nearest = np.abs(px[:, None, :] - palette[None, :, :]).sum(axis=2).argmin(axis=1)
        yellow, olive, red = ((nearest == k).mean() for k in range(3))
        # the stripes are the SDF's own yellow, with thin darker edges (and antialiased
        # yellow/red boundaries, nearest to the dark olive), over government red
        assert yellow > 0.6 * olive
        assert yellow + olive + red > 0.95
        assert _region_share(img, mask, COLOURS["sdf"]) > 0.25 * (yellow + olive)
        shares[label] = (yellow + olive, yellow)
    assert shares["low"][0] == pytest.approx(0.2, abs=0.08)
    assert shares["high"][0] == pytest.approx(0.8, abs=0.08)
    assert shares["high"][1] > 3 * shares["low"][1]  # wider stripes of pure yellow


def test_low_confidence_state_has_a_dashed_outline_in_frame_and_legend(project):
    from static_fixtures import ROWS

    proj = small_project(rows=ROWS.replace("C11,2016-11-18,b,contested,full,,,capture,stated,s2,4,"
                                           "medium", "C11,2016-11-18,b,contested,full,,,capture,"
                                           "stated,s2,4,low"))
    data = render_scene.scene_data(proj, size=(400, 300), dpi=50)
    b = data.ids.index("b")
    assert data.days[3].low[b] and data.days[3].low.sum() == 1
    assert not data.days[2].low.any()
    scene = render_scene.FrameScene(data)
    scene.show(3)
    assert scene.artists.low.get_visible()
    assert len(scene.artists.low.get_paths()) == 1
    _, dashes = scene.artists.low.get_linestyle()[0]
    assert dashes is not None and len(dashes) == 2
    assert data.any_low
    legend = [t.get_text() for t in scene.fig.legends[0].get_texts()]
    assert any("low-confidence" in t for t in legend)
    scene.show(2)
    assert not scene.artists.low.get_visible()


def test_another_battle_frames_say_nothing_of_aleppo(tmp_path):
    proj = _other_battle_project()
    files = render_frames.render_frames(proj, tmp_path / "svg", size=(800, 600), dpi=100,
                                        fmt="svg", labels="key", quiet=True)
    text = files[2].read_text(encoding="utf-8")
    assert "Testburg, 17 November 2016" in text
    assert "old militia pocket" in text
    assert "Blue army" in text and "Teal front" in text
    assert "aleppo" not in text.lower()
    png = render_frames.render_frames(proj, tmp_path / "png", size=(400, 300), dpi=50,
                                      quiet=True)
    assert b"aleppo" not in png[0].read_bytes().lower()
    with Image.open(png[0]) as img:
        assert "Testburg" in img.info["Title"]
    # the battle's own colours fill the map
    first = _rgb(png[0])
    assert _share_of(first, "#f08c00") > 0.01
    assert _share_of(first, COLOURS["rebel"]) < 0.0005
    sheet = render_sheet.write_contact_sheet(proj, tmp_path / "sheet.pdf")
    from pypdf import PdfReader

    assert "aleppo" not in PdfReader(sheet).pages[0].extract_text().lower()


def test_gif_keeps_the_side_colours_of_the_png_frames(project, tmp_path):
    gif = render_animation.write_animation(project, tmp_path / "a.gif", size=(400, 300),
                                           quiet=True)
    scene = render_scene.FrameScene(render_scene.scene_data(project, size=(400, 300), dpi=100))
    with Image.open(gif) as img:
        for i in (0, 1, 3, 5):
            img.seek(i)
            frame = np.asarray(img.convert("RGB"))
            ref = scene.rgb(i)
            for side, colour in COLOURS.items():
                want = _share_of(ref, colour, tol=2)
                got = _share_of(frame, colour, tol=2)  # exact palette entries: no shift
                assert got == pytest.approx(want, abs=0.003), (i, side)
            # and nothing is far off anywhere
            assert np.abs(frame.astype(int) - ref).max(axis=2).mean() < 3


def _boxes_overlap(a, b) -> bool:
    return a.x0 < b.x1 - 0.5 and b.x0 < a.x1 - 0.5 and a.y0 < b.y1 - 0.5 and b.y0 < a.y1 - 0.5


@pytest.mark.parametrize("n_days", [2, 5, 6])
def test_contact_sheet_has_no_empty_cells_and_no_overlaps(project, n_days):
    days = [START + timedelta(days=i) for i in range(n_days)]
    fig = render_sheet.sheet_figure(project, days, byline="Graphic: A. Designer", note="Note")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    panels = fig.axes
    assert len(panels) == n_days
    cols, rows = render_sheet.sheet_grid(n_days)
    free = cols * rows - n_days
    boxes = [ax.get_tightbbox(renderer) for ax in panels]
    boxes += [leg.get_window_extent(renderer) for leg in fig.legends]
    boxes += [t.get_window_extent(renderer) for t in fig.texts if t.get_text()]
    page = fig.bbox
    for i, a in enumerate(boxes):
        assert a.x0 >= -0.5 and a.y0 >= -0.5 and a.x1 <= page.x1 + 0.5 and a.y1 <= page.y1 + 0.5
        for b in boxes[i + 1:]:
            assert not _boxes_overlap(a, b), (a, b)
    if free:  # the legend fills the free cells of the last row: no empty cell
        legend = fig.legends[0].get_window_extent(renderer)
        last_row_bottom = min(b.y0 for b in boxes[:n_days])
        assert legend.y1 >= last_row_bottom


def test_default_contact_sheet_days_fill_whole_rows():
    from aleppo_map.project import load_project

    proj = load_project(with_layer=False)
    days = render_sheet.contact_sheet_days(proj, fill_rows=True)
    cols, rows = render_sheet.sheet_grid(len(days))
    assert cols * rows == len(days)
    assert set(render_sheet.contact_sheet_days(proj)) <= set(days)


def test_cli_frames_take_the_designer_texts(tmp_path):
    from aleppo_map.cli import main

    out = tmp_path / "f"
    assert main(["frames", "--start", "2016-12-06", "--end", "2016-12-06", "--out", str(out),
                 "--format", "svg", "--size", "800x600", "--dpi", "100", "--quiet",
                 "--title", "Aleppo under siege, {date}", "--byline", "Graphic: Desk",
                 "--note", "Sources cited below"]) == 0
    text = (out / "2016-12-06.svg").read_text(encoding="utf-8")
    assert "Aleppo under siege, 6 December 2016" in text
    assert "Day 22 of 38" in text
    assert "Day 1 of 1" not in text and "opening state" not in text
    assert "Graphic: Desk" in text and "Sources cited below" in text


def test_mp4_keeps_the_side_colours_within_a_few_levels(project, tmp_path):
    import imageio_ffmpeg

    dest = render_animation.write_animation(project, tmp_path / "a.mp4", fmt="mp4",
                                           size=(400, 300), quiet=True)
    reader = imageio_ffmpeg.read_frames(str(dest))
    next(reader)  # metadata
    frame = np.frombuffer(next(reader), np.uint8).reshape(300, 400, 3)
    ref = render_scene.FrameScene(render_scene.scene_data(project, size=(400, 300),
                                                          dpi=100)).rgb(0)
    for side, colour in COLOURS.items():
        flat = np.all(ref == _hex(colour), axis=2)
        if flat.sum() > 500:  # large flat areas (edges blur in H.264)
            drift = np.abs(frame[flat].astype(int).mean(axis=0) - _hex(colour))
            assert drift.max() <= 6, (side, drift)
    reader.close()


@pytest.mark.parametrize("size", [(800, 600), (600, 800)])
def test_long_designer_texts_wrap_and_never_cover_the_map(project, size):
    title = "A very long headline a newsroom might write about the fighting, {date}"
    subtitle = ("A long standfirst that explains what the reader sees on this map, which "
                "side holds which district, and where the numbers come from")
    data = render_scene.scene_data(project, size=size, dpi=100, fmt="svg", title=title,
                                   subtitle=subtitle, byline="Graphic: A. Designer",
                                   note="A note " * 30)
    scene = render_scene.FrameScene(data)
    scene.show(1)
    renderer = scene.canvas.get_renderer()
    page = scene.fig.bbox
    map_box = scene.ax.get_window_extent(renderer)
    assert "\n" in scene.title.get_text()  # wrapped
    for t in scene.fig.texts:
        if not t.get_text():
            continue
        box = t.get_window_extent(renderer)
        assert box.x0 >= -1 and box.x1 <= page.x1 + 1, t.get_text()[:30]
        assert box.y0 >= -1 and box.y1 <= page.y1 + 1, t.get_text()[:30]
        assert not (box.y0 < map_box.y1 - 1 and box.y1 > map_box.y0 + 1
                    and box.x0 < map_box.x1 - 1 and box.x1 > map_box.x0 + 1), t.get_text()[:30]
