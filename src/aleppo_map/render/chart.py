"""Charts: the stacked area held by each side per day, and the shares of the reference area."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from aleppo_map import _io as io
from aleppo_map._errors import Problem, ValidationError
from aleppo_map.analysis import areas
from aleppo_map.render.style import vector_text
from aleppo_map.render.text import crs_name, metric_crs

if TYPE_CHECKING:
    import pandas as pd

    from aleppo_map.project import Project

#: Image formats :func:`write_chart` writes, chosen by the file's suffix.
CHART_FORMATS: Final[tuple[str, ...]] = ("png", "pdf", "svg")


def write_chart(project: Project, dest: Path, *, overwrite: bool = False) -> Path:
    """Write a stacked-area chart of the km² held by each side, with the east's shares below.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.
    dest : pathlib.Path
        Output image; the format follows the suffix (``.png``, ``.pdf`` or ``.svg``).
    overwrite : bool
        Replace *dest* when it exists (otherwise that is an error).

    Returns
    -------
    pathlib.Path
        *dest*, written atomically.

    Raises
    ------
    ValidationError
        When the suffix is not one of those formats.
    """
    from matplotlib.dates import DateFormatter, DayLocator
    from matplotlib.figure import Figure

    dest = Path(dest)
    fmt = dest.suffix.lower().lstrip(".")
    if fmt not in CHART_FORMATS:
        raise ValidationError([Problem("--chart", "", "a file name ending in "
                                       + ", ".join("." + f for f in CHART_FORMATS),
                                       repr(dest.name))])
    table = areas.daily_stats(project)
    days = list(project.timeline.dates)
    battle = project.battle
    sides = [s for s in battle.side_ids if f"{s}_km2" in table]
    colours = [project.settings.colours[s] for s in sides]
    labels = [battle.labels[s] for s in sides]
    ref = battle.reference
    ref_key = f"east_{ref.side}_pct" if ref is not None else ""
    has_east = ref_key in table and not table[ref_key].isna().all()
    fig = Figure(figsize=(8, 6.5 if has_east else 4.5), dpi=150, layout="constrained")
    axes = fig.subplots(2 if has_east else 1, 1, sharex=True, squeeze=False)[:, 0]
    ax = axes[0]
    _stack_steps(ax, days, [table[f"{s}_km2"] for s in sides], colours, labels)
    ax.set_ylabel("km² held")
    ax.set_ylim(0, float(table["total_km2"].iloc[0]) * 1.001 or 1)
    ax.set_title(f"Area held by each side, {days[0]:%-d %B %Y} to {days[-1]:%-d %B %Y}",
                 loc="left", fontsize=11)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    if has_east and ref is not None:
        ex = axes[1]
        _stack_steps(ex, days, [table[f"east_{s}_pct"] for s in sides], colours, labels)
        ex.set_ylim(0, 100)
        ex.set_ylabel("% of the area")
        first = battle.first_day
        ex.set_title(f"{ref.label[:1].upper()}{ref.label[1:]} (the area "
                     f"{battle.shorts[ref.side]} held on {first.day} {first:%B}, day one)",
                     loc="left", fontsize=10)
    for a in axes:
        a.set_xlim(days[0], days[-1] + timedelta(days=1))
        a.margins(x=0)
        a.grid(axis="y", linewidth=0.4, alpha=0.5)
    axes[-1].xaxis.set_major_locator(DayLocator(interval=7))
    axes[-1].xaxis.set_minor_locator(DayLocator())
    axes[-1].xaxis.set_major_formatter(DateFormatter("%-d %b"))
    source = project.layer.source if project.layer is not None else "embedded"
    credit = project.layer.attribution if project.layer is not None else ""
    basis = (f"the embedded district layer ({credit})" if credit and str(source) == "embedded"
             else "approximate boundaries (built-in gazetteer)" if str(source) == "embedded"
             else f"boundaries: {Path(str(source)).name}")
    fig.supxlabel(f"One step per day. Areas in {crs_name(metric_crs(project))} from {basis}; "
                  "a split district counts by each side's share.",
                  fontsize=6, color="#555555", x=0.01, ha="left")
    with io.output_file(dest, overwrite=overwrite) as tmp, vector_text():
        fig.savefig(tmp, format=fmt)
    return dest


def _stack_steps(ax: Any, days: list[date], series: list[pd.Series], colours: list[str],
                 labels: list[str]) -> None:
    """Stack daily values as steps: each day's value holds from its start to the next day."""
    x = [*days, days[-1] + timedelta(days=1)]
    base = np.zeros(len(x))
    for values, colour, label in zip(series, colours, labels, strict=True):
        v = np.asarray(values, dtype=float)
        top = base + np.append(v, v[-1])
        ax.fill_between(x, base, top, step="post", color=colour, label=label, linewidth=0)
        base = top
