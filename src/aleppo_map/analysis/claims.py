"""Check the map against the sources' own numbers.

The sources quote figures about territory: shares of the battle's reference area
(``battle.reference``, e.g. the ground one side held on the first day), the area a
side held in km², a district's share. A battle's ``reported_figures.csv``
lists every such claim with its source line; :func:`check_figures` computes the
same quantity from the map (the control table joined to the district areas) on
the claim's day and gives a verdict: ``consistent`` within the tolerance below,
``inconsistent``, or ``not computable`` with the reason.

Definitions
-----------
The areas and the reference area are those of :mod:`aleppo_map.analysis.areas`, so
that the check, the statistics and the HTML explorer give the same numbers:

* Areas are measured in the battle's metric CRS (:func:`areas.district_areas`); a
  district the boundary file lacks counts with the gazetteer's estimated area, and
  the verdict's reason names such districts.
* The *city* leaves out the sectors the battle's reference excludes
  (``exclude_sectors``: suburbs outside it); a side's area, the count of districts
  where it holds ground and shares of the city are taken over the city only.
* The *reference area* is the area its side held in the city on the battle's first
  day, district area times its share (:func:`areas.east_km2`); shares of it per
  side come from :func:`areas.east_shares`, and ``side_gain_km2`` is a side's share
  times that area.
* The map's state for a day is the state at its end; a claim marked
  ``start-of-day`` is compared with the end of the day before.
* A claim dated only to a window (``date`` to ``date_latest``) is compared on
  every day of the window and judged on the day where the map comes closest.
* A district whose change the texts date only to a window (see
  :mod:`aleppo_map.timeline`) is taken in the state by its row's date, as before;
  a figure that measures such a district on a day inside its window says so
  (``uncertain_districts`` and the reason), and its verdict is reached as usual.
* ``inferred_pct`` says how much of what a figure measures rests, that day, on
  rows of the control table that are not ``stated``; ``encoded_by`` flags a
  district share the control table itself encodes from the same source line.

Tolerances
----------
The sources round, district boundaries are approximate and partial control is
recorded in coarse shares, so a figure is ``consistent`` when the map is within a
band around it, not when it is equal. With *t* the tolerance of the figure's kind
(:data:`SHARE_TOLERANCE_PP` for shares, :data:`AREA_TOLERANCE_REL` times the
claimed value for areas, :data:`COUNT_TOLERANCE` for counts of districts):

* ``=``: the map's value lies within *t* of the claimed one;
* ``about``: the same with *t* times :data:`ABOUT_WIDENING`;
* ``>`` and ``>=``: the map's value exceeds (reaches) the claimed value minus *t*;
* ``<`` and ``<=``: the map's value stays below (at most) the claimed value plus *t*.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from aleppo_map import _io as io
from aleppo_map import schema
from aleppo_map._validate import check_table, isin_set, unknown_values
from aleppo_map.battle import Battle, default_battle
from aleppo_map.schema import REPORTED_FIGURES
from aleppo_map.settings import DEFAULTS

if TYPE_CHECKING:
    from aleppo_map.project import Project
    from aleppo_map.timeline import Timeline

# ----------------------------------------------------------------------------- settings
#: Tolerance for shares, in percentage points (rounded figures, coarse partial shares).
SHARE_TOLERANCE_PP: Final[float] = 10.0
#: Relative tolerance for areas in km²: boundaries are approximate and whole districts
#: change hands where the front cut through them.
AREA_TOLERANCE_REL: Final[float] = 0.35
#: Tolerance for counts of districts (the sources' neighbourhoods are not our districts).
COUNT_TOLERANCE: Final[float] = 1.0
#: Factor applied to the tolerance when the source says "about" / "around".
ABOUT_WIDENING: Final[float] = 1.5

#: Verdicts.
CONSISTENT: Final[str] = "consistent"
INCONSISTENT: Final[str] = "inconsistent"
NOT_COMPUTABLE: Final[str] = "not computable"

#: Columns of ``reported_figures.csv``, in file order (:data:`aleppo_map.schema.REPORTED_FIGURES`).
FIGURE_COLUMNS: Final[tuple[str, ...]] = REPORTED_FIGURES.names
COMPARISONS: Final[tuple[str, ...]] = schema.COMPARISONS
AS_OF: Final[tuple[str, ...]] = schema.AS_OF
UNITS: Final[tuple[str, ...]] = schema.UNITS
_UNITS_OF: Final[Mapping[str, tuple[str, ...]]] = {
    "share": ("percent", "fraction"), "area": ("km2",), "count": ("count",)}


@dataclass(frozen=True)
class Scope:
    """What a claim measures.

    Attributes
    ----------
    kind : str
        ``share`` (compared in percent), ``area`` (km²) or ``count`` (districts).
    district : bool
        Whether the claim is about one named district.
    needs_area : bool
        Whether district areas enter the computation.
    reference : bool
        Whether the computation uses the battle's reference area (needs its first day).
    template : str
        Wording of the claim, in our own words: ``{side}`` is the row's side (its
        short name, capitalised), ``{side_lower}`` the same in running text,
        ``{reference}`` the label of the battle's reference area, ``{district}`` the
        district's name and ``{q}`` the quantity.
    """

    kind: str
    district: bool
    needs_area: bool
    reference: bool
    template: str


#: What a figure may measure; every scope is about the side of the row's ``side`` column.
SCOPES: Final[Mapping[str, Scope]] = {
    "reference_share": Scope("share", False, True, True, "{side} held {q} of the {reference}"),
    "side_area_km2": Scope("area", False, True, False, "{side} held {q} km² of the city"),
    "side_gain_km2": Scope("area", False, True, True,
                           "{side} had taken {q} km² of the {reference}"),
    "district_share": Scope("share", True, False, False, "{side} held {q} of {district}"),
    "district_of_side_area": Scope("share", True, True, False,
                                   "{district} was {q} of the area held by {side_lower}"),
    "reference_count_share": Scope(
        "share", False, False, True,
        "{side} held {q} of the districts of the {reference} (counted by district)"),
    "side_district_count": Scope("count", False, False, False,
                                 "{side} held ground in {q} districts"),
    "city_share": Scope("share", False, True, False, "{side} held {q} of the city"),
}
#: Wording of a reference share about the reference side itself.
_STILL_HELD = "{side} still held {q} of the {reference}"
#: Scope names of earlier versions, and what they are now (for the error's hint).
RENAMED_SCOPES: Final[Mapping[str, str]] = {
    "east_share_government": "reference_share", "east_share_rebel": "reference_share",
    "rebel_area_km2": "side_area_km2", "government_gain_km2": "side_gain_km2",
    "district_of_rebel_area": "district_of_side_area",
    "east_count_share_government": "reference_count_share",
    "rebel_district_count": "side_district_count",
}
_CMP_WORD = {"=": "", "about": "about ", ">": "more than ", ">=": "at least ",
             "<": "less than ", "<=": "at most "}
_FRACTION_WORD = {0.25: "a quarter", 0.3333: "a third", 0.5: "half", 0.6667: "two thirds",
                  0.75: "three quarters"}
_MEASURE = {"share": "%", "area": "km²", "count": "districts"}


# ----------------------------------------------------------------------------- loading
def load_figures(
    path: Path | None = None,
    *,
    source_ids: Iterable[str] | None = None,
    district_ids: Iterable[str] | None = None,
    suggest: Callable[[str], list[str]] | None = None,
    sides: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read and validate a table of reported figures.

    Parameters
    ----------
    path : pathlib.Path, optional
        The CSV (default: the embedded ``data/reported_figures.csv``).
    source_ids : Iterable[str], optional
        Known source ids; when given, every ``source_id`` must be one.
    district_ids : Iterable[str], optional
        Known district ids; when given, every ``district_id`` must be one.
    suggest : callable, optional
        ``suggest(name) -> list of ids`` for close-match hints on unknown districts.
    sides : Sequence[str], optional
        The battle's side ids (default: the default battle's).

    Returns
    -------
    pandas.DataFrame
        The rows, typed: ``date`` and ``date_latest`` as :class:`datetime.date`
        (``date_latest`` ``None`` when the claim has a single day), ``value`` float,
        ``line`` int, ``as_of`` filled with ``end-of-day`` where empty.

    Raises
    ------
    InputFileError
        When the file cannot be read as a UTF-8, comma-separated table.
    ValidationError
        Listing every problem in the file.

    Examples
    --------
    >>> import pandas as pd
    >>> row = {"figure_id": "F01", "date": "2030-03-04", "scope": "reference_share",
    ...        "side": "red", "value": "60", "unit": "percent", "comparison": "=",
    ...        "source_id": "s", "line": "3", "quote_number": "60%"}
    >>> figs = figures_from_frame(pd.DataFrame([row]), "example.csv", sides=("red", "blue"))
    >>> figs[["scope", "side", "value"]].values.tolist()
    [['reference_share', 'red', 60.0]]
    """
    path = Path(path) if path is not None else DEFAULTS.figures_path
    raw = io.read_csv(path, REPORTED_FIGURES.what, min_rows=REPORTED_FIGURES.min_rows)
    return figures_from_frame(raw, str(path), source_ids=source_ids,
                              district_ids=district_ids, suggest=suggest, sides=sides)


