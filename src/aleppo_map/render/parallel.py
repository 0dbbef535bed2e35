"""Render the days of a scene serially, on local worker processes, or on a Dask cluster.

Every backend does the same thing: each worker builds the figure once from the
picklable :class:`~aleppo_map.render.scene.SceneData` and renders its share of the
days, returning the encoded file (or the RGB pixels, for animations) to the caller,
which writes them. Workers therefore need no shared file system, and the result is
the same bytes whichever backend drew them.

Backends are registered in :data:`BACKENDS`; the CLI's choices come from it:

* ``serial``: one figure in this process.
* ``processes``: a :class:`~concurrent.futures.ProcessPoolExecutor` of ``jobs`` workers.
* ``dask``: a Dask distributed cluster: a scheduler address (``tcp://host:8786``, from
  ``dask scheduler``/``dask worker``, dask-jobqueue, dask-kubernetes, Coiled), or
  ``local`` for a :class:`distributed.LocalCluster` of ``jobs`` worker processes.

Examples
--------
>>> sorted(BACKENDS)
['dask', 'processes', 'serial']
>>> choose_backend(jobs=1, scheduler=None).name, choose_backend(jobs=2, scheduler=None).name
('serial', 'processes')
>>> choose_backend(jobs=1, scheduler="tcp://127.0.0.1:8786").name
'dask'
"""

from __future__ import annotations

import io
import multiprocessing
import signal
import sys
import uuid
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

from aleppo_map._errors import AleppoMapError
from aleppo_map._io import sigint_held
from aleppo_map._progress import progress_bar

if TYPE_CHECKING:
    import numpy as np

    from aleppo_map.render.scene import FrameScene, SceneData
    from aleppo_map.render.sheet import PanelScene

#: What a worker returns for a day: the encoded frame, the frame's RGB pixels, or the
#: RGB pixels of a contact sheet's panel (the map alone, ``data.size`` pixels).
KINDS: Final[tuple[str, ...]] = ("file", "rgb", "panel")

Result = Any  # bytes for "file", a (h, w, 3) uint8 array for "rgb" and "panel"

# One scene per worker process, keyed by the token of the SceneData it was built from.
_SCENES: dict[str, FrameScene | PanelScene] = {}


def _scene_for(token: str, data: SceneData, kind: str = "file") -> FrameScene | PanelScene:
    scene = _SCENES.get(token)
    if scene is None:
        _SCENES.clear()  # a worker keeps the figure of the current job only
        if kind == "panel":
            from aleppo_map.render.sheet import PanelScene

            scene = _SCENES[token] = PanelScene(data)
        else:
            from aleppo_map.render.scene import FrameScene

            scene = _SCENES[token] = FrameScene(data)
    return scene


def _render_one(scene: FrameScene | PanelScene, i: int, kind: str) -> Result:
    if kind in {"rgb", "panel"}:
        return scene.rgb(i)
    buf = io.BytesIO()
    cast("FrameScene", scene).save(i, buf)  # type: ignore[arg-type]  # savefig writes to any binary file object
    return buf.getvalue()


def render_chunk(token: str, data: SceneData, indices: Sequence[int], kind: str) -> list[tuple[int, Result]]:
    """Render days *indices* of *data* in this process (the task a worker runs).

    Parameters
    ----------
    token : str
        Identifies *data*, so that a worker builds its figure once per job.
    data : SceneData
        The scene.
    indices : Sequence[int]
        Days to render (indices into ``data.days``).
    kind : str
        One of :data:`KINDS`.

    Returns
    -------
    list of (int, bytes or numpy.ndarray)
        One result per day.
    """
    scene = _scene_for(token, data, kind)
    return [(i, _render_one(scene, i, kind)) for i in indices]


def _chunks(indices: Sequence[int], n: int) -> list[list[int]]:
    """Deal *indices* into *n* interleaved chunks (late days are the slow ones)."""
    n = max(1, min(n, len(indices)))
    return [list(indices[k::n]) for k in range(n)]


@dataclass(frozen=True)
class Backend:
    """A way to run :func:`render_chunk` over the days.

    Attributes
    ----------
    name : str
        Registry key.
    description : str
        One line for ``--help``.
    run : callable
        ``(token, data, indices, kind, jobs, scheduler) -> iterator of chunk results``.
    """

    name: str
    description: str
    run: Callable[[str, SceneData, Sequence[int], str, int, str | None],
                  Iterator[list[tuple[int, Result]]]]


def _run_serial(token: str, data: SceneData, indices: Sequence[int], kind: str, _jobs: int,
                _scheduler: str | None) -> Iterator[list[tuple[int, Result]]]:
    scene = _scene_for(token, data, kind)
    try:
        for i in indices:
            yield [(i, _render_one(scene, i, kind))]
    finally:
        _SCENES.clear()


def _mp_context() -> multiprocessing.context.BaseContext:
    """Fork where it is safe and cheap (workers inherit the loaded modules), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.version_info < (3, 12):
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["aleppo_map.render.scene", "matplotlib.figure"])
        return ctx
    return multiprocessing.get_context("spawn")


# What a pool worker renders, set once per process by its initializer: the tasks then carry
# only day indices (a SceneData is megabytes; with fork it is not even pickled).
_JOB: dict[str, Any] = {}


def _init_worker(token: str, data: SceneData, kind: str) -> None:
    """Pool worker initializer: keep the job, and leave Ctrl-C to the parent.

    Ctrl-C reaches the whole process group; the parent alone handles it, and the workers
    finish the day they are drawing.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _JOB.update(token=token, data=data, kind=kind)


def _render_job_days(indices: Sequence[int]) -> list[tuple[int, Result]]:
    """Render days *indices* of the job :func:`_init_worker` set in this process."""
    return render_chunk(_JOB["token"], _JOB["data"], indices, _JOB["kind"])


