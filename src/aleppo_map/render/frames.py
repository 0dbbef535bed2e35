"""Daily frames: one image per day, serially or on worker processes."""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING

from aleppo_map import _io as io
from aleppo_map._errors import Problem, ValidationError
from aleppo_map._progress import progress
from aleppo_map.render.scene import FrameScene, SceneData, scene_data

if TYPE_CHECKING:

    from aleppo_map.project import Project



_WORKER_SCENE: FrameScene | None = None


def _init_worker(data: SceneData) -> None:
    global _WORKER_SCENE  # one figure per worker process
    # Ctrl-C reaches the whole process group: the parent alone reports it and ends the workers
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_SCENE = FrameScene(data)


def _render_in_worker(i: int, dest: str) -> str:
    assert _WORKER_SCENE is not None
    return str(_WORKER_SCENE.save(i, Path(dest)))


def _mp_context() -> multiprocessing.context.BaseContext:
    """Fork where it is safe and cheap (workers inherit the loaded modules), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.version_info < (3, 12):
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["aleppo_map.render.frames", "matplotlib.figure"])
        return ctx
    return multiprocessing.get_context("spawn")


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold SIGINT while worker processes start (fork handlers swallow a KeyboardInterrupt)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _end_workers(pool: ProcessPoolExecutor) -> None:
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        proc.terminate()
    for proc in processes:
        proc.join(timeout=5)
    # let the pool's manager thread see its dead workers and finish, so that nothing of the
    # pool is left for the interpreter's exit hooks (which would race with its cleanup)
    pool.shutdown(wait=True)


def render_frames(
    project: Project,
    out_dir: Path,
    *,
    size: tuple[int, int] = (1600, 1200),
    dpi: int = 200,
    fmt: str = "png",
    labels: str = "none",
    jobs: int = 1,
    quiet: bool = False,
    hide_text: bool = False,
    overwrite: bool = False,
) -> list[Path]:
    """Write one image per day, named ``YYYY-MM-DD.<fmt>``, into *out_dir*.

    The folder is written as a transaction (:func:`aleppo_map._io.output_dir`): a failed
    or interrupted run leaves the previous folder (or none), never a partial one.
    *out_dir* must be absent or empty unless *overwrite*, which replaces only the
    ``YYYY-MM-DD.<fmt>`` files and keeps every other file.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.
    out_dir : pathlib.Path
        Output folder.
    size : tuple of int
        Width and height in pixels.
    dpi : int
        Dots per inch (print size = pixels / dpi).
    fmt : str
        ``png``, ``svg`` or ``pdf``.
    labels : str
        ``none``, ``key`` (see :func:`key_districts`) or ``all``.
    jobs : int
        Worker processes.
    quiet : bool
        No progress bar.
    hide_text : bool
        Draw no text (image comparison tests).
    overwrite : bool
        Write into a non-empty *out_dir*, replacing same-named frames only.

    Returns
    -------
    list of pathlib.Path
        The files, in date order.
    """
    if jobs < 1:
        raise ValidationError([Problem("--jobs", "", "a whole number >= 1", repr(jobs))])
    data = scene_data(project, size=size, dpi=dpi, fmt=fmt, labels=labels, hide_text=hide_text)
    names = [f"{spec.day.isoformat()}.{fmt}" for spec in data.days]
    out_dir = Path(out_dir)
    jobs = min(jobs, len(names))
    with io.output_dir(out_dir, overwrite=overwrite) as tmp:
        if jobs == 1:
            scene = FrameScene(data)
            for i in progress(range(len(names)), desc="frames", quiet=quiet):
                scene.save(i, tmp / names[i])
        else:
            pool = None
            try:
                with _sigint_deferred():  # a Ctrl-C while workers start arrives after, here
                    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_mp_context(),
                                               initializer=_init_worker, initargs=(data,))
                    futures = [pool.submit(_render_in_worker, i, str(tmp / name))
                               for i, name in enumerate(names)]
                for fut in progress(as_completed(futures), total=len(futures), desc="frames",
                                    quiet=quiet):
                    fut.result()
            except BaseException:  # failure or Ctrl-C: end the workers now, not after the queue
                if pool is not None:
                    _end_workers(pool)
                raise
            pool.shutdown()
    return [out_dir / name for name in names]


# ----------------------------------------------------------------------------- animation