def figures_from_frame(
    frame: pd.DataFrame,
    file: str = "table of reported figures",
    *,
    source_ids: Iterable[str] | None = None,
    district_ids: Iterable[str] | None = None,
    suggest: Callable[[str], list[str]] | None = None,
    sides: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Validate a table of reported figures held in memory (as :func:`load_figures`).

    The table is checked against :data:`aleppo_map.schema.REPORTED_FIGURES`, then
    the rules that relate its columns (the scope fixes the side, the units and
    whether a district is named) and the other tables.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (strings), in the columns of :data:`FIGURE_COLUMNS`.
    file : str
        Where it came from, for messages.
    source_ids, district_ids, suggest, sides
        As for :func:`load_figures`.

    Returns
    -------
    pandas.DataFrame
        As :func:`load_figures`.

    Raises
    ------
    ValidationError
        Listing every problem at once.
    """
    chk = check_table(frame, REPORTED_FIGURES, file,
                      sides=default_battle().side_ids if sides is None else sides)
    if chk.missing:
        chk.raise_if_any(FIGURE_COLUMNS)
    out, ok = chk.frame, chk.valid
    # the window: date_latest on or after date
    window = ok("date", "date_latest") & out["date_latest"].notna() & out["date"].notna()
    chk.bad("date_latest", window & (out["date_latest"] < out["date"]),
            "empty or a day on or after the date", hint=lambda _: "")
    # the scope decides the side, whether a district is named, and the units
    renamed = out["scope"].isin(list(RENAMED_SCOPES))
    chk.bad("scope", renamed, "one of " + ", ".join(SCOPES),
            hint=lambda v: f"renamed: use {RENAMED_SCOPES[str(v)]!r} with the side in the side column")
    unknown_values(chk, "scope", SCOPES, "one of " + ", ".join(SCOPES), only=~renamed)
    scoped = ok("scope")
    for name, sc in SCOPES.items():
        rows = scoped & (out["scope"] == name)
        if sc.district:
            chk.bad("district_id", rows & (out["district_id"] == ""),
                    f"a district id for scope {name!r}", got=lambda _: "empty")
        else:
            chk.bad("district_id", rows & (out["district_id"] != ""),
                    f"empty for scope {name!r}")
        units = _UNITS_OF[sc.kind]
        chk.bad("unit", rows & ok("unit") & ~out["unit"].isin(units),
                " or ".join(units) + f" for scope {name!r}")
    if district_ids is not None:
        unknown_values(chk, "district_id", district_ids, "a district id of the gazetteer",
                       suggest=suggest, only=ok("district_id"))
    limit = out["unit"].map({"fraction": 1.0, "percent": 100.0}).astype(float).fillna(math.inf)
    chk.bad("value", ok("value", "unit") & (out["value"] > limit),
            "a number >= 0 (at most 1 for a fraction, 100 for a percent)")
    if source_ids is not None:
        known = sorted(set(source_ids))
        unknown_values(chk, "source_id", known,
                       "an id of the source registry (" + ", ".join(known) + ")")
    chk.raise_if_any(FIGURE_COLUMNS)
    out["date_latest"] = out["date_latest"].where(out["date_latest"].notna(), None)
    return out


# ----------------------------------------------------------------------------- computing
#: Days whose per-district shares :class:`_Map` keeps at once (memory O(districts)).
_DAYS_KEPT: Final[int] = 4


@dataclass(frozen=True)
class _Map:
    """The map's quantities, prepared once per check; a day's shares on first use."""

    dates: list[date]
    timeline: Timeline
    basis: pd.Series  # basis of each row of the control table, by change id
    city: pd.Series  # bool per district: inside the city (not an excluded sector)
    east: pd.Index  # the reference area's districts (areas.east_ids)
    area: pd.Series | None  # km² per district, None when no geometry is loaded
    east_pct: pd.DataFrame | None  # (date x side) % of the reference area, areas.east_shares
    east_km2: float
    area_note: str
    baseline: date  # the battle's first day: its state defines the reference area
    ref_side: str | None  # the reference area's side (None: the battle has none)
    ref_words: str  # "the <label>" or why there is none, for messages
    sides: tuple[str, ...]  # the battle's sides
    _days: dict[date, tuple[dict[str, pd.Series], pd.Series]] = field(default_factory=dict)

    def has_day(self, day: date) -> bool:
        """Whether *day* is a day of the timeline."""
        return self.dates[0] <= day <= self.dates[-1]

    def has_district(self, district: str) -> bool:
        """Whether *district* is a district of the timeline."""
        return district in self._ids

    @cached_property
    def _ids(self) -> frozenset[str]:
        return frozenset(self.timeline.district_ids)

    @cached_property
    def _index(self) -> pd.Index:
        return pd.Index(self.timeline.district_ids, name="district_id")

    @cached_property
    def _per_interval(self) -> dict[str, np.ndarray]:
        """Per interval of the timeline: days, district position, shares, inferred flag."""
        from aleppo_map.timeline import side_fractions

        tl = self.timeline
        iv = tl.intervals
        out = {f"share:{side}": v for side, v in side_fractions(iv, self.sides).items()}
        out["first"] = iv["first"].to_numpy(dtype=np.int64)
        out["stop"] = iv["stop"].to_numpy(dtype=np.int64)
        out["pos"] = pd.Index(tl.district_ids).get_indexer(pd.Index(iv["district_id"]))
        out["inferred"] = iv["change_id"].map(self.basis).ne("stated").to_numpy(dtype=bool)
        out["uncertain"] = (iv["uncertain"].to_numpy(dtype=bool) if "uncertain" in iv.columns
                            else np.zeros(len(iv), dtype=bool))
        return out

    @cached_property
    def east_set(self) -> frozenset[str]:
        """The reference area's districts as a set (built once, not per figure and day)."""
        return frozenset(self.east.tolist())

    @cached_property
    def _share_table(self) -> np.ndarray:
        """Per interval, the share of each side (columns in :attr:`sides` order)."""
        arr = self._per_interval
        return np.column_stack([arr[f"share:{side}"] for side in self.sides])

    def uncertain(self, day: date) -> list[str]:
        """Districts inside a date window on *day* (timeline order)."""
        arr = self._per_interval
        k = (day - self.dates[0]).days
        now = (arr["first"] <= k) & (arr["stop"] > k) & arr["uncertain"]
        ids = self.timeline.district_ids
        return [ids[int(p)] for p in np.sort(arr["pos"][now])]

    def _load(self, day: date) -> tuple[dict[str, pd.Series], pd.Series]:
        if day not in self._days:
            arr = self._per_interval
            k = (day - self.dates[0]).days
            now = np.flatnonzero((arr["first"] <= k) & (arr["stop"] > k))
            pos = arr["pos"][now]
            index = self._index

            def spread(values: np.ndarray, dtype: type) -> pd.Series:
                full: np.ndarray = np.zeros(len(index), dtype=dtype)
                full[pos] = values[now]
                return pd.Series(full, index=index, name=day)

            # every side's shares in one gather and one scatter (a day is read per figure)
            table = np.zeros((len(index), len(self.sides)))
            table[pos] = self._share_table[now]
            shares = {side: pd.Series(table[:, j], index=index, name=day)
                      for j, side in enumerate(self.sides)}
            if len(self._days) >= _DAYS_KEPT:  # a window of days: keep the last few only
                del self._days[next(iter(self._days))]
            self._days[day] = (shares, spread(arr["inferred"], bool))
        return self._days[day]

    def fractions(self, day: date) -> dict[str, pd.Series]:
        """Side -> share of each district on *day* (indexed by district, timeline order)."""
        return self._load(day)[0]

    def inferred(self, day: date) -> pd.Series:
        """Flag each district whose state on *day* rests on a row that is not ``stated``."""
        return self._load(day)[1]


def _prepare(project: Project) -> _Map:
    from aleppo_map.analysis import areas as stats
    tl = project.timeline
    order = stats.sides(project)
    ref_side = stats.reference_side(project)
    layer = project.layer
    if layer is not None and "sector" in layer.gdf.columns:
        sector = layer.gdf["sector"].reindex(tl.district_ids).fillna("")
    else:
        sector = pd.Series([project.gazetteer.sector(d) for d in tl.district_ids],
                           index=tl.district_ids)
    city = ~sector.isin(stats.excluded_sectors(project))
    # the districts of stats.east_ids, also when no layer gives the sectors
    day_one = (tl.fractions_on(tl.dates[0])[ref_side].reindex(tl.district_ids)
               if ref_side is not None else pd.Series(0.0, index=tl.district_ids))
    east = pd.Index([d for d, in_city, r in zip(tl.district_ids, city.to_numpy(),
                                                day_one.to_numpy(), strict=True)
                     if in_city and r > 0])
    area, east_pct, east_km2, note = None, None, 0.0, ""
    if layer is not None:
        area = stats.district_areas(project).reindex(tl.district_ids)
        measured = area.to_numpy(dtype=float)  # measured once, for the east too
        # a sub-area's ground is its parent's: it counts 0 km², not "unknown"
        sub = (layer.gdf["geom_basis"] == "sub-area" if "geom_basis" in layer.gdf.columns
               else pd.Series(False, index=layer.gdf.index)).reindex(area.index, fill_value=False)
        area = area.where((area > 0) | sub)
        east_pct = pd.DataFrame(stats.east_shares(project, measured), index=tl.dates,
                                columns=list(order))
        east_km2 = stats.east_km2(project, measured)
        kind = layer.gdf["geom_kind"].reindex(area.index)
        points = list(area.index[(kind == "point").to_numpy() & area.notna().to_numpy()
                                 & city.to_numpy() & ~sub.to_numpy()])
        if points:
            note = (f"{len(points)} district(s) without a polygon in this layer counted with "
                    f"the gazetteer's estimated area: {', '.join(points)}")
    basis = project.changes.set_index("change_id")["basis"]
    ref = stats.reference(project)
    words = f"the {ref.label}" if ref is not None else "a reference area (the battle defines none)"
    return _Map(list(tl.dates), tl, basis, city, east, area, east_pct, east_km2, note,
                project.battle.first_day, ref_side, words, tuple(order))


def _inferred_pct(m: _Map, scope_name: str, district: str, side: str, day: date) -> float:
    """Share (%) of what a figure measures whose state that day rests on non-stated rows.

    Weights: the district itself for district figures; the side's ground in the city
    for a side's area and count; the reference area for shares of it; the city for
    shares of the city. Areas weigh when loaded, else districts.
    """
    if not m.has_day(day):
        return float("nan")
    flags = m.inferred(day).astype(float)
    area = m.area.fillna(0.0) if m.area is not None else pd.Series(1.0, index=flags.index)
    if SCOPES[scope_name].district:
        return 100.0 * float(flags[district]) if district in flags.index else float("nan")
    if scope_name in ("side_area_km2", "side_district_count"):
        weight = area * m.fractions(day)[side] * m.city
    elif scope_name == "city_share":
        weight = area * m.city
    else:
        weight = area.reindex(m.east)
    total = float(weight.sum())
    return 100.0 * float((weight * flags.reindex(weight.index)).sum()) / total if total else 0.0


def _in_windows(m: _Map, scope_name: str, district: str, day: date) -> list[str]:
    """Districts that a figure measures and whose state on *day* lies in a date window.

    The district itself for district figures; the battle's reference area for
    shares of it; the city for the areas, counts and shares of the city.
    """
    if not m.has_day(day):
        return []
    ids = m.uncertain(day)
    scope = SCOPES[scope_name]
    if scope.district:
        return [d for d in ids if d == district]
    if scope.reference:
        east = m.east_set
        return [d for d in ids if d in east]
    return [d for d in ids if bool(m.city.get(d, True))]


def window_reason(ids: list[str]) -> str:
    """Word the districts a figure measures that lie in a date window that day.

    Parameters
    ----------
    ids : list of str
        District ids.

    Returns
    -------
    str
        ``""`` when there are none.

    Examples
    --------
    >>> window_reason(["a", "b", "c"])
    '3 districts uncertain on that day (windows): a, b, c'
    >>> window_reason([])
    ''
    """
    if not ids:
        return ""
    n = len(ids)
    return (f"{n} district{'s' if n != 1 else ''} uncertain on that day (windows): "
            + ", ".join(ids))


def _compute(m: _Map, scope_name: str, district: str, side: str, day: date) -> float | str:
    """Compute *scope_name* on *day* (percent, km² or count); return why not if impossible."""
    scope = SCOPES[scope_name]
    if not m.has_day(day):
        return f"{day} is outside the timeline ({m.dates[0]} to {m.dates[-1]})"
    if scope.reference and m.ref_side is None:
        return f"this needs {m.ref_words}"
    if scope.reference and m.dates[0] != m.baseline:
        return (f"the timeline starts on {m.dates[0]}, not on {m.baseline}, the day that "
                f"defines {m.ref_words}")
    if scope.needs_area and m.area is None:
        return "no district geometry loaded, so no areas"
    if district and not m.has_district(district):
        return f"district {district!r} is not in the control table"
    if scope.reference and len(m.east) == 0:
        return (f"no district is held by {m.ref_side} on {m.baseline}, so there is no "
                f"{m.ref_words.removeprefix('the ')}")
    fr = m.fractions(day)
    if scope_name == "district_share":
        return 100.0 * float(fr[side][district])
    if scope_name == "side_district_count":
        return float(((fr[side] > 1e-9) & m.city).sum())
    if scope_name == "reference_count_share":
        base = {s: f[m.east] for s, f in m.fractions(m.dates[0]).items()}
        gain = (fr[side][m.east] - base[side]).clip(lower=0).sum()
        return 100.0 * float(gain) / float(base[str(m.ref_side)].sum())
    if m.area is None or m.east_pct is None:  # every scope left needs areas
        return "no district geometry loaded, so no areas"
    missing = list(m.area.index[m.area.isna() & m.city])
    if missing:
        return "no area in this layer or the gazetteer for district(s) " + ", ".join(missing)
    area = m.area.where(m.city, 0.0)
    if scope_name == "district_of_side_area":
        a = float(area[district])
        held = float((area * fr[side]).sum()) + a * (1.0 - float(fr[side][district]))
        if a <= 0 or held <= 0:
            return (f"district {district!r} lies outside the city, where no area of "
                    f"{side!r} is counted")
        return 100.0 * a / held
    if scope_name == "side_area_km2":
        return float((area * fr[side]).sum())
    if scope_name == "city_share":
        return 100.0 * float((area * fr[side]).sum() / area.sum())
    pct = float(m.east_pct[side].loc[day])
    if scope_name == "side_gain_km2":
        return pct / 100.0 * m.east_km2
    return pct  # reference_share


def _tolerance(kind: str, claimed: float, comparison: str) -> float:
    if kind == "share":
        tol = SHARE_TOLERANCE_PP
    elif kind == "area":
        tol = AREA_TOLERANCE_REL * claimed
    else:
        tol = COUNT_TOLERANCE
    return tol * ABOUT_WIDENING if comparison == "about" else tol


def _miss(computed: float, claimed: float, comparison: str, tol: float) -> float:
    """How far *computed* lies outside the band the claim allows (0 when inside)."""
    if comparison in ("=", "about"):
        return max(0.0, abs(computed - claimed) - tol)
    if comparison in (">", ">="):
        gap = (claimed - tol) - computed
        return max(0.0, gap) if comparison == ">=" or gap < 0 else max(gap, 1e-12)
    gap = computed - (claimed + tol)
    return max(0.0, gap) if comparison == "<=" or gap < 0 else max(gap, 1e-12)


def _normalised(unit: str, value: float) -> float:
    return 100.0 * value if unit == "fraction" else value


def check_figures(project: Project, figures: pd.DataFrame | None = None) -> pd.DataFrame:
    """Compare every reported figure with the value the map computes on its day.

    Parameters
    ----------
    project : Project
        Loaded inputs; areas come from ``project.layer`` (the embedded layer or the
        user's ``--districts`` file).
    figures : pandas.DataFrame, optional
        A table from :func:`load_figures` (default: the project's
        ``reported_figures.csv``, validated against its registry and gazetteer).

    Returns
    -------
    pandas.DataFrame
        One row per figure: the figure's own columns plus ``text`` (the claim in
        our words), ``citation``, ``measure`` (``%``, ``km²`` or ``districts``),
        ``claimed`` (the value in that measure), ``map_date`` (the day whose state
        was used), ``computed``, ``difference`` (computed minus claimed),
        ``tolerance``, ``verdict``, ``reason``, ``inferred_pct`` (the share of what
        the figure measures whose state that day rests on rows that are not
        ``stated``: inferred from an aggregate statement, or background) and
        ``encoded_by`` (for a district's share, the change ids of the control table
        that cite the same source line for that district: agreement with those is
        expected, not evidence), ``uncertain_districts`` (how many of the districts
        the figure measures lie inside a date window on ``map_date``: the texts do
        not say whether their change had happened; the map uses the state by the
        row's date, and the verdict rules are the same) and ``uncertain_ids``
        (those districts, comma-separated). The ``reason`` then says so.
    """
    if figures is None:
        figures = project.figures
    if figures is None:
        figures = load_figures(
            project.settings.figures_path, source_ids=project.registry.ids,
            district_ids=project.gazetteer.ids, suggest=project.gazetteer.suggest,
            sides=project.battle.side_ids,
        )
    m = _prepare(project)
    encoded = _encoded_by(project, [
        str(d) for d, sc in zip(figures.get("district_id", []), figures.get("scope", []),
                                strict=True) if sc == "district_share"])
    rows = []
    for rec in figures.to_dict("records"):
        scope = SCOPES[rec["scope"]]
        claimed = _normalised(rec["unit"], rec["value"])
        tol = _tolerance(scope.kind, claimed, rec["comparison"])
        first: date = rec["date"]
        last: date = rec["date_latest"] or first
        shift = timedelta(days=1 if rec["as_of"] == "start-of-day" else 0)
        days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
        results = [(d - shift,
                    _compute(m, rec["scope"], rec["district_id"], rec["side"], d - shift))
                   for d in days]
        numeric = [(d, v) for d, v in results if isinstance(v, float)]
        out = {**rec, "text": claim_text(project, rec), "citation": _citation(project, rec),
               "measure": _MEASURE[scope.kind], "claimed": claimed, "tolerance": tol,
               "map_date": None, "computed": np.nan, "difference": np.nan, "inferred_pct": np.nan,
               "encoded_by": encoded.get((rec["source_id"], rec["line"], rec["district_id"]), "")
               if rec["scope"] == "district_share" else "",
               "uncertain_districts": 0, "uncertain_ids": ""}
        if not numeric:
            out["verdict"], out["reason"] = NOT_COMPUTABLE, str(results[0][1])
        else:
            best_day, best = min(
                numeric,
                key=lambda dv: (_miss(dv[1], claimed, rec["comparison"], tol),
                                abs(dv[1] - claimed)),
            )
            ok = _miss(best, claimed, rec["comparison"], tol) == 0.0
            out.update(map_date=best_day, computed=best, difference=best - claimed,
                       verdict=CONSISTENT if ok else INCONSISTENT,
                       inferred_pct=_inferred_pct(m, rec["scope"], rec["district_id"], rec["side"],
                                                  best_day))
            out["reason"] = _reason(scope.kind, tol, ok, rec, best_day, len(numeric) < len(results),
                                    m.area_note if scope.needs_area else "", out["encoded_by"])
            windowed = _in_windows(m, rec["scope"], rec["district_id"], best_day)
            if windowed:
                out.update(uncertain_districts=len(windowed), uncertain_ids=", ".join(windowed))
                out["reason"] += "; " + window_reason(windowed)
        rows.append(out)
    return pd.DataFrame(rows)


def _encoded_by(project: Project,
                districts: Iterable[str] | None = None) -> dict[tuple[str, int, str], str]:
    """Change ids of the control table citing each (source, line, district).

    Only for *districts* when given (the figures' own: not a key per row of the table).
    """
    changes = project.changes
    if districts is not None:
        changes = changes[isin_set(changes["district_id"], set(districts))]
    if changes.empty:
        return {}
    keys = zip(changes["source_id"].tolist(), changes["line"].astype(int).tolist(),
               changes["district_id"].tolist(), strict=True)
    out: dict[tuple[str, int, str], list[str]] = {}
    for key, cid in zip(keys, changes["change_id"].tolist(), strict=True):
        out.setdefault(key, []).append(str(cid))
    return {k: ", ".join(v) for k, v in out.items()}


def _reason(kind: str, tol: float, ok: bool, rec: Mapping[Hashable, Any], day: date,
            clipped: bool, area_note: str, encoded_by: str = "") -> str:
    band = f"±{tol:.0f} pp" if kind == "share" else (
        f"±{tol:.2g} km²" if kind == "area" else f"±{tol:.0f}")
    parts = [("within " if ok else "outside ") + band]
    if rec["date_latest"]:
        parts.append(f"closest day of the window: {day}")
        if clipped:
            parts.append("window clipped to the timeline")
    elif rec["as_of"] == "start-of-day":
        parts.append(f"compared with the end of {day}")
    if encoded_by:
        parts.append(f"not independent: row(s) {encoded_by} of the control table cite this line")
    if area_note:
        parts.append(area_note)
    return "; ".join(parts)


def _quantity(rec: Mapping[Hashable, Any]) -> str:
    value = float(rec["value"])
    unit = rec["unit"]
    if unit == "fraction":
        word = _FRACTION_WORD.get(round(value, 4))
        number = word if word is not None else f"{100 * value:g}%"
    elif unit == "percent":
        number = f"{value:g}%"
    else:
        number = f"{value:g}"
    return _CMP_WORD[str(rec["comparison"])] + number


def claim_text(project: Project | None, rec: Mapping[Hashable, Any], *,
               battle: Battle | None = None) -> str:
    """Say what a figure claims, in our own words (the battle's side names and reference).

    Parameters
    ----------
    project : Project or None
        For district names (the id is used when ``None``) and the battle.
    rec : Mapping
        A row of :func:`load_figures`.
    battle : Battle, optional
        The battle whose words to use (default the project's, else the embedded one).

    Returns
    -------
    str
        For example ``'Red held about a third of North Quarter'``.

    Examples
    --------
    >>> from aleppo_map.battle import Battle
    >>> b = Battle.from_dict({"battle": {"name": "Veldora", "first_day": "2030-03-01",
    ...     "last_day": "2030-03-09"}, "sides": [
    ...     {"id": "red", "label": "Red Army", "short": "red army", "colour": "#cc0000"},
    ...     {"id": "blue", "label": "Blue League", "short": "the league", "colour": "#0000cc"}],
    ...     "reference": {"side": "blue", "label": "league-held north"}})
    >>> claim_text(None, {"scope": "reference_share", "side": "red", "district_id": "",
    ...                   "value": 60.0, "unit": "percent", "comparison": "="}, battle=b)
    'Red army held 60% of the league-held north'
    >>> claim_text(None, {"scope": "reference_share", "side": "blue", "district_id": "",
    ...                   "value": 0.25, "unit": "fraction", "comparison": "about"}, battle=b)
    'The league still held about a quarter of the league-held north'
    """
    if battle is None:
        battle = project.battle if project is not None else default_battle()
    did = str(rec["district_id"])
    name = did
    if did and project is not None:
        try:
            name = project.gazetteer.name_en(did)
        except KeyError:
            name = did
    side_id = str(rec["side"])
    try:
        short = battle.side(side_id).short
    except KeyError:
        short = side_id
    ref = battle.reference
    template = SCOPES[str(rec["scope"])].template
    if rec["scope"] == "reference_share" and ref is not None and side_id == ref.side:
        template = _STILL_HELD
    return template.format(
        q=_quantity(rec), side=short[:1].upper() + short[1:], side_lower=short, district=name,
        reference=ref.label if ref is not None else "reference area")


def _citation(project: Project, rec: Mapping[Hashable, Any]) -> str:
    try:
        return str(project.registry.citation(rec["source_id"], rec["line"]))
    except KeyError:
        return f"{rec['source_id']}, line {rec['line']}"


# ----------------------------------------------------------------------------- output
def _fmt(value: float, measure: str, *, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    digits = {"%": 1, "km²": 2}.get(measure, 0)
    value = round(float(value), digits) + 0.0  # no "-0.0"
    sign = "+" if signed and value > 0 else ""
    if measure == "%":
        return f"{sign}{value:.1f}{' pp' if signed else '%'}"
    if measure == "km²":
        return f"{sign}{value:.2f} km²"
    return f"{sign}{value:.0f}"


def _when(rec: Mapping[Hashable, Any]) -> str:
    first: str = rec["date"].isoformat()
    if rec["date_latest"]:
        return f"{first}..{rec['date_latest'].isoformat()}"
    return first + (" (start)" if rec["as_of"] == "start-of-day" else "")


def printable(table: pd.DataFrame) -> pd.DataFrame:
    """Format a :func:`check_figures` table for a terminal or a CSV export.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`check_figures`.

    Returns
    -------
    pandas.DataFrame
        Columns ``figure``, ``date``, ``claim``, ``source``, ``claimed``, ``map``,
        ``diff``, ``inferred`` (see ``inferred_pct`` in :func:`check_figures`),
        ``verdict`` and ``why`` (tolerance, day compared, or the reason a figure is
        not computable), all strings.
    """
    rows = []
    for rec in table.to_dict("records"):
        measure = rec["measure"]
        cmp_sign = {"=": "", "about": "~", ">": ">", ">=": ">=", "<": "<", "<=": "<="}
        rows.append({
            "figure": rec["figure_id"],
            "date": _when(rec),
            "claim": rec["text"],
            "source": f"{rec['source_id']}:{rec['line']}",
            "claimed": cmp_sign[rec["comparison"]] + _fmt(rec["claimed"], measure),
            "map": _fmt(rec["computed"], measure),
            "diff": _fmt(rec["difference"], measure, signed=True),
            "inferred": _fmt(rec["inferred_pct"], "districts") + "%" if pd.notna(
                rec["inferred_pct"]) else "-",
            "verdict": rec["verdict"],
            "why": rec["reason"],
        })
    return pd.DataFrame(rows, columns=["figure", "date", "claim", "source", "claimed", "map",
                                       "diff", "inferred", "verdict", "why"])


def claims_by_day(project: Project, table: pd.DataFrame | None = None) -> dict[str, list[dict[str, Any]]]:
    """List the figures to show beside each day's totals in the HTML explorer.

    Parameters
    ----------
    project : Project
        Loaded inputs.
    table : pandas.DataFrame, optional
        A :func:`check_figures` result (computed when omitted).

    Returns
    -------
    dict
        ISO day -> list of ``{"figure_id", "text", "when", "source", "claimed",
        "computed", "verdict", "reason"}`` (strings), for the days of the timeline.
        A claim dated to a window is listed on the window's last day.
    """
    if table is None:
        table = check_figures(project)
    days = {d.isoformat() for d in project.timeline.dates}
    out: dict[str, list[dict[str, Any]]] = {}
    for rec in table.to_dict("records"):
        key = (rec["date_latest"] or rec["date"]).isoformat()
        if key not in days:
            continue
        if rec["date_latest"]:
            when = f"undated; some day from {rec['date']} to {rec['date_latest']}"
        elif rec["as_of"] == "start-of-day":
            when = "at the start of the day"
        else:
            when = ""
        out.setdefault(key, []).append({
            "figure_id": rec["figure_id"],
            "text": rec["text"],
            "when": when,
            "source": rec["citation"],
            "claimed": _fmt(rec["claimed"], rec["measure"]),
            "computed": _fmt(rec["computed"], rec["measure"]),
            "verdict": rec["verdict"],
            "reason": rec["reason"],
        })
    return out


def html_items(project: Project, table: pd.DataFrame | None = None) -> list[dict[str, str]]:
    """Flatten :func:`claims_by_day` into the items the HTML explorer takes.

    :func:`aleppo_map.render.html.write_map` calls this when it is given no
    figures; each item carries the day, a one-line ``text`` (the claim, the map's
    value and the citation) and the ``verdict``, plus every key of
    :func:`claims_by_day` for templates that lay them out separately.

    Parameters
    ----------
    project : Project
        Loaded inputs.
    table : pandas.DataFrame, optional
        A :func:`check_figures` result (computed when omitted).

    Returns
    -------
    list of dict
        ``{"date", "text", "verdict", "figure_id", "claim", "when", "source",
        "claimed", "computed", "reason"}``, ordered by day then figure id.
    """
    items = []
    for day, claims in sorted(claims_by_day(project, table).items()):
        for c in claims:
            when = f" ({c['when']})" if c["when"] else ""
            items.append({
                **c,
                "date": day,
                "claim": c["text"],
                "text": f"{c['text']}{when}: map {c['computed']}. {c['source']}",
            })
    return items
