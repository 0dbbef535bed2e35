"""The catalogue of bad inputs (tests/bad_inputs/cases.toml), run by one parametrised test.

Every case is a mistake or an accident a user can make: a malformed or hostile input
file, an option out of range, an output location that cannot take the result, Ctrl-C,
two runs into one folder. Each must end in a clear message on stderr (the case's
fragment), exit status 2 (130 when interrupted), no traceback, every input file
unchanged, the output folder unchanged (nothing partial, nothing of the user's lost)
and no temporary file left anywhere.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aleppo_map._io import TMP_PREFIX
from aleppo_map.cli import main
from aleppo_map.project import load_project

HERE = Path(__file__).resolve().parent / "bad_inputs"
CASES: list[dict[str, Any]] = tomllib.loads((HERE / "cases.toml").read_text(encoding="utf-8"))["case"]
KINDS = ("csv", "geojson", "shapefile", "geopackage", "kml", "options", "output", "interruption",
         "concurrency")


def _params() -> list[Any]:
    out = []
    for case in CASES:
        marks = []
        if case.get("xfail"):
            marks.append(pytest.mark.xfail(strict=False, reason=case["xfail"]))
        if case.get("run") in ("interrupt", "concurrent"):
            marks.append(pytest.mark.slow)
        out.append(pytest.param(case, id=case["id"], marks=marks))
    return out


# ----------------------------------------------------------------------------- inputs
@pytest.fixture(scope="session")
def generated_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The binary inputs (GeoPackage, shapefile pieces), written once per session."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    from shapely.geometry import box

    root = tmp_path_factory.mktemp("generated")
    gdf = gpd.GeoDataFrame(
        {"NAME": ["Hanano", "Sheikh Maqsoud"]},
        geometry=[box(37.193, 36.218, 37.213, 36.238), box(37.144, 36.227, 37.164, 36.247)],
        crs="EPSG:4326",
    )
    gdf.iloc[[1]].to_file(root / "two_layers.gpkg", layer="north", driver="GPKG")
    gdf.iloc[[0]].to_file(root / "two_layers.gpkg", layer="east", driver="GPKG", mode="a")
    (root / "corrupt.gpkg").write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 16)
    pyogrio.write_dataframe(pd.DataFrame({"NAME": ["Hanano"]}), root / "attributes_only.gpkg",
                            driver="GPKG")
    for folder in ("no_crs", "no_shx", "dbf_only"):
        (root / folder).mkdir()
        gdf.to_file(root / folder / "districts.shp")
    (root / "no_crs" / "districts.prj").unlink()
    (root / "no_shx" / "districts.shx").unlink()
    for suffix in (".shp", ".shx", ".prj", ".cpg"):
        with contextlib.suppress(FileNotFoundError):
            (root / "dbf_only" / f"districts{suffix}").unlink()
    (root / "garbage.shp").write_bytes(b"\x00\x00\x27\x0a" + b"not a shapefile" * 20)
    return root


def _hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every file under *root*, and a marker for every folder."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        for d in dirnames:
            out[str((base / d).relative_to(root)) + "/"] = "folder"
        for f in filenames:
            out[str((base / f).relative_to(root))] = hashlib.sha256((base / f).read_bytes()).hexdigest()
    return out


def _leftovers(root: Path) -> list[str]:
    return [str(Path(d) / n) for d, dirs, files in os.walk(root) for n in [*dirs, *files]
            if n.startswith(TMP_PREFIX)]


# ----------------------------------------------------------------------------- output set-ups
def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


@contextlib.contextmanager
def _prepared(out: Path, case: dict[str, Any]) -> Iterator[None]:
    """Make {out} as the case asks (existing files, read-only, immutable, nearly full)."""
    setup = case.get("setup")
    out.mkdir()
    undo: list[list[str]] = []
    try:
        if setup == "full":
            if os.geteuid() != 0 or _mount("-t", "tmpfs", "-o", "size=200k", "tmpfs", str(out)).returncode:
                pytest.skip("disk-full case needs to mount a 200 KiB tmpfs (root and CAP_SYS_ADMIN)")
            undo.append(["umount", str(out)])
            # nearly full: what is left cannot hold any output of the tool
            with contextlib.suppress(OSError), (out / "filler.bin").open("wb") as fh:
                fh.write(b"\0" * (200 * 1024 - 24 * 1024))
        for rel, content in (case.get("existing") or {}).items():
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if content == "/":
                path.mkdir()
            else:
                path.write_text(content, encoding="utf-8")
        if setup == "readonly":
            if os.geteuid() != 0 or _mount("--bind", str(out), str(out)).returncode:
                pytest.skip("read-only case needs a bind mount (root and CAP_SYS_ADMIN)")
            undo.append(["umount", str(out)])
            if _mount("-o", "remount,ro,bind", str(out)).returncode:
                pytest.skip("read-only case could not remount the bind mount read-only")
        if setup == "immutable":
            if os.geteuid() != 0:
                pytest.skip("no-permission case needs root for chattr +i (as a user, use chmod)")
            made = subprocess.run(["chattr", "+i", str(out)], capture_output=True, text=True,
                                  check=False)
            if made.returncode:
                pytest.skip(f"chattr +i is not available here: {made.stderr.strip()}")
            undo.append(["chattr", "-i", str(out)])
        yield
    finally:
        for cmd in reversed(undo):
            subprocess.run(cmd, capture_output=True, check=False)


# ----------------------------------------------------------------------------- runners
def _in_process(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the CLI in this process; an exception escaping it is the traceback a user would see."""
    with warnings.catch_warnings():
        warnings.simplefilter("default")  # as on the command line: a warning is not an error
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException as exc:
            pytest.fail(f"Traceback: {type(exc).__name__}: {exc} escaped the CLI")
        # a writer that failed mid-file may leave it to the garbage collector to close
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    return int(code), capsys.readouterr().err


