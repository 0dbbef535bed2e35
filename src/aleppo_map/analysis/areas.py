"""Areas and shares: who held how much, per district and per day.

Every area is computed in a metric CRS (UTM zone 37N), never in degrees.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from aleppo_map.settings import CONTROLLERS

if TYPE_CHECKING:
    from aleppo_map.project import Project

#: Sectors left out of the formerly rebel-held east: districts outside the city proper.
EAST_EXCLUDED_SECTORS: Final[tuple[str, ...]] = ("outskirts",)
#: Image formats :func:`write_chart` writes, chosen by the file's suffix.
CHART_FORMATS: Final[tuple[str, ...]] = ("png", "pdf", "svg")


def state_table(project: Project, day: str | date) -> pd.DataFrame:
    """Every district's state on one day, for printing.

    Parameters
    ----------
    project : Project
        Loaded inputs.
    day : str or datetime.date
        The day.

    Returns
    -------
    pandas.DataFrame
        One row per district: ``district_id``, ``name_en``, ``controller``,
        ``extent``, ``share``, ``remainder``, ``since``, ``change_id``, ``basis``,
        ``confidence``, ``source_id``, ``line``.
    """
    from aleppo_map._errors import Problem, ValidationError

    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            raise ValidationError(
                [Problem("--date", "", "an ISO date YYYY-MM-DD", repr(day))]
            ) from None
    st = project.timeline.state_on(day).reset_index()
    rows = project.changes.set_index("change_id")
    gaz = project.gazetteer
    return pd.DataFrame(
        {
            "district_id": st["district_id"],
            "name_en": gaz.frame["name_en"].reindex(st["district_id"]).astype(str).to_numpy(),
            "controller": st["controller"],
            "extent": st["extent"],
            "share": st["share"].round(3),
            "remainder": st["remainder"].fillna(""),
            "since": [s.isoformat() for s in st["since"]],
            "change_id": st["change_id"],
            "basis": rows.loc[st["change_id"], "basis"].to_numpy(),
            "confidence": rows.loc[st["change_id"], "confidence"].to_numpy(),
            "source_id": rows.loc[st["change_id"], "source_id"].to_numpy(),
            "line": rows.loc[st["change_id"], "line"].to_numpy(),
        }
    )


def district_areas(project: Project) -> pd.Series:
    """Area of every district in km², computed in the metric CRS.

    Polygons are measured in ``settings.metric_crs`` (UTM zone 37N). A district the
    boundary file lacks (drawn as a point) has no polygon to measure: it counts with
    the area the layer gives it (the gazetteer's estimate), so that it is never
    silently dropped from the totals.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.

    Returns
    -------
    pandas.Series
        km² indexed by ``district_id``, in timeline order.
    """
    layer = _layer(project)
    gdf = layer.gdf
    metric = gdf.geometry.to_crs(project.settings.metric_crs).area / 1e6
    is_point = gdf["geom_kind"] == "point"
    fallback = pd.to_numeric(gdf["area_km2"], errors="coerce").fillna(0.0)
    areas = metric.where(~is_point, fallback).astype(float)
    return areas.reindex(project.timeline.district_ids).fillna(0.0).rename("area_km2")


def _layer(project: Project):
    from aleppo_map._errors import AleppoMapError

    if project.layer is None:
        raise AleppoMapError("areas need the district geometry: load the project with its layer")
    return project.layer


def east_ids(project: Project) -> list[str]:
    """List the districts of the formerly rebel-held east: any rebel share on 15 November (day one).

    Districts of the sectors in :data:`EAST_EXCLUDED_SECTORS` (outside the city) are
    left out.

    Parameters
    ----------
    project : Project
        Loaded inputs.

    Returns
    -------
    list of str
        District ids in timeline order (empty when the rebels held nothing on 15 November (day one)).
    """
    first = _opening(project)["rebel"]
    held = {d for d, r in zip(project.timeline.district_ids, first, strict=True) if r > 0}
    inside = _in_city(project)
    return [d for d, ok in zip(project.timeline.district_ids, inside, strict=True)
            if ok and d in held]


def _in_city(project: Project) -> np.ndarray:
    """Per timeline district, whether its sector counts for the east (not outskirts)."""
    ids = project.timeline.district_ids
    gdf = project.layer.gdf if project.layer is not None else None
    if gdf is None or "sector" not in gdf.columns:
        return np.ones(len(ids), dtype=bool)
    sector = gdf["sector"].reindex(ids).fillna("").astype(str)
    return ~sector.isin(EAST_EXCLUDED_SECTORS).to_numpy()


def east_km2(project: Project) -> float:
    """Measure the formerly rebel-held east: the area the rebels held on 15 November (day one).

    Each district counts with its area times the rebels' share of it on the first
    day (a district 5% rebel-held adds 5% of its area), so that a large district
    the rebels barely held does not pass for rebel territory. Districts outside the
    city (:data:`EAST_EXCLUDED_SECTORS`) are left out.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.

    Returns
    -------
    float
        km² (0 when the rebels held nothing on 15 November (day one)).
    """
    return _east_km2(project, _areas(project))


def _east_km2(project: Project, a: np.ndarray) -> float:
    """:func:`east_km2` with the district areas *a* (timeline order) already measured."""
    return float((a * _opening(project)["rebel"] * _in_city(project)).sum())


def _areas(project: Project) -> np.ndarray:
    """Area (km²) of every timeline district, in timeline order."""
    return district_areas(project).reindex(project.timeline.district_ids).to_numpy(dtype=float)


def _intervals(project: Project) -> tuple[pd.DataFrame, np.ndarray, dict[str, np.ndarray]]:
    """Return the intervals, the timeline position of each one's district, and its fractions."""
    from aleppo_map.timeline import side_fractions

    tl = project.timeline
    iv = tl.intervals
    pos = pd.Index(tl.district_ids).get_indexer(iv["district_id"])
    return iv, pos, side_fractions(iv)


def _daily(iv: pd.DataFrame, n_days: int, weights: np.ndarray) -> np.ndarray:
    """Sum per day of per-interval *weights*, from the change intervals.

    A difference array over days: each interval adds its weight on its first day and
    takes it away on the day after its last; a cumulative sum then gives every day's
    total. Time O(intervals + days), whatever the number of districts. Sums are carried
    in extended precision so that the totals match a direct sum to the last printed digit.

    Parameters
    ----------
    iv : pandas.DataFrame
        Intervals (``first`` and ``stop`` day indices).
    n_days : int
        Days of the timeline.
    weights : numpy.ndarray
        ``(intervals,)`` or ``(intervals, k)`` values.

    Returns
    -------
    numpy.ndarray
        ``(days,)`` or ``(days, k)`` float64 totals.
    """
    w = np.asarray(weights, dtype=np.longdouble)
    diff = np.zeros((n_days + 1, *w.shape[1:]), dtype=np.longdouble)
    np.add.at(diff, iv["first"].to_numpy(dtype=np.int64), w)
    np.add.at(diff, iv["stop"].to_numpy(dtype=np.int64), -w)
    return np.cumsum(diff[:-1], axis=0).astype(float)


def _nonneg(values: np.ndarray) -> np.ndarray:
    """Clear the rounding residue of sums that cannot be negative (no ``-0.0`` printed)."""
    out = np.where(values < 0, 0.0, values)
    return out + 0.0


def _daily_counts(iv: pd.DataFrame, n_days: int, flags: np.ndarray) -> np.ndarray:
    """Count the intervals flagged on each day, exactly (integer difference array)."""
    f = np.asarray(flags, dtype=bool)
    diff = (np.bincount(iv["first"].to_numpy(dtype=np.int64)[f], minlength=n_days + 1)
            - np.bincount(iv["stop"].to_numpy(dtype=np.int64)[f], minlength=n_days + 1))
    return np.cumsum(diff[:-1]).astype(int)


def _opening(project: Project) -> dict[str, np.ndarray]:
    """Per side, its share of each timeline district on the offensive's first day."""
    ref = getattr(project, "opening", None)  # duck-typed projects may lack it
    if ref is None:
        ref = project.timeline.fractions_on(project.timeline.dates[0])
    ref = ref.reindex(project.timeline.district_ids).fillna(0.0)
    return {side: ref[side].to_numpy(dtype=float) for side in CONTROLLERS}


def east_shares(project: Project) -> np.ndarray:
    """Share of the formerly rebel-held east (see :func:`east_km2`) held by each side, per day.

    Within a district, the rebels keep what they still hold, up to their day-one
    share; what they lost goes to the sides that gained ground in the district since
    15 November, in proportion to their gains. On 15 November the rebels hold all of it.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.

    Returns
    -------
    numpy.ndarray
        ``(days, 4)`` percentages in :data:`CONTROLLERS` order (each row sums to 100),
        all NaN when the rebels held nothing on 15 November (day one).
    """
    return _east_shares(project, _areas(project))


def _east_shares(project: Project, areas: np.ndarray) -> np.ndarray:
    """:func:`east_shares` with the district areas (timeline order) already measured."""
    a = areas * _in_city(project)
    f0 = _opening(project)
    r1 = f0["rebel"]
    total = float((a * r1).sum())
    n_days = len(project.timeline.dates)
    out = np.full((n_days, len(CONTROLLERS)), np.nan)
    if total <= 0:
        return out
    # per interval of unchanged state, then summed per day from the intervals
    iv, pos, f = _intervals(project)
    a_i, r1_i = a[pos], r1[pos]
    kept = np.minimum(f["rebel"], r1_i)
    lost = r1_i - kept
    gains = {s: np.clip(f[s] - f0[s][pos], 0, None) for s in CONTROLLERS if s != "rebel"}
    gained = sum(gains.values())
    parts = []
    with np.errstate(invalid="ignore", divide="ignore"):
        for side in CONTROLLERS:
            part = kept if side == "rebel" else lost * np.where(gained > 0, gains[side] / gained, 0)
            parts.append(a_i * part)
    out[:, :] = _nonneg(_daily(iv, n_days, np.stack(parts, axis=1))) / total * 100
    return out


def majority_holder(states: pd.DataFrame) -> pd.Series:
    """Name the side holding the larger part of each district.

    A full state's holder is its controller. In a partial state the controller
    holds ``share`` and the remainder the rest; an even split (0.5) stays with the
    remainder, the side that held the district before the advance.

    Parameters
    ----------
    states : pandas.DataFrame
        Rows of :attr:`Timeline.states` (``controller``, ``share``, ``remainder``).

    Returns
    -------
    pandas.Series
        Side per row, same index.
    """
    partial = states["remainder"].astype(str) != ""
    takes_over = ~partial | (states["share"] > 0.5)
    return states["controller"].where(takes_over, states["remainder"])


def daily_stats(project: Project) -> pd.DataFrame:
    """Tabulate per day what each side held: km², districts, share of the formerly rebel-held east.

    Notes
    -----
    ``<side>_km2``
        Sum over districts of area × the side's share of the district (a district
        split 0.4/0.6 adds 40% of its area to one side and 60% to the other). The
        four columns sum to ``total_km2``, the area of the whole layer.
    ``<side>_districts``
        Districts whose majority holder (see :func:`majority_holder`) is the side;
        they sum to the number of districts. ``split_districts`` counts those of
        them that are shared between two sides that day.
    ``east_<side>_pct``
        Percentage of the formerly rebel-held east (the area of the city the rebels
        held on the first day, ``east_km2``; see :func:`east_km2` and
        :func:`east_shares`) held by the side. Empty when the rebels held nothing
        on 15 November (day one).

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer (areas are measured in UTM zone 37N).

    Returns
    -------
    pandas.DataFrame
        One row per day, ``date`` as ISO text first.
    """
    tl = project.timeline
    n_days = len(tl.dates)
    a = _areas(project)
    # every daily total at once, from the change intervals (never a districts x days table)
    iv, pos, f = _intervals(project)
    km2 = _nonneg(_daily(iv, n_days, np.stack([f[side] * a[pos] for side in CONTROLLERS],
                                               axis=1)))
    holder = majority_holder(iv).to_numpy()
    out = pd.DataFrame({"date": [d.isoformat() for d in tl.dates]})
    for k, side in enumerate(CONTROLLERS):
        out[f"{side}_km2"] = km2[:, k].round(4)
    out["total_km2"] = round(float(a.sum()), 4)
    for side in CONTROLLERS:
        out[f"{side}_districts"] = _daily_counts(iv, n_days, holder == side)
    out["split_districts"] = _daily_counts(iv, n_days, iv["remainder"].astype(str).to_numpy()
                                           != "")
    out["east_km2"] = round(_east_km2(project, a), 4)
    pct = _east_shares(project, a)
    for k, side in enumerate(CONTROLLERS):
        out[f"east_{side}_pct"] = pct[:, k].round(2)
    return out


def write_chart(project: Project, dest: Path) -> Path:
    """Write a stacked-area chart of the km² held by each side, with the east's shares below.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.
    dest : pathlib.Path
        Output image; the format follows the suffix (``.png``, ``.pdf`` or ``.svg``).

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

    from aleppo_map import _io as io
    from aleppo_map._errors import Problem, ValidationError
    from aleppo_map.settings import LABELS

    dest = Path(dest)
    fmt = dest.suffix.lower().lstrip(".")
    if fmt not in CHART_FORMATS:
        raise ValidationError([Problem("--chart", "", "a file name ending in "
                                       + ", ".join("." + f for f in CHART_FORMATS),
                                       repr(dest.name))])
    table = daily_stats(project)
    days = list(project.timeline.dates)
    colours = [project.settings.colours[s] for s in CONTROLLERS]
    labels = [LABELS[s] for s in CONTROLLERS]
    has_east = not table["east_rebel_pct"].isna().all()
    fig = Figure(figsize=(8, 6.5 if has_east else 4.5), dpi=150, layout="constrained")
    axes = fig.subplots(2 if has_east else 1, 1, sharex=True, squeeze=False)[:, 0]
    ax = axes[0]
    _stack_steps(ax, days, [table[f"{s}_km2"] for s in CONTROLLERS], colours, labels)
    ax.set_ylabel("km² held")
    ax.set_ylim(0, float(table["total_km2"].iloc[0]) * 1.001 or 1)
    ax.set_title(f"Area held by each side, {days[0]:%-d %B %Y} to {days[-1]:%-d %B %Y}",
                 loc="left", fontsize=11)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    if has_east:
        ex = axes[1]
        _stack_steps(ex, days, [table[f"east_{s}_pct"] for s in CONTROLLERS], colours, labels)
        ex.set_ylim(0, 100)
        ex.set_ylabel("% of the area")
        ex.set_title("Formerly rebel-held east (city area the rebels held on 15 November (day one))",
                     loc="left", fontsize=10)
    for a in axes:
        a.set_xlim(days[0], days[-1] + timedelta(days=1))
        a.margins(x=0)
        a.grid(axis="y", linewidth=0.4, alpha=0.5)
    axes[-1].xaxis.set_major_locator(DayLocator(interval=7))
    axes[-1].xaxis.set_minor_locator(DayLocator())
    axes[-1].xaxis.set_major_formatter(DateFormatter("%-d %b"))
    source = project.layer.source if project.layer is not None else "embedded"
    basis = ("approximate boundaries (aleppo-map gazetteer)" if str(source) == "embedded"
             else f"boundaries: {Path(str(source)).name}")
    fig.supxlabel(f"One step per day. Areas in UTM zone 37N from {basis}; a split district "
                  "counts by each side's share. aleppo-map",
                  fontsize=6, color="#555555", x=0.01, ha="left")
    with io.atomic_path(dest) as tmp:
        fig.savefig(tmp, format=fmt)
    return dest


def _stack_steps(ax, days: list[date], series: list[pd.Series], colours: list[str],
                 labels: list[str]) -> None:
    """Stack daily values as steps: each day's value holds from its start to the next day."""
    x = [*days, days[-1] + timedelta(days=1)]
    base = np.zeros(len(x))
    for values, colour, label in zip(series, colours, labels, strict=True):
        v = np.asarray(values, dtype=float)
        top = base + np.append(v, v[-1])
        ax.fill_between(x, base, top, step="post", color=colour, label=label, linewidth=0)
        base = top
