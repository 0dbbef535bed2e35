"""Frames drawn on worker processes and on Dask clusters equal the single-process frames.

Dask runs only in child processes here (the CLI, or a small waiting script): a
distributed client leaves an event-loop thread, an offload thread pool and exit hooks in
the process that made it, and the test process must exit as soon as its tests are done.
"""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aleppo_map.project import load_project
from aleppo_map.render import parallel
from aleppo_map.render.scene import scene_data

DAYS = ("2016-12-05", "2016-12-08")  # four days around the fall of the Old City


@pytest.fixture(scope="module")
def data():
    project = load_project(start=DAYS[0], end=DAYS[1])
    return scene_data(project, size=(320, 240), dpi=40)


def _pixels(payload: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(payload)).convert("RGB"), dtype=np.int16)


def _same_images(a: dict[int, bytes], b: dict[int, bytes]) -> None:
    assert sorted(a) == sorted(b)
    for i, image in a.items():
        diff = np.abs(_pixels(image) - _pixels(b[i]))
        assert diff.max() <= 2, f"day {i}: images differ by up to {diff.max()}"


def test_backends_are_chosen_from_the_options():
    assert parallel.choose_backend(jobs=1).name == "serial"
    assert parallel.choose_backend(jobs=3).name == "processes"
    assert parallel.choose_backend(jobs=1, scheduler="local").name == "dask"


def test_process_pool_gives_the_serial_frames(data):
    serial = dict(parallel.render_days(data, jobs=1, quiet=True))
    assert len(serial) == 4 and all(p[:8] == b"\x89PNG\r\n\x1a\n" for p in serial.values())
    # the days differ: the Old City changes hands on 6-7 December
    assert np.abs(_pixels(serial[0]) - _pixels(serial[3])).max() > 50
    _same_images(serial, dict(parallel.render_days(data, jobs=2, quiet=True)))


COMMON = ["--start", DAYS[0], "--end", DAYS[1], "--size", "320x240", "--dpi", "40", "--quiet"]
FRAMES = [sys.executable, "-m", "aleppo_map.cli", "frames"]
NAMES = [f"2016-12-0{d}.png" for d in (5, 6, 7, 8)]


def _frames(out: Path, *options: str) -> dict[int, bytes]:
    """Run `frames` in a child process and read its four images back in day order."""
    result = subprocess.run([*FRAMES, *COMMON, *options, "--out", str(out)],
                            capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == NAMES
    return {i: (out / n).read_bytes() for i, n in enumerate(NAMES)}


def test_a_local_dask_cluster_gives_the_serial_frames(tmp_path):
    _same_images(_frames(tmp_path / "local", "--jobs", "1"),
                 _frames(tmp_path / "dask", "--jobs", "2", "--scheduler", "local"))


SHEET = [sys.executable, "-m", "aleppo_map.cli", "contact-sheet", "--quiet",
         "--dates", "2016-11-15,2016-12-06,2016-12-13,2016-12-22"]


def _sheet(out: Path, *options: str) -> bytes:
    """Write a contact sheet of four days in a child process; its PNG bytes."""
    result = subprocess.run([*SHEET, *options, "--out", str(out)], capture_output=True, text=True,
                            check=False, timeout=300)
    assert result.returncode == 0, result.stderr
    return out.read_bytes()


def test_contact_sheet_panels_on_worker_processes_are_the_panels_drawn_here(tmp_path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from aleppo_map.render import sheet

    here, workers = _sheet(tmp_path / "1.png", "--jobs", "1"), _sheet(tmp_path / "2.png", "--jobs", "2")
    _same_images({0: here}, {0: workers})
    # and the image panels are the vector drawing of the same days (a PDF's), but for
    # anti-aliasing along the edges
    days = [date.fromisoformat(d) for d in SHEET[-1].split(",")]
    fig = sheet.sheet_figure(load_project(), days)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    vector = np.asarray(canvas.buffer_rgba())[..., :3].astype(np.int16)
    raster = _pixels(here)
    assert raster.shape == vector.shape
    diff = np.abs(raster - vector).max(axis=2)
    assert diff.mean() < 3 and (diff > 60).mean() < 0.02, (diff.mean(), (diff > 60).mean())
    # a PDF sheet stays vector: its panels are drawn in this process, so workers are refused
    result = subprocess.run([*SHEET, "--jobs", "2", "--out", str(tmp_path / "s.pdf")],
                            capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 2 and ".png sheet" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "s.pdf").exists()


def test_a_run_stopped_midway_leaves_no_worker_and_no_pool_thread(data):
    """A caller that stops early (a full disk, Ctrl-C) ends the pool before it returns.

    Killing a worker while it sent an image back once left the pool's manager thread
    waiting for the rest of the message, and the interpreter's exit waiting for that thread
    (CI hung after every test had passed).
    """
    import multiprocessing
    import threading
    from concurrent.futures import process

    days = parallel.render_days(data, jobs=2, quiet=True)
    first = next(days)
    assert first[1][:8] == b"\x89PNG\r\n\x1a\n"
    days.close()  # what a failing caller does (GeneratorExit in the pool's generator)
    assert multiprocessing.active_children() == []
    assert [t for t in threading.enumerate() if isinstance(t, process._ExecutorManagerThread)] == []


def test_rgb_results_come_back_in_day_order(data):
    frames = parallel.render_rgb(data, jobs=2, quiet=True)
    serial = dict(parallel.render_days(data, kind="rgb", quiet=True))
    assert len(frames) == 4
    for i, f in enumerate(frames):
        assert f.shape == (240, 320, 3)
        assert np.abs(f.astype(int) - serial[i].astype(int)).max() <= 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_frames_scheduler_on_a_dask_cluster_started_from_the_command_line(tmp_path):
    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    if dask is None:
        pytest.fail("the `dask` command of the dask package is not installed beside this Python")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = (tmp_path / "scheduler.log").open("w"), (tmp_path / "worker.log").open("w")
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], stdout=logs[0], stderr=subprocess.STDOUT)
    worker = subprocess.Popen([dask, "worker", address, "--nworkers", "2", "--nthreads", "1",
                               "--host", "127.0.0.1", "--no-dashboard"],
                              stdout=logs[1], stderr=subprocess.STDOUT)
    try:
        wait = ("import sys\nfrom distributed import Client\n"
                "with Client(sys.argv[1], timeout='60s') as client:\n"
                "    client.wait_for_workers(2, timeout=120)\n")
        ready = subprocess.run([sys.executable, "-c", wait, address], capture_output=True, text=True,
                               check=False, timeout=300)
        assert ready.returncode == 0, ready.stderr
        _same_images(_frames(tmp_path / "remote", "--scheduler", address),
                     _frames(tmp_path / "local", "--jobs", "1"))
        _same_images({0: _sheet(tmp_path / "remote.png", "--scheduler", address)},
                     {0: _sheet(tmp_path / "local.png", "--jobs", "1")})
    finally:
        for proc in (worker, scheduler):
            proc.terminate()
        for proc in (worker, scheduler):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()


def test_a_scheduler_that_does_not_answer_is_a_message_not_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "aleppo_map.cli", "frames", "--start", DAYS[0], "--end", DAYS[0],
         "--size", "320x240", "--dpi", "40", "--quiet", "--scheduler", f"tcp://127.0.0.1:{_free_port()}",
         "--out", str(tmp_path / "never")],
        capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "Dask scheduler" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "never").exists()
