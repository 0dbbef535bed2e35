"""Areas and shares: who held how much, per district and per day.

Every area is computed in the battle's metric CRS (``settings.metric_crs``), never in
degrees. Shares are also measured against the battle's *reference area*
(``battle.reference``): the ground one side held on the battle's first day, districts
of some sectors (suburbs, outskirts) left out. The functions and columns about it keep
the short name ``east`` (``east_km2``, ``east_<side>_pct``) for compatibility.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from aleppo_map.battle import Reference
    from aleppo_map.geometry.layer import DistrictLayer
    from aleppo_map.project import Project


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
        ``confidence``, ``source_id``, ``line``, then ``uncertain`` (the district
        is inside a date window that day: the texts do not say whether the change
        of ``window_change`` had happened yet), ``window_start``, ``window_end`` and
        ``window_change`` (empty when settled).
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
    rows = _rows_of(project.changes, st["change_id"], ["basis", "confidence", "source_id", "line"])
    gaz = project.gazetteer
    return pd.DataFrame(
        {
            "district_id": st["district_id"],
            "name_en": gaz.frame["name_en"].reindex(st["district_id"]).astype(str).array,
            "controller": st["controller"],
            "extent": st["extent"],
            "share": st["share"].round(3),
            "remainder": st["remainder"].fillna(""),
            "since": _iso_days(st["since"]),
            "change_id": st["change_id"],
            "basis": rows["basis"].array,
            "confidence": rows["confidence"].array,
            "source_id": rows["source_id"].array,
            "line": rows["line"].to_numpy(),
            "uncertain": st["uncertain"].astype(bool).to_numpy(),
            "window_start": _iso_days(st["window_start"]),
            "window_end": _iso_days(st["window_end"]),
            "window_change": st["window_change_id"].array,
        }
    )


def _rows_of(changes: pd.DataFrame, change_ids: pd.Series, columns: list[str]) -> pd.DataFrame:
    """Return *columns* of the rows of the control table behind *change_ids*, in their order."""
    index = pd.Index(changes["change_id"])
    at = index.get_indexer(change_ids) if index.is_unique else None
    if at is None or (at < 0).any():  # as .loc does: a KeyError names what is missing
        return changes.set_index("change_id").loc[change_ids, columns]
    return changes[columns].take(at)


def _iso_days(days: pd.Series) -> pd.api.extensions.ExtensionArray:
    """Write each day as ISO text (``""`` for ``None``), each distinct day once."""
    codes, uniques = pd.factorize(days)  # a missing day has the code -1
    text = pd.Series([d.isoformat() for d in uniques] + [""])  # str dtype, as a list gives
    out: pd.api.extensions.ExtensionArray = text.array.take(np.where(codes < 0, len(uniques),
                                                                      codes))
    return out


def district_areas(project: Project) -> pd.Series[float]:
    """Area of every district in km², computed in the metric CRS.

    Polygons are measured in ``settings.metric_crs``. A district the
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
    metric = layer.metric_areas(project.settings.metric_crs)
    is_point = gdf["geom_kind"] == "point"
    fallback = pd.to_numeric(gdf["area_km2"], errors="coerce").fillna(0.0)
    areas: pd.Series[float] = metric.where(~is_point, fallback).astype(float)  # geopandas: untyped
    return areas.reindex(project.timeline.district_ids).fillna(0.0).rename("area_km2")


def _layer(project: Project) -> DistrictLayer:
    from aleppo_map._errors import AleppoMapError

    if project.layer is None:
        raise AleppoMapError("areas need the district geometry: load the project with its layer")
    return project.layer


def sides(project: Project) -> tuple[str, ...]:
    """Return the battle's side ids in legend order (the columns of the timeline's fractions).

    Parameters
    ----------
    project : Project
        Loaded inputs.

    Returns
    -------
    tuple of str
        Side ids.
    """
    return tuple(project.timeline.sides)


def reference(project: Project) -> Reference | None:
    """Return the battle's reference area (``battle.reference``), or ``None`` when it has none.

    Parameters
    ----------
    project : Project
        Loaded inputs.

    Returns
    -------
    Reference or None
        Its side, excluded sectors and label.
    """
    ref = project.battle.reference
    return ref if ref is not None and ref.side in sides(project) else None


def reference_side(project: Project) -> str | None:
    """Return the side whose ground on the first day makes the reference area (``None``: no area).

    Parameters
    ----------
    project : Project
        Loaded inputs.

    Returns
    -------
    str or None
        A side id.
    """
    ref = reference(project)
    return ref.side if ref is not None else None


def east_ids(project: Project) -> list[str]:
    """List the districts of the reference area: any share of its side on the first day.

    Districts of the sectors the reference leaves out (``exclude_sectors``, outside
    the city) are left out.

    Parameters
    ----------
    project : Project
        Loaded inputs.

    Returns
    -------
    list of str
        District ids in timeline order (empty when the side held nothing on the first
        day, or the battle has no reference area).
    """
    side = reference_side(project)
    if side is None:
        return []
    first = _opening(project)[side]
    held = {d for d, r in zip(project.timeline.district_ids, first, strict=True) if r > 0}
    inside = _in_city(project)
    return [d for d, ok in zip(project.timeline.district_ids, inside, strict=True)
            if ok and d in held]