def _end_workers(pool: ProcessPoolExecutor) -> None:
    """End the pool on failure or Ctrl-C: drop the days not started, let the started ones end.

    A task is one day, so this waits for at most the days the workers are drawing and the
    few already handed to them. Workers are never killed mid-day: one killed while sending
    its image back leaves half a message in the result pipe, on which the pool's manager
    thread then waits for ever, and the interpreter's exit hook waits for that thread.
    """
    pool.shutdown(wait=True, cancel_futures=True)


def _run_processes(token: str, data: SceneData, indices: Sequence[int], kind: str, jobs: int,
                   _scheduler: str | None) -> Iterator[list[tuple[int, Result]]]:
    pool = None
    try:
        # a Ctrl-C while the workers start is raised after, here: one raised inside the
        # interpreter's fork handlers would be swallowed ("Exception ignored") and the run go on
        with sigint_held():
            pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_mp_context(),
                                       initializer=_init_worker, initargs=(token, data, kind))
            # a task per day: the progress bar moves with every image, a failure or Ctrl-C
            # waits for one day per worker at most, and each worker builds its figure once
            futures = [pool.submit(_render_job_days, [i]) for i in indices]
        for fut in as_completed(futures):
            yield fut.result()
    except BaseException:  # a failure, Ctrl-C, or the caller giving up (GeneratorExit)
        if pool is not None:
            _end_workers(pool)
        raise
    pool.shutdown(wait=True)


def _dask_client(scheduler: str, jobs: int) -> tuple[Any, Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise AleppoMapError("--scheduler needs Dask distributed: pip install 'dask[distributed]'") from None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                               dashboard_address=None, host="127.0.0.1")
        return Client(cluster), cluster
    try:
        return Client(scheduler, timeout="20s"), None
    except (OSError, TimeoutError, ValueError) as exc:
        raise AleppoMapError(
            f"--scheduler: expected the address of a running Dask scheduler (e.g. tcp://127.0.0.1:8786, "
            f"started with `dask scheduler`) or 'local', got {scheduler!r}: {exc}"
        ) from None


def _run_dask(token: str, data: SceneData, indices: Sequence[int], kind: str, jobs: int,
              scheduler: str | None) -> Iterator[list[tuple[int, Result]]]:
    from distributed import as_completed as dask_completed

    client, cluster = _dask_client(scheduler or "local", jobs)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or jobs)
        shared = client.scatter(data, broadcast=True)
        futures = [client.submit(render_chunk, token, shared, chunk, kind, pure=False)
                   for chunk in _chunks(indices, n_workers * 2)]
        for fut in dask_completed(futures):
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


#: The backends, by name.
BACKENDS: Final[dict[str, Backend]] = {
    "serial": Backend("serial", "one figure in this process", _run_serial),
    "processes": Backend("processes", "a pool of --jobs local worker processes", _run_processes),
    "dask": Backend("dask", "a Dask distributed cluster (--scheduler ADDRESS or 'local')", _run_dask),
}


def choose_backend(*, jobs: int = 1, scheduler: str | None = None) -> Backend:
    """Pick the backend for the options: a scheduler means Dask, several jobs a process pool.

    Parameters
    ----------
    jobs : int
        Local worker processes (for ``--scheduler local``, the cluster's workers).
    scheduler : str, optional
        A Dask scheduler address, or ``local``.

    Returns
    -------
    Backend
        The backend.
    """
    if scheduler:
        return BACKENDS["dask"]
    return BACKENDS["processes" if jobs > 1 else "serial"]


def render_days(data: SceneData, *, kind: str = "file", jobs: int = 1, scheduler: str | None = None,
                quiet: bool = False, desc: str = "frames") -> Generator[tuple[int, Result], None, None]:
    """Render every day of *data*, yielding ``(index, result)`` as days complete.

    Parameters
    ----------
    data : SceneData
        The scene.
    kind : str
        ``file`` (encoded bytes in ``data.fmt``), ``rgb`` (the frame's pixels) or
        ``panel`` (a contact sheet panel's pixels).
    jobs : int
        Local worker processes.
    scheduler : str, optional
        A Dask scheduler address, or ``local``.
    quiet : bool
        No progress bar.
    desc : str
        Progress bar label.

    Yields
    ------
    tuple of (int, bytes or numpy.ndarray)
        A day's index and its result, in completion order.
    """
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    indices = list(range(len(data.days)))
    jobs = max(1, min(jobs, len(indices) or 1))
    backend = choose_backend(jobs=jobs, scheduler=scheduler)
    token = uuid.uuid4().hex
    bar = progress_bar(len(indices), desc=desc, quiet=quiet)
    runner = backend.run(token, data, indices, kind, jobs, scheduler)
    try:
        for chunk in runner:
            yield from chunk
            bar.update(len(chunk))
    finally:
        # a caller that stops early (a failure, Ctrl-C) ends the workers now, not at exit
        getattr(runner, "close", lambda: None)()
        bar.close()


def render_rgb(data: SceneData, *, jobs: int = 1, scheduler: str | None = None,
               quiet: bool = False, desc: str = "animation") -> list[np.ndarray]:
    """Render every day's pixels, in day order.

    Parameters
    ----------
    data : SceneData
        The scene.
    jobs, scheduler, quiet, desc
        As for :func:`render_days`.

    Returns
    -------
    list of numpy.ndarray
        One (height, width, 3) array per day.
    """
    out: dict[int, np.ndarray] = dict(render_days(data, kind="rgb", jobs=jobs, scheduler=scheduler,
                                                  quiet=quiet, desc=desc))
    return [out[i] for i in range(len(out))]
