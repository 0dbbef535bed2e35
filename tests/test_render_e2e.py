"""`aleppo-map render` end to end on the embedded data (the walking skeleton's main job)."""

from __future__ import annotations

from datetime import date, timedelta

from PIL import Image

from aleppo_map.cli import main


def test_render_writes_38_frames_and_a_page_with_every_date(tmp_path):
    out = tmp_path / "out"
    assert main(["render", "--out", str(out), "--size", "400x300", "--dpi", "50", "--quiet"]) == 0
    frames = sorted((out / "frames").glob("*.png"))
    days = [date(2016, 11, 15) + timedelta(days=i) for i in range(38)]
    assert [f.stem for f in frames] == [d.isoformat() for d in days]
    for frame in frames[:: 9]:
        with Image.open(frame) as img:
            assert img.size == (400, 300)
    html = (out / "aleppo_control.html").read_text(encoding="utf-8")
    for d in days:
        assert d.isoformat() in html
    # nothing left behind by the atomic writers
    assert not [p for p in out.rglob(".*") if p.name.startswith(".")]


def test_render_respects_start_and_end(tmp_path):
    out = tmp_path / "out"
    args = ["render", "--out", str(out), "--size", "300x200", "--dpi", "50", "--quiet",
            "--start", "2016-12-10", "--end", "2016-12-13"]
    assert main(args) == 0
    assert [f.stem for f in sorted((out / "frames").glob("*.png"))] == [
        "2016-12-10", "2016-12-11", "2016-12-12", "2016-12-13"]