def _cli(argv: list[str]) -> list[str]:
    return [sys.executable, "-m", "aleppo_map.cli", *argv]


def _descendants(pid: int) -> set[int]:
    """Every process below *pid* (workers, a fork server and its children), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    todo = [pid]
    while todo:
        cur = todo.pop()
        kids = {p for p, parent in parents.items() if parent == cur} - found
        found |= kids
        todo.extend(kids)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _interrupted(argv: list[str], out: Path, workers: int) -> tuple[int, str]:
    """Start the command, wait until it is writing, send SIGINT as Ctrl-C does."""
    proc = subprocess.Popen(_cli(argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 120
        while not _leftovers(out.parent) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the command ended before it could be interrupted"
        time.sleep(0.5)  # workers starting or rendering
        children = _descendants(proc.pid)
        assert len(children) >= workers, f"expected {workers} worker processes, saw {children}"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 10  # a fork server notices its parent's exit on its own
    while [c for c in children if _alive(c)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [c for c in children if _alive(c)], "worker processes outlived the interrupted run"
    return proc.returncode, err


def _concurrent(argv: list[str], out: Path) -> tuple[int, str]:
    """Two identical runs at once: one writes, the other refuses; never a mixed folder."""
    procs = [subprocess.Popen(_cli(argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    for p in procs:
        if p.stderr:
            p.stderr.close()
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    return next(r for r in results if r[0] == 2)


# ----------------------------------------------------------------------------- the test
def test_catalogue_is_large_and_covers_every_kind():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    assert len(CASES) >= 60
    assert {c["kind"] for c in CASES} == set(KINDS)
    for case in CASES:
        assert case["kind"] in KINDS and case["fragment"], case["id"]


@pytest.mark.parametrize("case", _params())
def test_bad_input(case: dict[str, Any], tmp_path: Path, generated_inputs: Path,
                   shared_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = tmp_path / "in"
    shutil.copytree(HERE, inputs, ignore=shutil.ignore_patterns("cases.toml"))
    shutil.copytree(generated_inputs, inputs, dirs_exist_ok=True)
    out = tmp_path / "out"
    argv = [a.format(**{"in": inputs, "out": out, "seeds": shared_dir / "seeds"})
            for a in shlex.split(case["cmd"])]
    before_in = _hashes(inputs)
    with _prepared(out, case):
        before_out = _hashes(out)
        run = case.get("run")
        if run == "interrupt":
            code, err = _interrupted(argv, out, case.get("workers", 0))
        elif run == "concurrent":
            code, err = _concurrent(argv, out)
        else:
            code, err = _in_process(argv, capsys)
        after_out = _hashes(out)
        leftovers = _leftovers(tmp_path)
    assert code == case.get("exit", 2), err
    assert case["fragment"] in err, err
    assert "Traceback" not in err, err
    assert _hashes(inputs) == before_in, "an input file changed"
    assert not leftovers, f"temporary files left: {leftovers}"
    if run == "concurrent":  # exactly one complete result, from the run that won
        frames = sorted(p.name for p in (out / "frames").iterdir())
        assert frames == [f"2016-12-{d}.png" for d in range(15, 23)]
    else:
        assert after_out == before_out, "the output folder changed"


def test_layer_chooses_one_layer_of_a_multi_layer_file(generated_inputs, capsys):
    """The remedy the two-layer message names works: --layer reads the layer asked for."""
    base = str(HERE / "base.csv")
    for layer, other in (("east", "sheikh-maqsoud"), ("north", "hanano")):
        argv = ["validate", "--changes", base, "--districts", str(generated_inputs / "two_layers.gpkg"),
                "--layer", layer]
        assert main(argv) == 0, capsys.readouterr().err
        capsys.readouterr()
        project = load_project(changes=HERE / "base.csv", districts=generated_inputs / "two_layers.gpkg",
                               layer=layer)
        assert project.layer is not None
        assert project.layer.gdf.loc[other, "geom_kind"] == "point"  # the other layer's district