def excluded_sectors(project: Project) -> tuple[str, ...]:
    """Sectors outside the city, left out of the reference area and of city totals.

    Parameters
    ----------
    project : Project
        Loaded inputs.

    Returns
    -------
    tuple of str
        ``battle.reference.exclude_sectors`` (empty without a reference).
    """
    ref = project.battle.reference
    return tuple(ref.exclude_sectors) if ref is not None else ()


def _in_city(project: Project) -> np.ndarray:
    """Per timeline district, whether its sector counts for the city (not excluded)."""
    ids = project.timeline.district_ids
    gdf = project.layer.gdf if project.layer is not None else None
    if gdf is None or "sector" not in gdf.columns:
        return np.ones(len(ids), dtype=bool)
    sector: pd.Series[str] = gdf["sector"].reindex(ids).fillna("").astype(str)
    return ~sector.isin(excluded_sectors(project)).to_numpy()


def east_km2(project: Project, areas: np.ndarray | None = None) -> float:
    """Measure the reference area: the area its side held on the battle's first day.

    Each district counts with its area times the side's share of it on the first
    day (a district 5% held adds 5% of its area), so that a large district the side
    barely held does not pass for its territory. Districts outside the city (the
    reference's ``exclude_sectors``) are left out.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.
    areas : numpy.ndarray, optional
        District areas in km², timeline order, when already measured.

    Returns
    -------
    float
        km² (0 when the side held nothing on the first day, or there is no reference).
    """
    a = _areas(project) if areas is None else areas
    side = reference_side(project)
    if side is None:
        return 0.0
    return float((a * _opening(project)[side] * _in_city(project)).sum())


def _areas(project: Project) -> np.ndarray:
    """Area (km²) of every timeline district, in timeline order."""
    return district_areas(project).reindex(project.timeline.district_ids).to_numpy(dtype=float)


def _intervals(project: Project) -> tuple[pd.DataFrame, np.ndarray, dict[str, np.ndarray]]:
    """Return the intervals, the timeline position of each one's district, and its fractions."""
    from aleppo_map.timeline import side_fractions

    tl = project.timeline
    iv = tl.intervals
    pos = pd.Index(tl.district_ids).get_indexer(pd.Index(iv["district_id"]))
    return iv, pos, side_fractions(iv, sides(project))


