"""Daily frames: one image per day, serially or on worker processes."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aleppo_map import _io as io
from aleppo_map._errors import Problem, ValidationError
from aleppo_map.render.parallel import render_days
from aleppo_map.render.scene import scene_data

if TYPE_CHECKING:
    from aleppo_map.project import Project



def render_frames(
    project: Project,
    out_dir: Path,
    *,
    size: tuple[int, int] = (1600, 1200),
    dpi: int = 200,
    fmt: str = "png",
    labels: str = "changed",
    jobs: int = 1,
    scheduler: str | None = None,
    quiet: bool = False,
    hide_text: bool = False,
    title: str | None = None,
    subtitle: str | None = None,
    byline: str = "",
    note: str = "",
    overwrite: bool = False,
    label_lang: str = "en",
    basemap: Any = None,
    tile_cache: Path | str | None = None,
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
        ``changed`` (default: per day the districts that changed that day, with the key
        districts and the Citadel; placed without overlaps, the ones with no room listed
        under the map), ``none``, ``key`` (see :func:`key_districts`) or ``all``.
    jobs : int
        Local worker processes (a process pool; with ``scheduler="local"``, a local Dask cluster).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``) or ``local``: the days are
        rendered on that cluster's workers, which return the files' bytes.
    quiet : bool
        No progress bar.
    hide_text : bool
        Draw no text (image comparison tests).
    title : str, optional
        Title of every frame; ``{date}`` in it is replaced by the day, else the day
        follows after a comma. Default: the battle's name and the day.
    subtitle : str, optional
        Replaces the day line under the title ("Day 22 of 38 · ...").
    byline, note : str
        Optional footer lines (a credit, a note).
    overwrite : bool
        Write into a non-empty *out_dir*, replacing same-named frames only.
    label_lang : str
        ``en`` (default), ``ar`` (Arabic names) or ``both``.
    basemap : str or xyzservices.TileProvider, optional
        Tiles under the map (``--basemap``; off by default), see
        :mod:`aleppo_map.render.basemap`.
    tile_cache : pathlib.Path or str, optional
        Folder of cached tiles.

    Returns
    -------
    list of pathlib.Path
        The files, in date order.
    """
    if jobs < 1:
        raise ValidationError([Problem("--jobs", "", "a whole number >= 1", repr(jobs))])
    data = scene_data(project, size=size, dpi=dpi, fmt=fmt, labels=labels, hide_text=hide_text,
                      title=title, subtitle=subtitle, byline=byline, note=note,
                      label_lang=label_lang, basemap=basemap, tile_cache=tile_cache)
    names = [f"{spec.day.isoformat()}.{fmt}" for spec in data.days]
    out_dir = Path(out_dir)
    days = render_days(data, kind="file", jobs=jobs, scheduler=scheduler, quiet=quiet)
    # closing(): on a failure or Ctrl-C here, the workers end at once, not at exit
    with io.output_dir(out_dir, overwrite=overwrite) as tmp, contextlib.closing(days):
        for i, payload in days:
            (tmp / names[i]).write_bytes(payload)
    return [out_dir / name for name in names]

