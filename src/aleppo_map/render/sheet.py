"""Contact sheet: small multiples of chosen days on one page."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from aleppo_map import _io as io
from aleppo_map._errors import Problem, ValidationError
from aleppo_map.render.scene import _legend_handles, draw_map, paint, scene_data
from aleppo_map.render.style import _INK, _MUTED, _SEA, FONT, SHEET_DPI, SHEET_FORMATS, SHEET_WIDTH_IN
from aleppo_map.render.text import nice_length

if TYPE_CHECKING:
    import pandas as pd

    from aleppo_map.project import Project



def contact_sheet_days(project: Project, every: int = 4, busiest: int = 3) -> list[date]:
    """Choose the default days of the contact sheet.

    Every *every*-th day from the first, the last day, and the *busiest* days with
    the most districts changing state (earlier first on ties), in date order.

    Parameters
    ----------
    project : Project
        Loaded inputs.
    every : int
        Step between regular days.
    busiest : int
        How many of the busiest days to add.

    Returns
    -------
    list of datetime.date
        The days.
    """
    tl = project.timeline
    chosen = set(tl.dates[::every]) | {tl.dates[-1]}
    per_day = changes_per_day(project).iloc[1:]
    top = sorted(per_day[per_day > 0].items(), key=lambda kv: (-kv[1], kv[0]))[:busiest]
    chosen |= {d for d, _ in top}
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
    >>> sheet_grid(13), sheet_grid(3)
    ((4, 4), (3, 1))
    """
    cols = min(n, 4) if n != 9 else 3
    return cols, math.ceil(n / cols)


def write_contact_sheet(project: Project, dest: Path, *,
                        dates: list[str] | None = None, overwrite: bool = False) -> Path:
    """Write small multiples of chosen days on one A4-wide page (PNG or PDF).

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.
    dest : pathlib.Path
        ``.png`` or ``.pdf`` file.
    dates : list of str, optional
        ISO days; default :func:`contact_sheet_days`.
    overwrite : bool
        Replace *dest* when it exists (otherwise that is an error).

    Returns
    -------
    pathlib.Path
        *dest*, written atomically.

    Raises
    ------
    ValidationError
        For a bad suffix or a day outside the timeline.
    """
    from matplotlib.colors import to_rgba_array
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.path import Path as MplPath
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    dest = Path(dest)
    fmt = dest.suffix.lower().lstrip(".")
    if fmt not in SHEET_FORMATS:
        raise ValidationError([Problem("--out", "", "a file name ending in .png or .pdf",
                                       repr(dest.name))])
    days = contact_sheet_days(project) if dates is None else _parse_days(project, dates)
    data = scene_data(project, size=(1600, 1200), dpi=200)
    by_day = {spec.day: spec for spec in data.days}
    cols, rows = sheet_grid(len(days))
    x0, x1, y0, y1 = data.extent
    aspect = (y1 - y0) / (x1 - x0)
    margin, gap = 0.35, 0.08
    panel_w = (SHEET_WIDTH_IN - 2 * margin - (cols - 1) * gap) / cols
    panel_h = panel_w * aspect
    head, cap = 0.75, 0.2
    lines = textwrap.wrap(data.attribution, width=150)
    foot = 0.95 + 0.12 * len(lines)
    height = head + rows * (panel_h + cap + gap) + foot
    fig = Figure(figsize=(SHEET_WIDTH_IN, height), dpi=SHEET_DPI, facecolor="white")
    paths = [MplPath(v, c) for v, c in zip(data.vertices, data.codes, strict=True)]
    fill = to_rgba_array(data.colours)
    k = 0.5
    tl = project.timeline
    for n, d in enumerate(days):
        r, c = divmod(n, cols)
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
        main, hatches = draw_map(ax, data, paths, k)
        paint(main, hatches, paths, fill, by_day[d])
        idx = tl.dates.index(d)
        ax.set_title(f"{d.day} {d:%b %Y}  ·  day {idx + 1}", fontsize=7.5, family=FONT,
                     color=_INK, loc="left", pad=2.5)
        if n == 0:
            length = nice_length((x1 - x0) / 4)
            ax.add_artist(AnchoredSizeBar(
                ax.transData, length, f"{length / 1000:g} km", loc="lower left",
                frameon=False, size_vertical=(y1 - y0) * 0.008, color=_INK, sep=2,
                fontproperties=FontProperties(family=FONT, size=5.5)))
            ax.annotate("N", xy=(0.92, 0.93), xytext=(0.92, 0.78), xycoords="axes fraction",
                        ha="center", va="center", fontsize=6, family=FONT, color=_INK,
                        arrowprops={"arrowstyle": "-|>", "color": _INK, "lw": 0.7})
    first, last = tl.dates[0], tl.dates[-1]
    fig.text(margin / SHEET_WIDTH_IN, 1 - 0.2 / height,
             f"Aleppo: who controlled each district, {first.day} {first:%B} – "
             f"{last.day} {last:%B %Y}", fontsize=12, fontweight="bold", family=FONT,
             color=_INK, va="top")
    fig.text(margin / SHEET_WIDTH_IN, 1 - 0.48 / height,
             f"{len(days)} of {len(tl.dates)} days: "
             + ("every fourth day, the last day and the days with the most changes"
                if dates is None else "chosen days"),
             fontsize=7, family=FONT, color=_MUTED, va="top")
    fig.legend(handles=_legend_handles(data, 0.8), loc="upper left", ncols=3, frameon=False,
               bbox_to_anchor=(margin / SHEET_WIDTH_IN, (foot - 0.05) / height),
               prop={"family": FONT, "size": 6.5}, handlelength=1.5, handleheight=1.1)
    fig.text(margin / SHEET_WIDTH_IN, 0.12 / height, "\n".join(lines), fontsize=5,
             family=FONT, color=_MUTED, va="bottom", linespacing=1.3)
    meta = ({"Title": "Aleppo contact sheet", "Subject": data.attribution,
             "Creator": "aleppo-map", "CreationDate": None} if fmt == "pdf"
            else {"Title": "Aleppo contact sheet", "Source": data.attribution})
    with io.output_file(dest, overwrite=overwrite) as tmp:
        fig.savefig(tmp, format=fmt, dpi=SHEET_DPI, metadata=meta)
    return dest
