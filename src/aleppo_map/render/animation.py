"""Animations of the daily frames: GIF (Pillow) and MP4 (the ffmpeg of imageio-ffmpeg).

GIF holds 256 colours per frame. Every frame is mapped onto one shared palette that
holds the sides' fill and stripe colours exactly (the rest of the palette is fitted
to the frames' other colours), so a side's colour is the same in the GIF as in the
PNG frames and the contact sheet, on every frame.
"""

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
    title: str | None = None,
    subtitle: str | None = None,
    byline: str = "",
    note: str = "",
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
    title, subtitle, byline, note : str, optional
        Texts of the frames (see :func:`~aleppo_map.render.scene.scene_data`).
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
    data = scene_data(project, size=(w, h), dpi=dpi, title=title, subtitle=subtitle,
                      byline=byline, note=note)
    n = len(data.days)
    frames = render_rgb(data, jobs=jobs, scheduler=scheduler, quiet=quiet)
    with io.output_file(dest, overwrite=overwrite) as tmp:
        if fmt == "gif":
            fixed = [*data.colours, *data.hatch_colours]
            _write_gif(tmp, frames, gif_durations(n, fps, hold_last), fixed)
        else:
            _write_mp4(tmp, frames, (w, h), fps, hold_last, exe)
    return dest


def gif_palette(frames: list[np.ndarray], fixed: list[str]) -> Any:
    """One 256-colour palette for every frame: the *fixed* colours exactly, the rest fitted.

    Parameters
    ----------
    frames : list of numpy.ndarray
        ``(h, w, 3)`` uint8 frames (a sample is enough).
    fixed : list of str
        ``#rrggbb`` colours that must be kept exactly (the sides' fills and stripes,
        white).

    Returns
    -------
    PIL.Image.Image
        A ``P`` image carrying the palette, for :meth:`PIL.Image.Image.quantize`.
    """
    from PIL import Image

    exact = []
    for c in [*fixed, "#ffffff"]:
        rgb = tuple(int(c[i:i + 2], 16) for i in (1, 3, 5))
        if rgb not in exact:
            exact.append(rgb)
    sample = np.concatenate([f.reshape(-1, 3) for f in frames])[::3]
    rest = Image.fromarray(sample.reshape(1, -1, 3)).quantize(
        colors=256 - len(exact), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    fitted = (rest.getpalette() or [])[: 3 * (256 - len(exact))]
    palette = [v for rgb in exact for v in rgb] + fitted
    palette += [0] * (768 - len(palette))
    holder = Image.new("P", (1, 1))
    holder.putpalette(palette)
    return holder


def to_palette(frame: np.ndarray, palette: Any) -> Any:
    """Map a frame onto *palette*, each colour to its exact nearest entry (no dithering).

    Pillow's own palette lookup is approximate and may pick a near-duplicate of a side's
    colour; here the nearest entry is found exactly, per distinct colour of the frame,
    so a colour that is in the palette is kept as is.

    Parameters
    ----------
    frame : numpy.ndarray
        ``(h, w, 3)`` uint8 image.
    palette : PIL.Image.Image
        A ``P`` image from :func:`gif_palette`.

    Returns
    -------
    PIL.Image.Image
        The ``P`` image.
    """
    from PIL import Image

    values = list(palette.getpalette() or [])[:768]
    pal = np.asarray(values, dtype=np.int32).reshape(-1, 3)
    f = frame.astype(np.int32)
    packed = (f[..., 0] << 16) | (f[..., 1] << 8) | f[..., 2]
    uniq, inverse = np.unique(packed.ravel(), return_inverse=True)
    rgb = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], axis=1)
    index = np.empty(len(uniq), dtype=np.uint8)
    for lo in range(0, len(uniq), 4096):
        chunk = rgb[lo:lo + 4096]
        dist = ((chunk[:, None, :] - pal[None, :, :]) ** 2).sum(axis=2)
        index[lo:lo + 4096] = dist.argmin(axis=1)
    out = Image.fromarray(index[inverse].reshape(frame.shape[:2]), mode="P")
    out.putpalette(values)
    return out


def _write_gif(path: Path, frames: Any, durations: list[int], fixed: list[str]) -> None:
    rgb = list(frames)
    palette = gif_palette([rgb[0], rgb[len(rgb) // 2], rgb[-1]], fixed)
    images = [to_palette(f, palette) for f in rgb]
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:],
                   duration=durations, loop=0, disposal=1, optimize=False)


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