def _candidates(iv: pd.DataFrame, order: Sequence[str]
                ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per interval, each side's share in the two candidate states of a window.

    A settled interval's two candidates are its own state; an interval inside a date
    window (``uncertain``) has the state before the row and the state it sets.
    """
    from aleppo_map.timeline import side_fractions

    now = side_fractions(iv, order)
    if "uncertain" not in iv.columns:
        return now, now
    unc = iv["uncertain"].to_numpy(dtype=bool)
    if not unc.any():
        return now, now
    out = []
    for tag in ("before", "after"):
        alt = pd.DataFrame({
            "controller": np.where(unc, iv[f"{tag}_controller"].to_numpy(dtype=object),
                                   iv["controller"].to_numpy(dtype=object)),
            "share": np.where(unc, iv[f"{tag}_share"].to_numpy(dtype=float),
                              iv["share"].to_numpy(dtype=float)),
            "remainder": np.where(unc, iv[f"{tag}_remainder"].to_numpy(dtype=object),
                                  iv["remainder"].to_numpy(dtype=object)),
        })
        out.append(side_fractions(alt, order))
    return out[0], out[1]


def _uncertain(iv: pd.DataFrame) -> np.ndarray:
    """Per interval, whether it lies inside a date window."""
    if "uncertain" not in iv.columns:
        return np.zeros(len(iv), dtype=bool)
    return iv["uncertain"].to_numpy(dtype=bool)


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
    """Per side, its share of each timeline district on the battle's first day."""
    ref = project.opening
    if ref is None:
        ref = project.timeline.fractions_on(project.timeline.dates[0])
    ref = ref.reindex(project.timeline.district_ids).fillna(0.0)
    return {side: ref[side].to_numpy(dtype=float) for side in sides(project)}


def _east_parts(f: dict[str, np.ndarray], f0: dict[str, np.ndarray], pos: np.ndarray,
                a_i: np.ndarray, r1_i: np.ndarray, order: Sequence[str],
                ref_side: str) -> np.ndarray:
    """Per interval, km² of the reference area held by each side (see :func:`east_shares`)."""
    kept = np.minimum(f[ref_side], r1_i)
    lost = r1_i - kept
    gains = {s: np.clip(f[s] - f0[s][pos], 0, None) for s in order if s != ref_side}
    gained = sum(gains.values())
    parts = []
    with np.errstate(invalid="ignore", divide="ignore"):
        for side in order:
            part = kept if side == ref_side else lost * np.where(gained > 0, gains[side] / gained, 0)
            parts.append(a_i * part)
    return np.stack(parts, axis=1)


def east_shares(project: Project, areas: np.ndarray | None = None, *,
                settled: bool = False) -> np.ndarray:
    """Share of the reference area (see :func:`east_km2`) held by each side, per day.

    Within a district, the reference side keeps what it still holds, up to its
    first-day share; what it lost goes to the sides that gained ground in the district
    since the first day, in proportion to their gains. On the first day the reference
    side holds all of it.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.
    areas : numpy.ndarray, optional
        District areas in km², timeline order, when already measured.
    settled : bool
        ``False`` (default): inside a date window a district counts with the state by
        its row's date (what check-figures compares). ``True``: a side counts only the
        ground it holds in both candidate states of the window, and a fifth column
        gives the rest, the ground the texts leave uncertain that day.

    Returns
    -------
    numpy.ndarray
        ``(days, sides)`` percentages in the order of :func:`sides` (each row sums to
        100), or ``(days, sides + 1)`` with the uncertain share last when *settled*;
        all NaN when the side held nothing on the first day or there is no reference
        area.
    """
    if areas is None:
        areas = _areas(project)
    order = sides(project)
    n_days = len(project.timeline.dates)
    out = np.full((n_days, len(order) + int(settled)), np.nan)
    ref_side = reference_side(project)
    if ref_side is None:
        return out
    a = areas * _in_city(project)
    f0 = _opening(project)
    r1 = f0[ref_side]
    total = float((a * r1).sum())
    if total <= 0:
        return out
    # per interval of unchanged state, then summed per day from the intervals
    iv, pos, f = _intervals(project)
    a_i, r1_i = a[pos], r1[pos]
    if not settled:
        parts = _east_parts(f, f0, pos, a_i, r1_i, order, ref_side)
    else:
        before, after = _candidates(iv, order)
        both = np.minimum(_east_parts(before, f0, pos, a_i, r1_i, order, ref_side),
                          _east_parts(after, f0, pos, a_i, r1_i, order, ref_side))
        rest = np.clip(a_i * r1_i - both.sum(axis=1), 0, None)
        parts = np.concatenate([both, rest[:, None]], axis=1)
    out[:, :] = _nonneg(_daily(iv, n_days, parts)) / total * 100
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
    """Tabulate per day what each side held: km², districts, share of the reference area.

    Ground inside a date window (a change the texts date only to some day of a
    window, see :mod:`aleppo_map.timeline`) is counted apart: a side counts only what
    it holds in both candidate states, the state before the change and the state
    after it; the rest is *uncertain*.

    Notes
    -----
    ``<side>_km2``
        Sum over districts of area × the side's settled share of the district (a
        district split 0.4/0.6 adds 40% of its area to one side and 60% to the
        other; inside a window, the smaller of the side's shares before and after).
    ``uncertain_km2``
        The rest: ground whose holder that day depends on when a windowed change
        happened. The side columns and this one sum to ``total_km2``, the area of
        the whole layer.
    ``<side>_districts``
        Settled districts whose majority holder (see :func:`majority_holder`) is the
        side. ``uncertain_districts`` counts the districts inside a window that
        day; with it they sum to the number of districts. ``split_districts``
        counts the settled districts shared between two sides that day.
    ``east_<side>_pct``
        Percentage of the battle's reference area (the area of the city the
        reference side held on the first day, ``east_km2``; see :func:`east_km2` and
        :func:`east_shares`) that the side holds for certain; ``east_uncertain_pct``
        the part left uncertain by windows. Empty when that side held nothing on the
        first day, or the battle has no reference area.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer (areas are measured in ``settings.metric_crs``).

    Returns
    -------
    pandas.DataFrame
        One row per day, ``date`` as ISO text first.
    """
    tl = project.timeline
    n_days = len(tl.dates)
    a = _areas(project)
    # every daily total at once, from the change intervals (never a districts x days table)
    order = sides(project)
    iv, pos, _ = _intervals(project)
    before, after = _candidates(iv, order)
    unc = _uncertain(iv)
    settled = np.stack([np.minimum(before[side], after[side]) for side in order], axis=1)
    rest = np.clip(1.0 - settled.sum(axis=1), 0.0, None)
    weights = np.concatenate([settled, rest[:, None]], axis=1) * a[pos][:, None]
    km2 = _nonneg(_daily(iv, n_days, weights))
    holder = majority_holder(iv).to_numpy()
    out = pd.DataFrame({"date": [d.isoformat() for d in tl.dates]})
    for k, side in enumerate(order):
        out[f"{side}_km2"] = km2[:, k].round(4)
    out["uncertain_km2"] = km2[:, len(order)].round(4)
    out["total_km2"] = round(float(a.sum()), 4)
    for side in order:
        out[f"{side}_districts"] = _daily_counts(iv, n_days, (holder == side) & ~unc)
    out["uncertain_districts"] = _daily_counts(iv, n_days, unc)
    out["split_districts"] = _daily_counts(
        iv, n_days, (iv["remainder"].astype(str).to_numpy() != "") & ~unc)
    out["east_km2"] = round(east_km2(project, a), 4)
    pct = east_shares(project, a, settled=True)
    for k, side in enumerate((*order, "uncertain")):
        out[f"east_{side}_pct"] = pct[:, k].round(2)
    return out
