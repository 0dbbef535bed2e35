"""Contact sheet: small multiples of chosen days on one page.

The grid is chosen to fit the number of days: every cell holds a day's map, except
that when the days do not fill the last row, the legend takes its free cells, so no
cell is left empty. The default days are topped up with the next busiest days to
fill whole rows. Panels, titles, legend and footer do not overlap (tested on their
bounding boxes).

A PDF sheet is vector throughout (its panels are drawn in this process). A PNG sheet's
panels are drawn as images at the sheet's resolution by the frame backends of
:mod:`aleppo_map.render.parallel` (in this process, on ``--jobs`` worker processes or on
a Dask cluster), each worker building its panel figure once (:class:`PanelScene`); the
same code draws every panel wherever it runs, so the sheet does not depend on where.
"""

from __future__ import annotations

import dataclasses
import math
import textwrap
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from aleppo_map import _io as io
from aleppo_map._errors import Problem, ValidationError
from aleppo_map.render.scene import SceneData, _legend_handles, draw_map, paint, scene_data
from aleppo_map.render.style import (
    _INK,
    _MUTED,
    _SEA,
    FONT,
    SHEET_DPI,
    SHEET_FORMATS,
    SHEET_STRIPES_ACROSS,
    SHEET_WIDTH_IN,
    vector_text,
)
from aleppo_map.render.text import nice_length

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from matplotlib.figure import Figure

    from aleppo_map.project import Project


def contact_sheet_days(project: Project, every: int = 4, busiest: int = 3,
                       fill_rows: bool = False) -> list[date]:
    """Choose the default days of the contact sheet.

    Every *every*-th day from the first, the last day, and the *busiest* days with
    the most districts changing state (earlier first on ties), in date order.
    With *fill_rows*, further days (the next busiest, then the earliest not yet
    shown) are added until the days fill whole rows of :func:`sheet_grid`.

    Parameters
    ----------
    project : Project
        Loaded inputs.
    every : int
        Step between regular days.
    busiest : int
        How many of the busiest days to add.
    fill_rows : bool
        Add days until no cell of the grid stays free.

    Returns
    -------
    list of datetime.date
        The days.
    """
    tl = project.timeline
    chosen = set(tl.dates[::every]) | {tl.dates[-1]}
    per_day = changes_per_day(project).iloc[1:]
    top = sorted(per_day[per_day > 0].items(), key=lambda kv: (-kv[1], kv[0]))[:busiest]
    chosen |= {cast(date, d) for d, _ in top}
    if fill_rows:
        ranked = [cast(date, d)
                  for d, _ in sorted(per_day.items(), key=lambda kv: (-kv[1], kv[0]))]
        ranked += [d for d in tl.dates if d not in ranked]
        for d in ranked:
            cols, rows = sheet_grid(len(chosen))
            if cols * rows == len(chosen):
                break
            chosen.add(d)
    return sorted(chosen)


def changes_per_day(project: Project) -> pd.Series:
    """Count the districts whose state (holder, share or split) differs from the day before.

    Parameters
    ----------
    project : Project
        Loaded inputs.

    Returns
    -------
    pandas.Series
        Count indexed by date (0 on the first day).
    """
    st = project.timeline.states
    key = st["controller"].astype(str) + "/" + st["remainder"].astype(str) + "/" \
        + st["share"].round(4).astype(str)
    wide = st.assign(key=key).pivot(index="date", columns="district_id", values="key")
    changed = (wide != wide.shift()).sum(axis=1)
    changed.iloc[0] = 0
    return changed.astype(int)


def _parse_days(project: Project, dates: Sequence[str | date]) -> list[date]:
    tl = project.timeline
    problems, out = [], []
    for raw in dates:
        try:
            d = raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
        except ValueError:
            problems.append(Problem("--dates", "", "ISO dates YYYY-MM-DD separated by commas",
                                    repr(raw)))
            continue
        if not tl.dates[0] <= d <= tl.dates[-1]:
            problems.append(Problem("--dates", "", f"a day from {tl.dates[0]} to {tl.dates[-1]}",
                                    d.isoformat()))
            continue
        out.append(d)
    if not dates:
        problems.append(Problem("--dates", "", "at least one day", "none"))
    if problems:
        raise ValidationError(problems)
    return sorted(set(out))


