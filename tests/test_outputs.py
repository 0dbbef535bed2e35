"""Outputs are transactions: nothing of the user's is ever deleted or replaced.

:func:`aleppo_map._io.output_file` and :func:`aleppo_map._io.output_dir` write into a
temporary sibling and move the result into place only when complete; every writing
command goes through them. These tests check the promise on the commands themselves
(a folder full of a user's files survives every command, with and without
``--overwrite``) and on the mechanism (failure, interruption and a failed commit leave
the previous result and no temporary file).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from aleppo_map import _io as io
from aleppo_map._errors import OutputError
from aleppo_map.cli import main

SMALL = ["--start", "2016-12-21", "--quiet"]
#: Every writing command, writing into {out}; and the names it writes there.
WRITERS = {
    "render": (["render", "--out", "{out}", "--size", "300x200", "--dpi", "30", *SMALL],
               ["aleppo_control.html", "frames/2016-12-21.png", "frames/2016-12-22.png"]),
    "frames": (["frames", "--out", "{out}", "--size", "300x200", "--dpi", "30", *SMALL],
               ["2016-12-21.png", "2016-12-22.png"]),
    "animate": (["animate", "--out", "{out}/a.gif", "--size", "200x150", *SMALL], ["a.gif"]),
    "contact-sheet": (["contact-sheet", "--out", "{out}/sheet.png", "--dates", "2016-12-22", *SMALL],
                      ["sheet.png"]),
    "stats": (["stats", "--chart", "{out}/chart.png", "--format", "csv", *SMALL], ["chart.png"]),
    "export": (["export", "--format", "csv", "--long", "--out", "{out}/daily.csv", *SMALL],
               ["daily.csv"]),
    "build-districts": (["build-districts", "--out", "{out}/districts.geojson", "--quiet"],
                        ["districts.geojson"]),
}
#: A user's files: beside the outputs, and at the very names the commands write.
USERS = ["notes.txt", "frames/my-sketch.png", "frames/2016-12-20.png", "old/a.gif"]


def _snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _fill(out: Path, names: list[str]) -> None:
    for name in names:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(f"the user's {name}", encoding="utf-8")


def _run(argv: list[str], out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main([a.format(out=out) for a in argv])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("command", list(WRITERS))
def test_no_command_deletes_or_replaces_a_users_file(command, tmp_path, capsys):
    argv, outputs = WRITERS[command]
    out = tmp_path / "mine"
    out.mkdir()
    _fill(out, USERS)
    users = _snapshot(out)
    # 1. without --overwrite, into a non-empty folder or over a file: refused, nothing changes
    _fill(out, [outputs[0]])
    before = _snapshot(out)
    code, err = _run(argv, out, capsys)
    assert code == 2 and ("not empty" in err or "exist" in err), err
    assert _snapshot(out) == before
    # 2. with --overwrite: the command's own names are replaced, every other file stays as it was
    code, err = _run([*argv, "--overwrite"], out, capsys)
    assert code == 0, err
    after = _snapshot(out)
    for name in outputs:
        assert name in after and after[name] != before.get(name), name
    assert {k: v for k, v in after.items() if k in users} == users
    assert set(after) == set(users) | set(outputs)
    assert not list(tmp_path.rglob(f"{io.TMP_PREFIX}*"))


def test_render_commits_the_page_and_the_frames_together(tmp_path, monkeypatch, capsys):
    """A failure after the page is written leaves neither the new page nor any frame."""
    from aleppo_map.render import scene

    out = tmp_path / "site"
    argv = ["render", "--out", str(out), "--size", "300x200", "--dpi", "30", *SMALL]
    assert main(argv) == 0
    capsys.readouterr()
    before = _snapshot(out)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(scene.FrameScene, "save", broken)
    assert main([*argv, "--overwrite", "--start", "2016-12-20"]) == 2
    assert "no space left" in capsys.readouterr().err
    assert _snapshot(out) == before
    assert not list(tmp_path.rglob(f"{io.TMP_PREFIX}*"))


def test_render_no_frames_writes_the_page_alone_and_leaves_the_frames(tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["render", "--out", str(out), "--size", "300x200", "--dpi", "30", *SMALL]
    assert main(argv) == 0
    frames_before = _snapshot(out / "frames")
    page = out / "aleppo_control.html"
    svg_page = page.read_text(encoding="utf-8")
    assert '"renderer":"svg"' in svg_page  # 135 districts: below the canvas threshold
    assert main(["render", "--no-frames", "--renderer", "canvas", "--out", str(out),
                 "--overwrite", *SMALL]) == 0
    assert '"renderer":"canvas"' in page.read_text(encoding="utf-8")
    assert _snapshot(out / "frames") == frames_before
    new = tmp_path / "page-only"
    assert main(["render", "--no-frames", "--out", str(new), *SMALL]) == 0
    assert sorted(p.name for p in new.iterdir()) == ["aleppo_control.html"]
    capsys.readouterr()


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_or_failed_block_leaves_nothing(tmp_path, error):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("previous")

    def write_dir_then_fail() -> None:
        with io.output_dir(out, overwrite=True) as tmp:
            (tmp / "keep.txt").write_text("new")
            raise error()

    def write_file_then_fail() -> None:
        with io.output_file(out / "keep.txt", overwrite=True) as tmp:
            tmp.write_text("new")
            raise error()

    with pytest.raises(error):
        write_dir_then_fail()
    with pytest.raises(error):
        write_file_then_fail()
    assert sorted(os.listdir(out)) == ["keep.txt"]
    assert (out / "keep.txt").read_text() == "previous"
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_a_commit_that_fails_midway_is_rolled_back(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("a.png", "b.png", "c.png", "mine.txt"):
        (out / name).write_text(f"old {name}")
    before = _snapshot(out)
    real = os.replace
    calls = {"n": 0}

    def flaky(src, dst):
        calls["n"] += 1
        if calls["n"] == 5:  # three set aside, one moved in: then the disk "fails"
            raise OSError(5, "Input/output error")
        return real(src, dst)


    def write() -> None:
        with io.output_dir(out, overwrite=True) as tmp:
            for name in ("a.png", "b.png", "c.png"):
                (tmp / name).write_text(f"new {name}")

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OSError, match="Input/output"):
        write()
    monkeypatch.setattr(os, "replace", real)
    assert _snapshot(out) == before
    assert sorted(os.listdir(tmp_path)) == ["out"]
    assert sorted(os.listdir(out)) == ["a.png", "b.png", "c.png", "mine.txt"]


def test_wrong_kinds_are_refused_before_any_work(tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "folder").mkdir()
    with pytest.raises(OutputError, match="is a file, expected a folder"), io.output_dir(tmp_path / "file"):
        pytest.fail("the block must not run")
    with pytest.raises(OutputError, match="is a folder, expected a file"), \
            io.output_file(tmp_path / "folder", overwrite=True):
        pytest.fail("the block must not run")
    with pytest.raises(OutputError, match="is a file, expected a folder"), \
            io.output_file(tmp_path / "file" / "x.png"):
        pytest.fail("the block must not run")


def test_output_permissions_are_those_of_an_ordinary_new_file(tmp_path):
    with io.output_file(tmp_path / "a.txt") as tmp:
        tmp.write_text("x")
    with io.output_dir(tmp_path / "d") as tmp:
        (tmp / "f.txt").write_text("x")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o666 & ~mask
    assert (tmp_path / "d").stat().st_mode & 0o777 == 0o777 & ~mask
