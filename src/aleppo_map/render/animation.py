"""Animations of the daily frames: GIF (Pillow) and MP4 (the ffmpeg of imageio-ffmpeg)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aleppo_map import _io as io
from aleppo_map._errors import AleppoMapError, Problem, ValidationError
from aleppo_map.render.parallel import render_rgb
from aleppo_map.render.scene import scene_data
from aleppo_map.render.style import ANIMATION_FORMATS

if TYPE_CHECKING:

    from aleppo_map.project import Project



def _animation_dest(dest: Path, fmt: str) -> Path:
    suffix = dest.suffix.lower().lstrip(".")
    if suffix == fmt:
        return dest
    if suffix in ANIMATION_FORMATS or not suffix:
        return dest.with_suffix("." + fmt)
    return dest.with_name(dest.name + "." + fmt)


def gif_durations(n: int, fps: float, hold_last: float) -> list[int]:
    """Milliseconds each frame of the GIF shows (the last one held longer).

    GIF stores durations in hundredths of a second, so they are rounded to 10 ms.

    Parameters
    ----------
    n : int
        Number of frames.
    fps : float
        Frames per second.
    hold_last : float
        Extra seconds on the last frame.

    Returns
    -------
    list of int
        Durations in ms.

    Examples
    --------
    >>> gif_durations(3, 2.0, 1.5)
    [500, 500, 2000]
    """
    step = round(100 / fps) * 10
    out = [step] * n
    if n:
        out[-1] = round(100 / fps + 100 * hold_last) * 10
    return out


def _ffmpeg_exe() -> str:
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as exc:
        raise AleppoMapError(
            "MP4 needs ffmpeg, which the imageio-ffmpeg wheel ships: install it "
            "(pip install imageio-ffmpeg) or point IMAGEIO_FFMPEG_EXE at an ffmpeg binary; "
            f"or use --format gif. ({exc})"
        ) from None


def write_animation(
    project: Project,
    dest: Path,
    *,
    fmt: str = "gif",
    fps: float = 2.0,
    hold_last: float = 2.0,
    size: tuple[int, int] = (1000, 750),
    quiet: bool = False,
    dpi: int = 100,
    jobs: int = 1,
    scheduler: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write an animation of the daily frames, as GIF (Pillow) or MP4 (H.264, imageio-ffmpeg).

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.
    dest : pathlib.Path
        Output file. A suffix naming the other format (or none) is replaced by *fmt*'s.
    fmt : str
        ``gif`` or ``mp4``.
    fps : float
        Days per second.
    hold_last : float
        Extra seconds on the last day.
    size : tuple of int
        Frame size in pixels (rounded down to even numbers for MP4).
    quiet : bool
        No progress bar.
    dpi : int
        Dots per inch of the frames (the layout scales with the size).
    jobs, scheduler
        Where the frames are drawn, as for :func:`~aleppo_map.render.frames.render_frames`.
    overwrite : bool
        Replace *dest* when it exists (otherwise that is an error).

    Returns
    -------
    pathlib.Path
        The file written (atomically).

    Raises
    ------
    ValidationError
        For a bad format, rate or hold.
    AleppoMapError
        When MP4 is asked and no ffmpeg is available.
    """
    problems = []
    if fmt not in ANIMATION_FORMATS:
        problems.append(Problem("--format", "", "one of " + ", ".join(ANIMATION_FORMATS),
                                repr(fmt)))
    if not fps > 0:
        problems.append(Problem("--fps", "", "a number > 0", repr(fps)))
    if not hold_last >= 0:
        problems.append(Problem("--hold-last", "", "a number of seconds >= 0", repr(hold_last)))
    if problems:
        raise ValidationError(problems)
    dest = _animation_dest(Path(dest), fmt)
    w, h = size
    if fmt == "mp4":
        exe = _ffmpeg_exe()
        w, h = w - w % 2, h - h % 2
    data = scene_data(project, size=(w, h), dpi=dpi)
    n = len(data.days)
    frames = render_rgb(data, jobs=jobs, scheduler=scheduler, quiet=quiet)
    with io.output_file(dest, overwrite=overwrite) as tmp:
        if fmt == "gif":
            _write_gif(tmp, frames, gif_durations(n, fps, hold_last))
        else:
            _write_mp4(tmp, frames, (w, h), fps, hold_last, exe)
    return dest


def _write_gif(path: Path, frames: Any, durations: list[int]) -> None:
    from PIL import Image

    images = [Image.fromarray(f).quantize(colors=255, method=Image.Quantize.MEDIANCUT,
                                          dither=Image.Dither.NONE) for f in frames]
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:],
                   duration=durations, loop=0, disposal=1)


def _write_mp4(path: Path, frames: Any, size: tuple[int, int], fps: float, hold_last: float,
               exe: str) -> None:
    import os

    import imageio_ffmpeg

    os.environ.setdefault("IMAGEIO_FFMPEG_EXE", exe)
    writer = imageio_ffmpeg.write_frames(
        str(path), size, fps=fps, codec="libx264", pix_fmt_in="rgb24", pix_fmt_out="yuv420p",
        quality=8, macro_block_size=1, output_params=["-movflags", "+faststart", "-f", "mp4"],
        ffmpeg_log_level="error",
    )
    writer.send(None)
    last = None
    for frame in frames:
        writer.send(np.ascontiguousarray(frame))
        last = frame
    for _ in range(math.ceil(hold_last * fps)):
        writer.send(np.ascontiguousarray(last))
    writer.close()


# ----------------------------------------------------------------------------- contact sheet