def sheet_grid(n: int) -> tuple[int, int]:
    """Columns and rows of a contact sheet of *n* panels.

    Up to four panels sit in one row; beyond, three to five columns, the fewest free
    cells in the last row first, then four columns, then more columns (shorter page).

    Parameters
    ----------
    n : int
        Number of panels.

    Returns
    -------
    tuple of int
        ``(columns, rows)``.

    Examples
    --------
    >>> sheet_grid(12), sheet_grid(13), sheet_grid(9), sheet_grid(3), sheet_grid(10)
    ((4, 3), (5, 3), (3, 3), (3, 1), (5, 2))
    """
    if n <= 4:
        return max(n, 1), 1
    best = min((3, 4, 5), key=lambda c: (-(n % c) % c, c != 4, -c))
    return best, math.ceil(n / best)


def write_contact_sheet(project: Project, dest: Path, *,
                        dates: list[str] | None = None, title: str | None = None,
                        subtitle: str | None = None, byline: str = "",
                        note: str = "", overwrite: bool = False, jobs: int = 1,
                        scheduler: str | None = None, quiet: bool = True) -> Path:
    """Write small multiples of chosen days on one A4-wide page (PNG or PDF).

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.
    dest : pathlib.Path
        ``.png`` or ``.pdf`` file.
    dates : list of str, optional
        ISO days; default :func:`contact_sheet_days` (filling whole rows).
    title, subtitle : str, optional
        Replace the page's title and the line under it.
    byline, note : str
        Optional footer lines.
    overwrite : bool
        Replace *dest* when it exists (otherwise that is an error).
    jobs : int
        Worker processes drawing the panels of a PNG sheet (1: this process).
    scheduler : str, optional
        A Dask scheduler address (or ``local``) drawing the panels of a PNG sheet.
    quiet : bool
        No progress bar while the panels are drawn.

    Returns
    -------
    pathlib.Path
        *dest*, written atomically.

    Raises
    ------
    ValidationError
        For a bad suffix, a day outside the timeline, or workers asked for a PDF (whose
        vector panels are drawn in this process).
    """
    dest = Path(dest)
    fmt = dest.suffix.lower().lstrip(".")
    if fmt not in SHEET_FORMATS:
        raise ValidationError([Problem("--out", "", "a file name ending in .png or .pdf",
                                       repr(dest.name))])
    if fmt == "pdf" and (jobs > 1 or scheduler):
        raise ValidationError([Problem(
            "--jobs/--scheduler", "", "a .png sheet (a PDF sheet's vector panels are drawn in "
            "this process)", f"{dest.name} with " + (f"--scheduler {scheduler}" if scheduler
                                                     else f"--jobs {jobs}"))])
    days = (contact_sheet_days(project, fill_rows=True) if dates is None
            else _parse_days(project, dates))
    panels = None
    if fmt == "png":
        from aleppo_map.render.parallel import render_days

        data = sheet_scene_data(project)
        w_in, h_in = panel_inches(data, len(days))
        by_day = {spec.day: spec for spec in data.days}
        panel_data = dataclasses.replace(
            data, days=[by_day[d] for d in days], dpi=SHEET_DPI,
            size=(round(w_in * SHEET_DPI), round(h_in * SHEET_DPI)))
        done = dict(render_days(panel_data, kind="panel", jobs=jobs, scheduler=scheduler,
                                quiet=quiet, desc="panels"))
        panels = [done[i] for i in range(len(days))]
    fig = sheet_figure(project, days, default_days=dates is None, title=title,
                       subtitle=subtitle, byline=byline, note=note, panels=panels)
    first = project.timeline.dates[0]
    meta_title = f"{project.battle.name} contact sheet from {first.isoformat()}"
    meta = ({"Title": meta_title, "Subject": fig.get_label(), "CreationDate": None}
            if fmt == "pdf" else {"Title": meta_title, "Source": fig.get_label()})
    with io.output_file(dest, overwrite=overwrite) as tmp, vector_text():
        fig.savefig(tmp, format=fmt, dpi=SHEET_DPI, metadata=meta)
    return dest


def sheet_scene_data(project: Project) -> SceneData:
    """Build the scene every panel of a contact sheet is drawn from.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.

    Returns
    -------
    SceneData
        Districts, days and context at the sheet's stripe density.
    """
    return scene_data(project, size=(1600, 1200), dpi=200, stripes_across=SHEET_STRIPES_ACROSS)


#: Page margin and gap between panels, inches.
_MARGIN, _GAP = 0.35, 0.08


def panel_inches(data: SceneData, n: int) -> tuple[float, float]:
    """Width and height of one panel of a sheet of *n* days, in inches.

    Parameters
    ----------
    data : SceneData
        The scene (its extent gives the aspect).
    n : int
        Number of panels.

    Returns
    -------
    tuple of float
        ``(width, height)``.
    """
    cols, _ = sheet_grid(n)
    x0, x1, y0, y1 = data.extent
    width = (SHEET_WIDTH_IN - 2 * _MARGIN - (cols - 1) * _GAP) / cols
    return width, width * (y1 - y0) / (x1 - x0)


class PanelScene:
    """One panel's map drawn once, repainted for each day (what a worker keeps).

    Parameters
    ----------
    data : SceneData
        The scene; ``data.size`` is the panel in pixels at ``data.dpi``.
    """

    def __init__(self, data: SceneData) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.colors import to_rgba_array
        from matplotlib.figure import Figure
        from matplotlib.path import Path as MplPath

        self.data = data
        w_px, h_px = data.size
        self.fig = Figure(figsize=(w_px / data.dpi, h_px / data.dpi), dpi=data.dpi,
                          facecolor=_SEA)
        self.canvas = FigureCanvasAgg(self.fig)
        ax = self.fig.add_axes((0.0, 0.0, 1.0, 1.0))
        x0, x1, y0, y1 = data.extent
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_axis_off()
        self.paths = [MplPath(v, c) for v, c in zip(data.vertices, data.codes, strict=True)]
        self.fill = to_rgba_array(data.colours)
        self.artists = draw_map(ax, data, self.paths, 0.5)

    def rgb(self, i: int) -> np.ndarray:
        """Paint day *i* and return the panel's pixels.

        Parameters
        ----------
        i : int
            Index into ``data.days``.

        Returns
        -------
        numpy.ndarray
            ``(height, width, 3)`` uint8 image.
        """
        import numpy as np

        paint(self.artists, self.data, self.paths, self.fill, self.data.days[i])
        self.canvas.draw()
        return np.asarray(self.canvas.buffer_rgba())[..., :3].copy()


def sheet_figure(project: Project, days: Sequence[date], *, default_days: bool = False,
                 title: str | None = None, subtitle: str | None = None, byline: str = "",
                 note: str = "", panels: Sequence[np.ndarray] | None = None) -> Figure:
    """Lay out the contact sheet of *days* (see :func:`write_contact_sheet`).

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.
    days : Sequence[datetime.date]
        The days, in order.
    default_days : bool
        Whether the days are the default choice (said under the title).
    title, subtitle : str, optional
        Replace the page's title and the line under it.
    byline, note : str
        Optional footer lines.
    panels : Sequence of numpy.ndarray, optional
        The days' maps already drawn (:class:`PanelScene`), one per day; drawn here as
        vectors when not given.

    Returns
    -------
    matplotlib.figure.Figure
        The page, its label the attribution line.
    """
    from matplotlib.colors import to_rgba_array
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.path import Path as MplPath
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    battle = project.battle
    data = sheet_scene_data(project)
    by_day = {spec.day: spec for spec in data.days}
    n = len(days)
    cols, rows = sheet_grid(n)
    free = cols * rows - n
    x0, x1, y0, y1 = data.extent
    margin, gap = _MARGIN, _GAP
    panel_w, panel_h = panel_inches(data, n)
    head, cap = 0.75, 0.2
    lines = textwrap.wrap(data.attribution, width=150)
    extra = [t for t in (note, byline) if t]
    extra_lines = [ln for t in extra for ln in textwrap.wrap(t, width=120)]
    # the legend fills the free cells of the last row, else it goes below the panels
    legend_below, font, handles, ncols = True, 6.5, _legend_handles(data, 0.8, 40), 3
    if free:
        room_w, room_h = free * (panel_w + gap) - gap, panel_h + cap
        for size in (6.5, 6.0, 5.5, 5.0, 4.5):
            wrap = max(12, int((room_w - 0.35) / (0.5 * size / 72)))
            trial = _legend_handles(data, 0.8, wrap)
            w, h = _legend_size(trial, size, 1)
            if w <= room_w and h <= room_h:
                legend_below, font, handles, ncols = False, size, trial, 1
                break
    legend_h = _legend_size(handles, font, ncols)[1] + 0.15 if legend_below else 0.0
    foot = 0.25 + 0.12 * len(lines) + 0.14 * len(extra_lines) + legend_h
    height = head + rows * (panel_h + cap + gap) + foot
    fig = Figure(figsize=(SHEET_WIDTH_IN, height), dpi=SHEET_DPI, facecolor="white")
    fig.set_label(data.attribution)
    paths = [MplPath(v, c) for v, c in zip(data.vertices, data.codes, strict=True)]
    fill = to_rgba_array(data.colours)
    k = 0.5
    first_day = battle.first_day
    for i, d in enumerate(days):
        r, c = divmod(i, cols)
        left = margin + c * (panel_w + gap)
        bottom = height - head - (r + 1) * (panel_h + cap + gap) + gap
        ax = fig.add_axes((left / SHEET_WIDTH_IN, bottom / height, panel_w / SHEET_WIDTH_IN,
                           panel_h / height))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor(_SEA)
        for spine in ax.spines.values():
            spine.set_color("#9a9a9a")
            spine.set_linewidth(0.4)
        if panels is None:
            paint(draw_map(ax, data, paths, k), data, paths, fill, by_day[d])
        else:
            ax.imshow(panels[i], extent=(x0, x1, y0, y1), origin="upper", aspect="auto",
                      interpolation="nearest", zorder=0)
        day_no = (d - first_day).days + 1
        ax.set_title(f"{d.day} {d:%b %Y}  ·  day {day_no}", fontsize=7.5, family=FONT,
                     color=_INK, loc="left", pad=2.5)
        if i == 0:
            length = nice_length((x1 - x0) / 4)
            ax.add_artist(AnchoredSizeBar(
                ax.transData, length, f"{length / 1000:g} km", loc="lower left",
                frameon=False, size_vertical=(y1 - y0) * 0.008, color=_INK, sep=2,
                fontproperties=FontProperties(family=FONT, size=5.5)))
            ax.annotate("N", xy=(0.92, 0.93), xytext=(0.92, 0.78), xycoords="axes fraction",
                        ha="center", va="center", fontsize=6, family=FONT, color=_INK,
                        arrowprops={"arrowstyle": "-|>", "color": _INK, "lw": 0.7})
    tl = project.timeline
    first, last = tl.dates[0], tl.dates[-1]
    heading = title if title is not None else (
        f"{battle.name}: who controlled each district, {first.day} {first:%B} – "
        f"{last.day} {last:%B %Y}")
    fig.text(margin / SHEET_WIDTH_IN, 1 - 0.2 / height, heading, fontsize=12,
             fontweight="bold", family=FONT, color=_INK, va="top")
    sub = subtitle if subtitle is not None else (
        f"{n} of {len(tl.dates)} days: "
        + ("every fourth day, the last day and the days with the most changes"
           if default_days else "chosen days"))
    fig.text(margin / SHEET_WIDTH_IN, 1 - 0.48 / height, sub, fontsize=7, family=FONT,
             color=_MUTED, va="top")
    legend_kw = _legend_kw(handles, font, ncols)
    if legend_below:
        fig.legend(loc="upper left",
                   bbox_to_anchor=(margin / SHEET_WIDTH_IN, (foot - 0.1) / height),
                   **legend_kw)
    else:
        left = margin + (cols - free) * (panel_w + gap)
        top = height - head - (rows - 1) * (panel_h + cap + gap)
        fig.legend(loc="upper left", bbox_to_anchor=(left / SHEET_WIDTH_IN, top / height),
                   **legend_kw)
    y = 0.12
    fig.text(margin / SHEET_WIDTH_IN, y / height, "\n".join(lines), fontsize=5,
             family=FONT, color=_MUTED, va="bottom", linespacing=1.3)
    y += 0.12 * len(lines) + 0.06
    for text in (byline, note):
        if not text:
            continue
        wrapped = textwrap.wrap(text, width=120)
        fig.text(margin / SHEET_WIDTH_IN, y / height, "\n".join(wrapped), fontsize=6.2,
                 family=FONT, color=_INK, va="bottom", linespacing=1.25,
                 fontweight="bold" if text is byline else "normal")
        y += 0.14 * len(wrapped)
    return fig


def _legend_kw(handles: list[Any], size: float, ncols: int) -> dict[str, Any]:
    return {"handles": handles, "frameon": False, "prop": {"family": FONT, "size": size},
            "handlelength": 1.5, "handleheight": 1.1, "borderaxespad": 0, "ncols": ncols,
            "title": "Who controls the district", "title_fontsize": size + 0.5,
            "alignment": "left"}


def _legend_size(handles: list[Any], size: float, ncols: int) -> tuple[float, float]:
    """Width and height in inches of the sheet's legend, measured on a scratch figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(SHEET_WIDTH_IN, 4), dpi=SHEET_DPI)
    FigureCanvasAgg(fig)
    legend = fig.legend(loc="upper left", **_legend_kw(handles, size, ncols))
    box = legend.get_window_extent()
    return box.width / SHEET_DPI, box.height / SHEET_DPI
