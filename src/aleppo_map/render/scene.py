"""The frame scene: geometry as matplotlib paths, one figure drawn once and repainted per day.

Every frame carries what a report needs on its own: the date as title, a legend,
a scale bar, a north arrow (turned by the grid convergence of the battle's metric
CRS), an attribution line naming the sources and the boundary data, stripes for
partial control, and, on request, district labels in English and Arabic, a byline
and a note. Every frame has the same extent, layout and colours; nothing in it is
written for one battle (names, sides and the reference area come from
``project.battle``).

Speed
-----
The geometry is turned into matplotlib paths and drawn into one figure once
(:class:`FrameScene`). A frame then only changes the face colours of one
collection, the paths and colours of the stripe and dashed-outline collections and
two lines of text, and saves. For PNG,
everything that is the same on all days (legend, attribution, scale bar, north
arrow, labels, map frame) is rasterised once into a transparent layer that each
frame blends pixel for pixel, instead of laying out a thousand glyphs again;
SVG and PDF keep real text. With ``jobs > 1`` the days are spread over worker
processes, each of which builds the figure once from a picklable
:class:`SceneData`. ``benchmarks/frames.py`` measures this against the naive way
(``GeoDataFrame.plot`` per day).

Drawing conventions (the same as the HTML page)
-----------------------------------------------
* Fill: the colour of the side holding the district (for a partial state, the
  side holding the rest: the ``remainder``).
* Stripes: a partial state, diagonal stripes in the colour of the gaining side
  (the ``controller`` of the partial row) with a thin edge in its darker hatch
  colour; a stripe covers the gaining side's share of each period, rounded to a
  tenth (:func:`~aleppo_map.render.style.share_tenth`), so wider stripes mean a
  larger share.
* A dashed dark outline: the state rests on a low-confidence row.
* A cross-hatch: the district is inside a date window (the texts date its change
  only to a window of days, see :mod:`aleppo_map.timeline`): the fill is the side
  holding it before the change, the cross-hatch the side after it.
* A district the boundary file lacks is drawn as a circle at its gazetteer
  centre, and the legend says so.
* The front line: a bold dark line on a white halo along the shared boundaries of
  districts whose majority holders differ. The shared boundaries are computed once
  (:func:`~aleppo_map.analysis.front.shared_edges`, stored in :class:`SceneData`); a
  day sets the segments of one line collection (:func:`front_mask`).
* A dotted grey outline: an estimated polygon of the layer (``geom_basis``
  ``estimated``). A sub-area (a part of a larger district) is a small marker inside
  its parent. A district a user's boundary file lacks is drawn as a circle at its
  gazetteer centre, and the legend says so.
* Context on every frame: the city outline (union of the districts) and the Citadel
  (outlined bold, labelled); optionally a basemap of web tiles
  (:mod:`aleppo_map.render.basemap`).
* Labels (``labels="changed"``): the districts that changed that day, the Citadel and
  the key districts, placed without overlaps by :mod:`aleppo_map.render.labels`; the
  changed districts with no room are listed under the map. Per-day labels are their
  own artists; the static ones go into the pre-rendered layer.

Vector output keeps its text editable: SVG frames carry ``<text>`` elements and
PDF frames embed TrueType fonts (see :data:`~aleppo_map.render.style.VECTOR_RC`).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from aleppo_map._errors import AleppoMapError, Problem, ValidationError
from aleppo_map.analysis.areas import majority_holder
from aleppo_map.render.landmarks import frame_landmarks
from aleppo_map.render.style import (
    _CLOSE,
    _EDGE,
    _INK,
    _LINETO,
    _LOW_EDGE,
    _MOVETO,
    _MUTED,
    _POINT_EDGE,
    _SEA,
    CITADEL_ID,
    CITY_EDGE,
    DESIGN_WIDTH_IN,
    ESTIMATED_EDGE,
    FONT,
    FRAME_FORMATS,
    FRONT_COLOUR,
    FRONT_WIDTH,
    HATCH,
    LABEL_LANGS,
    LABEL_MODES,
    MARKER_RADIUS,
    N_DAY_KEY_LABELS,
    N_KEY_LABELS,
    POINT_RADIUS,
    STRIPES_ACROSS,
    share_tenth,
    vector_text,
)
from aleppo_map.render.text import arabic_label, attribution, east_line, metric_crs, nice_length

#: Matplotlib hatch of a district inside a date window (crossed, unlike the stripes of
#: a partial state).
UNCERTAIN_HATCH = "xxx"

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.collections import PathCollection
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from aleppo_map.project import Project


@dataclass(frozen=True)
class DaySpec:
    """What changes from one frame to the next.

    Attributes
    ----------
    day : datetime.date
        The day.
    fill : numpy.ndarray
        Per district (scene order), index into the battle's sides of the holder.
    gain : numpy.ndarray
        Per district, index of the advancing side of a partial state, or -1.
    title, subtitle : str
        Texts of the frame.
    changed : int
        Districts whose state differs from the day before (-1 when unknown).
    tenth : numpy.ndarray
        Per district, the gaining side's share in tenths (1 to 9; 0 when not partial).
    low : numpy.ndarray
        Per district, whether its state rests on a low-confidence row.
    unc : numpy.ndarray
        Per district inside a date window, index of the side holding it after the
        change (cross-hatched over ``fill``, the side before it); -1 when settled.
    holder : numpy.ndarray
        Per district, index of its majority holder (see
        :func:`~aleppo_map.analysis.areas.majority_holder`), -1 when unknown: the two
        sides of the front line.
    moved : numpy.ndarray
        Positions (scene order) of the districts whose state differs from the day before.
    """

    day: date
    fill: np.ndarray
    gain: np.ndarray
    title: str
    subtitle: str
    changed: int
    tenth: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    low: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    unc: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    holder: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    moved: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass(frozen=True)
class SceneData:
    """Everything needed to draw frames, as plain picklable data (no matplotlib objects).

    Attributes
    ----------
    ids : list of str
        District ids in drawing order (polygons first, then circles).
    vertices, codes : list of numpy.ndarray
        One matplotlib path per district, in metres of the metric CRS.
    is_point : numpy.ndarray
        Whether the district is drawn as a circle (no polygon in the boundary file).
    extent : tuple of float
        ``xmin, xmax, ymin, ymax`` of the map, in metres.
    size : tuple of int
        Frame size in pixels.
    dpi : int
        Dots per inch.
    colours, hatch_colours : list of str
        Per side of the battle, in its legend order.
    hatched_sides : list of int
        Sides that advance partially on some day (one legend entry each).
    side_labels : list of str
        Legend label per side.
    labels : list of tuple
        ``(x, y, text, fontsize_pt)`` per label, in metres.
    north : float
        Angle of true north, clockwise from the map's up, in degrees.
    attribution : str
        Sources and boundary line.
    boundary_name : str
        Where the boundaries come from, for the legend note on circles.
    days : list of DaySpec
        One per frame.
    fmt : str
        File format.
    hide_text : bool
        Draw no text at all (for image comparison tests).
    declutter : bool
        Hide a label that would overlap one earlier in ``labels`` (key labels).
    metadata : dict
        Title and source line for the file's metadata.
    stripes : dict
        ``(district position, tenth) -> (vertices, codes)``: the stripes of a partial
        state, clipped to the district, for every pair some day needs.
    byline, note : str
        Optional texts of the footer (empty: none).
    any_low : bool
        Whether some day shows a low-confidence state (a legend entry).
    any_uncertain : bool
        Whether some day shows a district inside a date window (a legend entry).
    point_label : str
        Legend text of the circles, when the layer says why they are circles.
    is_estimated, is_subarea : numpy.ndarray
        Per district: an estimated polygon (dotted outline), a sub-area (a small
        marker inside its parent district).
    front_segments : list of numpy.ndarray
        The shared boundaries of touching districts (``(N, 2)`` lines in metres),
        computed once (:func:`~aleppo_map.analysis.front.shared_edges`).
    front_pairs : numpy.ndarray
        ``(len(front_segments), 2)`` positions of the two districts of each segment: a
        day's front is the segments whose districts have different holders.
    city : tuple of numpy.ndarray
        Path of the city outline (the outer rings of the union of the districts).
    citadel : tuple of numpy.ndarray or None
        Path of the landmark drawn bold (the gazetteer district ``citadel``).
    label_mode : str
        One of :data:`~aleppo_map.render.style.LABEL_MODES`.
    label_ids : list of str
        District id (or ``""`` for a landmark) of each entry of ``labels``.
    day_labels : dict
        Position -> ``(x, y, text, fontsize_pt)`` of the districts that may be labelled
        on the day they change (``label_mode == "changed"``).
    basemap : tuple or None
        ``(rgb image, (xmin, xmax, ymin, ymax))`` of tiles in the metric CRS, drawn
        under the districts.
    landmarks : list of tuple
        ``(x, y, label, kind)`` per landmark, in metres (:mod:`aleppo_map.render.landmarks`).
    landmark_days : dict
        Frame index -> ``(landmark position, side index or -1)`` of the landmarks drawn
        that day (those that changed hands that day or the day before).
    """

    ids: list[str]
    vertices: list[np.ndarray]
    codes: list[np.ndarray]
    is_point: np.ndarray
    extent: tuple[float, float, float, float]
    size: tuple[int, int]
    dpi: int
    colours: list[str]
    hatch_colours: list[str]
    hatched_sides: list[int]
    labels: list[tuple[float, float, str, float]]
    north: float
    attribution: str
    boundary_name: str
    days: list[DaySpec]
    fmt: str = "png"
    hide_text: bool = False
    declutter: bool = False
    metadata: dict[str, str] = field(default_factory=dict)
    side_labels: list[str] = field(default_factory=list)
    stripes: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    byline: str = ""
    note: str = ""
    any_low: bool = False
    point_label: str = ""
    any_uncertain: bool = False
    is_estimated: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    is_subarea: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    front_segments: list[np.ndarray] = field(default_factory=list)
    front_pairs: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    city: tuple[np.ndarray, np.ndarray] | None = None
    citadel: tuple[np.ndarray, np.ndarray] | None = None
    label_mode: str = "none"
    label_ids: list[str] = field(default_factory=list)
    day_labels: dict[int, tuple[float, float, str, float]] = field(default_factory=dict)
    basemap: tuple[np.ndarray, tuple[float, float, float, float]] | None = None
    landmarks: list[tuple[float, float, str, str]] = field(default_factory=list)
    landmark_days: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


#: Font size (points) of the landmark labels of frames.
LANDMARK_FONT = 5.4


def _ring_path(coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes = np.full(len(coords), _LINETO, dtype=np.uint8)
    codes[0] = _MOVETO
    codes[-1] = _CLOSE
    return coords, codes


def geometry_path(geom: Any) -> tuple[np.ndarray, np.ndarray]:
    """Turn a polygon or multipolygon into one compound path (vertices, codes).

    Exteriors are made counter-clockwise and holes clockwise, so that holes stay
    empty under matplotlib's non-zero fill rule.

    Parameters
    ----------
    geom : shapely.Polygon or shapely.MultiPolygon
        The geometry (2-D).

    Returns
    -------
    tuple of numpy.ndarray
        ``(N, 2)`` float vertices and ``(N,)`` uint8 path codes.
    """
    from shapely.geometry.polygon import orient

    parts = list(getattr(geom, "geoms", [geom]))
    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for part in parts:
        if part.is_empty or part.geom_type != "Polygon":
            continue
        poly = orient(part, 1.0)
        for ring in (poly.exterior, *poly.interiors):
            v, c = _ring_path(np.asarray(ring.coords, dtype=float)[:, :2])
            verts.append(v)
            codes.append(c)
    if not verts:
        return np.zeros((0, 2)), np.zeros(0, dtype=np.uint8)
    return np.concatenate(verts), np.concatenate(codes)


def _circle_path(x: float, y: float, r: float) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0, 2 * np.pi, 33)
    coords = np.column_stack([x + r * np.cos(t), y + r * np.sin(t)])
    return _ring_path(coords)


def _side_index(values: pd.Series, sides: Sequence[str]) -> np.ndarray:
    lookup = {s: i for i, s in enumerate(sides)}
    return values.map(lambda v: lookup.get(v, -1)).to_numpy(dtype=np.int8)


def long_date(d: date) -> str:
    """Format a day for a title: ``6 December 2016``.

    Parameters
    ----------
    d : datetime.date
        The day.

    Returns
    -------
    str
        Day, month name and year.
    """
    return f"{d.day} {d:%B %Y}"


def frame_title(battle_name: str, d: date, template: str | None = None) -> str:
    """Build the title of one day's frame.

    Parameters
    ----------
    battle_name : str
        The battle's place name (``project.battle.name``).
    d : datetime.date
        The day.
    template : str, optional
        A user's title (``--title``). ``{date}`` in it is replaced by the day; without
        it, the day follows after a comma, so that every frame says its date.

    Returns
    -------
    str
        The title.

    Examples
    --------
    >>> frame_title("Mosul", date(2017, 3, 1))
    'Mosul, 1 March 2017'
    >>> frame_title("Mosul", date(2017, 3, 1), "West Mosul ({date})")
    'West Mosul (1 March 2017)'
    """
    if template is None:
        return f"{battle_name}, {long_date(d)}"
    if "{date}" in template:
        return template.replace("{date}", long_date(d))
    return f"{template}, {long_date(d)}" if template else long_date(d)


def day_line(d: date, first_day: date, n_days: int, changed: int, since: date | None) -> str:
    """Build the first subtitle line: the day's number in the battle and what changed.

    Days are numbered from the battle's first day, whatever range is drawn; only
    that first day is called the opening state.

    Parameters
    ----------
    d : datetime.date
        The day.
    first_day : datetime.date
        The battle's first day.
    n_days : int
        Days of the battle.
    changed : int
        Districts whose state differs from the day before (-1: unknown).
    since : datetime.date or None
        The day before, compared with.

    Returns
    -------
    str
        One line.

    Examples
    --------
    >>> day_line(date(2016, 12, 6), date(2016, 11, 15), 38, 5, date(2016, 12, 5))
    'Day 22 of 38 · 5 districts changed since 5 Dec'
    >>> day_line(date(2016, 11, 15), date(2016, 11, 15), 38, 0, None)
    'Day 1 of 38 · opening state'
    """
    k = (d - first_day).days + 1
    head = f"Day {k} of {n_days}" if 1 <= k <= n_days else long_date(d)
    if d == first_day:
        return f"{head} · opening state"
    if changed < 0 or since is None:
        return head
    noun = "district" if changed == 1 else "districts"
    return f"{head} · {changed} {noun} changed since {since.day} {since:%b}"


def _changed_before_first(project: Project) -> list[str] | None:
    """Districts whose state on the timeline's first day differs from the day before (None: unknown)."""
    from aleppo_map.timeline import build_timeline

    tl = project.timeline
    before = tl.dates[0] - timedelta(days=1)
    try:
        prev = build_timeline(project.changes, tl.district_ids, before, before,
                              sides=project.battle.side_ids,
                              contested=next((s.id for s in project.battle.sides if s.contested),
                                             None)).state_on(before)
    except (AleppoMapError, KeyError, ValueError):
        return None
    now = tl.state_on(tl.dates[0])
    cols = ["controller", "remainder"]
    a = now[cols].astype(str)
    b = prev.reindex(now.index)[cols].astype(str)
    diff = (a != b).any(axis=1) | ~np.isclose(now["share"].to_numpy(float),
                                              prev.reindex(now.index)["share"].to_numpy(float))
    return [str(d) for d in now.index[diff.to_numpy()]]


def day_specs(project: Project, ids: Sequence[str], *, title: str | None = None,
              subtitle: str | None = None) -> list[DaySpec]:
    """Compute fill, stripes, outlines and texts of every day's frame.

    Parameters
    ----------
    project : Project
        Loaded inputs.
    ids : Sequence[str]
        District ids in drawing order.
    title : str, optional
        A user's title (see :func:`frame_title`).
    subtitle : str, optional
        A user's subtitle: replaces the day line (:func:`day_line`); the line on the
        reference area stays below it.

    Returns
    -------
    list of DaySpec
        One per day of the timeline.
    """
    tl = project.timeline
    st = tl.states
    n_days = len(tl.dates)
    pos = {d: i for i, d in enumerate(ids)}
    row = st["district_id"].map(pos).to_numpy()
    keep = ~np.isnan(row.astype(float))
    day_index = {d: i for i, d in enumerate(tl.dates)}
    col = st["date"].map(day_index).to_numpy()
    ctrl = np.full((n_days, len(ids)), -1, dtype=np.int8)
    rest = np.full((n_days, len(ids)), -1, dtype=np.int8)
    share = np.ones((n_days, len(ids)))
    r = row[keep].astype(int)
    c = col[keep].astype(int)
    battle = project.battle
    sides = battle.side_ids
    ctrl[c, r] = _side_index(st["controller"], sides)[keep]
    rest[c, r] = _side_index(st["remainder"].fillna("").astype(str), sides)[keep]
    share[c, r] = st["share"].to_numpy(dtype=float)[keep]
    confidence = project.changes.drop_duplicates("change_id").set_index("change_id")["confidence"]
    low = np.zeros((n_days, len(ids)), dtype=bool)
    low[c, r] = (st["change_id"].map(confidence).astype(str) == "low").to_numpy()[keep]
    partial = rest >= 0
    fill = np.where(partial, rest, ctrl).astype(np.int8)
    gain = np.where(partial, ctrl, -1).astype(np.int8)
    tenth = np.where(partial, np.vectorize(share_tenth, otypes=[np.int8])(share), 0)
    # the majority holder, as analysis.areas.majority_holder: an even split stays with the remainder
    # (by the row's date, as analysis.front: inside a date window the front follows the row)
    holder = np.where(partial & (share > 0.5), ctrl, fill).astype(np.int8)
    # inside a date window: the side before the change as the fill, the side after it
    # cross-hatched (each the majority holder of its candidate state); no stripes
    unc = np.full((n_days, len(ids)), -1, dtype=np.int8)
    if "uncertain" in st.columns and bool(st["uncertain"].any()):
        inside = st["uncertain"].to_numpy(dtype=bool) & keep

        def cand_holder(tag: str) -> np.ndarray:
            cand = pd.DataFrame({"controller": st[f"{tag}_controller"],
                                 "share": st[f"{tag}_share"].astype(float),
                                 "remainder": st[f"{tag}_remainder"].fillna("")})
            return _side_index(majority_holder(cand[inside]), sides)

        ri, ci = row[inside].astype(int), col[inside].astype(int)
        fill[ci, ri] = cand_holder("before")
        unc[ci, ri] = cand_holder("after")
        gain[ci, ri] = -1
        tenth[ci, ri] = 0
    east = east_line(project)
    out: list[DaySpec] = []
    for i, d in enumerate(tl.dates):
        moved = np.zeros(0, dtype=np.int64)
        if i == 0 and d == battle.first_day:
            changed = 0
        elif i == 0:
            before = _changed_before_first(project)
            changed = -1 if before is None else len(before)
            moved = np.asarray(sorted(pos[x] for x in before or [] if x in pos), dtype=np.int64)
        else:
            diff = ((ctrl[i] != ctrl[i - 1]) | (rest[i] != rest[i - 1])
                    | ~np.isclose(share[i], share[i - 1]))
            changed = int(diff.sum())
            moved = np.flatnonzero(diff)
        lines = [day_line(d, battle.first_day, battle.n_days, changed, d - timedelta(days=1))
                 if subtitle is None else subtitle]
        if east is not None:
            lines.append(east[i])
        out.append(DaySpec(d, fill[i].copy(), gain[i].copy(),
                           frame_title(battle.name, d, title),
                           "\n".join(x for x in lines if x), changed,
                           tenth[i].astype(np.int8), low[i].copy(), unc[i].copy(),
                           holder[i].copy(), moved))
    return out


def key_districts(project: Project, n: int = N_KEY_LABELS) -> list[str]:
    """Pick the districts labelled with ``labels="key"``.

    The districts named most often by applied rows that change a state (events
    other than baseline and repelled, from rows about that district, not from
    aggregate statements), ties broken by larger area, then by id.

    Parameters
    ----------
    project : Project
        Loaded inputs.
    n : int
        How many.

    Returns
    -------
    list of str
        District ids.
    """
    hist = project.timeline.history
    named = hist[(hist["status"] == "applied")
                 & ~hist["event"].isin(["baseline", "repelled"])
                 & (hist["aggregate"].astype(str) == "")]
    counts = named.groupby("district_id").size()
    gdf = project.layer.gdf if project.layer is not None else None
    area = {} if gdf is None else dict(gdf["area_km2"].astype(float))
    ranked = sorted(counts.index, key=lambda d: (-counts[d], -area.get(d, 0.0), d))
    return [d for d in ranked if d in set(project.timeline.district_ids)][:n]


def _north_angle(project: Project, x: float, y: float) -> float:
    from pyproj import Transformer

    metric = metric_crs(project)
    to_geo = Transformer.from_crs(metric, "EPSG:4326", always_xy=True)
    to_metric = Transformer.from_crs("EPSG:4326", metric, always_xy=True)
    lon, lat = to_geo.transform(x, y)
    x2, y2 = to_metric.transform(lon, lat + 0.01)
    return math.degrees(math.atan2(x2 - x, y2 - y))


def stripe_geometry(geom: Any, tenth: int, period: float) -> Any:
    """Clip diagonal stripes to a district: the part drawn in the gaining side's colour.

    Stripes run at 45° (lower left to upper right), one per *period* metres measured
    across them, each ``tenth / 10`` of the period wide, aligned on the CRS's origin
    so that the stripes of neighbouring districts line up.

    Parameters
    ----------
    geom : shapely geometry
        The district (polygon or multipolygon) in metres.
    tenth : int
        Share of the gaining side in tenths (1 to 9).
    period : float
        Distance between stripes, in metres.

    Returns
    -------
    shapely geometry
        The stripes inside *geom* (possibly empty).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> round(stripe_geometry(box(0, 0, 1000, 1000), 3, 50.0).area / 1e6, 2)
    0.3
    """
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    if geom.is_empty:
        return geom
    x0, y0, x1, y1 = geom.bounds
    step = period * math.sqrt(2)  # the period along x of lines x - y = c
    width = step * tenth / 10
    ylo, yhi = y0 - 1.0, y1 + 1.0
    k0 = math.floor((x0 - y1) / step) - 1
    k1 = math.ceil((x1 - y0) / step) + 1
    bands = [Polygon([(c + ylo, ylo), (c + yhi, yhi), (c + width + yhi, yhi),
                      (c + width + ylo, ylo)])
             for c in (k * step for k in range(k0, k1 + 1))]
    valid = shapely.make_valid(geom)
    return shapely.intersection(valid, MultiPolygon(bands))


def scene_data(  # noqa: PLR0912  # one pass over every per-day array: splitting it copies them
    project: Project,
    *,
    size: tuple[int, int] = (1600, 1200),
    dpi: int = 200,
    fmt: str = "png",
    labels: str = "none",
    hide_text: bool = False,
    title: str | None = None,
    subtitle: str | None = None,
    byline: str = "",
    note: str = "",
    stripes_across: int = STRIPES_ACROSS,
    label_lang: str = "en",
    basemap: Any = None,
    tile_cache: Path | str | None = None,
) -> SceneData:
    """Prepare the picklable description of the frames of *project*.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.
    size : tuple of int
        Width and height in pixels.
    dpi : int
        Dots per inch.
    fmt : str
        One of :data:`FRAME_FORMATS`.
    labels : str
        One of :data:`LABEL_MODES`: ``changed`` labels, per day, the districts that
        changed that day, with the key districts (:func:`key_districts`) and the
        Citadel on every day.
    hide_text : bool
        Hide every text (image comparison tests).
    title : str, optional
        Title of every frame (``{date}`` is replaced by the day; see :func:`frame_title`);
        default ``"<battle name>, <day>"``.
    subtitle : str, optional
        Replaces the day line under the title (see :func:`day_specs`).
    byline, note : str
        Optional footer lines: a credit (``"Graphic: ..."``) and a note.
    stripes_across : int
        Stripe periods across the width of the map's extent (fewer on small frames: at
        least 10 pixels per period).
    label_lang : str
        One of :data:`~aleppo_map.render.style.LABEL_LANGS`: English names, Arabic names,
        or both (English above Arabic).
    basemap : str or xyzservices.TileProvider, optional
        Tiles drawn under the districts (see :func:`aleppo_map.render.basemap.basemap_image`);
        off by default. Needs the ``[basemap]`` extra.
    tile_cache : pathlib.Path or str, optional
        Folder of downloaded tiles (default: a user cache folder).

    Returns
    -------
    SceneData
        The scene.

    Raises
    ------
    ValidationError
        For an unknown format or label mode.
    """
    from shapely.geometry import Polygon

    problems = []
    if fmt not in FRAME_FORMATS:
        problems.append(Problem("--format", "", "one of " + ", ".join(FRAME_FORMATS), repr(fmt)))
    if labels not in LABEL_MODES:
        problems.append(Problem("--labels", "", "one of " + ", ".join(LABEL_MODES), repr(labels)))
    if label_lang not in LABEL_LANGS:
        problems.append(Problem("--labels-ar", "", "one of " + ", ".join(LABEL_LANGS),
                                repr(label_lang)))
    if problems:
        raise ValidationError(problems)
    if project.layer is None:
        raise AleppoMapError("frames need the district geometry: load the project with its layer")
    settings = project.settings
    battle = project.battle
    gdf = project.layer.gdf.reindex(project.timeline.district_ids)
    metric = gdf.geometry.to_crs(metric_crs(project))
    is_point = (gdf["geom_kind"] == "point").to_numpy()
    basis = (gdf["geom_basis"].astype(str).to_numpy() if "geom_basis" in gdf
             else np.full(len(gdf), "", dtype=object))
    order = list(np.flatnonzero(~is_point)) + list(np.flatnonzero(is_point))
    ids = [gdf.index[i] for i in order]
    geoms = [metric.iloc[i] for i in order]
    is_sub = basis[order] == "sub-area"
    xmin, ymin, xmax, ymax = metric.total_bounds
    width = max(xmax - xmin, ymax - ymin, 2000.0)
    radius = POINT_RADIUS * width
    pad = 0.03 * width + radius
    extent = (xmin - pad, xmax + pad, ymin - pad, ymax + pad)
    vertices, codes = [], []
    for g, point, sub in zip(geoms, is_point[order], is_sub, strict=True):
        r = MARKER_RADIUS * width if sub else radius
        v, c = _circle_path(g.x, g.y, r) if point else geometry_path(g)
        vertices.append(v)
        codes.append(c)
    specs = day_specs(project, ids, title=title, subtitle=subtitle)
    hatched = sorted({int(s) for spec in specs for s in spec.gain[spec.gain >= 0]})
    # no denser than one period per 10 pixels of the map (about 62% of the frame's width)
    across = min(max(int(stripes_across), 1), max(int(0.62 * size[0] / 10), 4))
    period = (extent[1] - extent[0]) / across
    stripes: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    for spec in specs:
        for pos in np.flatnonzero(spec.gain >= 0):
            key = (int(pos), int(spec.tenth[pos]))
            if key not in stripes:
                shape = (Polygon(vertices[pos]) if is_point[order][pos] else geoms[pos])
                stripes[key] = geometry_path(stripe_geometry(shape, key[1], period))
    front_segments, front_pairs = _front_segments(ids, geoms, metric.crs)
    city = _city_outline([g for g, p in zip(geoms, is_point[order], strict=True) if not p])
    citadel = None
    if CITADEL_ID in ids and not is_point[order][ids.index(CITADEL_ID)]:
        citadel = (vertices[ids.index(CITADEL_ID)], codes[ids.index(CITADEL_ID)])
    areas = gdf["area_km2"].astype(float)
    geom_of = dict(zip(ids, geoms, strict=True))

    def label_of(did: str, fs: float) -> tuple[float, float, str, float]:
        g = geom_of[did]
        p = g if g.geom_type == "Point" else g.representative_point()
        return (float(p.x), float(p.y), district_label(gdf.loc[did], label_lang), fs)

    label_list: list[tuple[float, float, str, float]] = []
    label_ids: list[str] = []
    day_labels: dict[int, tuple[float, float, str, float]] = {}
    if citadel is not None and labels != "none":
        c = geom_of[CITADEL_ID].representative_point()
        label_list.append((float(c.x), float(c.y), district_label(gdf.loc[CITADEL_ID], label_lang),
                           5.6))
        label_ids.append(CITADEL_ID)
    if labels != "none":
        chosen = (key_districts(project, N_KEY_LABELS if labels == "key" else N_DAY_KEY_LABELS)
                  if labels in ("key", "changed") else ids)
        for did in chosen:
            if did in label_ids:
                continue
            fs = 6.5 if labels != "all" else float(np.clip(3.0 * math.sqrt(areas[did] or 0.1),
                                                          4.0, 6.0))
            label_list.append(label_of(did, fs))
            label_ids.append(did)
    if labels == "changed":
        moved = sorted({int(p) for spec in specs for p in spec.moved})
        for mpos in moved:
            if ids[mpos] not in label_ids:
                day_labels[mpos] = label_of(ids[mpos], 5.8)
    # landmarks that changed hands, labelled with the districts (none without labels)
    lm_points, lm_days = frame_landmarks(project, [sp.day for sp in specs if labels != "none"],
                                         metric.crs, battle.side_ids)
    cx, cy = (extent[0] + extent[1]) / 2, (extent[2] + extent[3]) / 2
    source = str(project.layer.source)
    line = attribution(project)
    tiles = None
    if basemap is not None:
        from aleppo_map.render.basemap import basemap_image, provider_credit

        tiles = basemap_image(basemap, extent, metric_crs(project), size, cache=tile_cache)
        line = f"{line} Basemap: {provider_credit(basemap)}."
    return SceneData(
        ids=ids, vertices=vertices, codes=codes, is_point=is_point[order], extent=extent,
        size=(int(size[0]), int(size[1])), dpi=int(dpi),
        colours=[settings.colours[s] for s in battle.side_ids],
        hatch_colours=[settings.hatch_colours[s] for s in battle.side_ids],
        hatched_sides=hatched, labels=label_list, north=_north_angle(project, cx, cy),
        attribution=line,
        boundary_name="the boundary file" if source == "embedded" else Path(source).name,
        days=specs, fmt=fmt, hide_text=hide_text, declutter=labels != "none",
        metadata={"title": f"Control of the districts of {battle.name}", "source": line},
        side_labels=[battle.labels[s] for s in battle.side_ids], stripes=stripes,
        byline=byline.strip(), note=note.strip(), any_low=any(bool(sp.low.any()) for sp in specs),
        point_label=_point_label(gdf, is_point),
        any_uncertain=any(bool((sp.unc >= 0).any()) for sp in specs),
        is_estimated=basis[order] == "estimated", is_subarea=is_sub,
        front_segments=front_segments, front_pairs=front_pairs, city=city, citadel=citadel,
        label_mode=labels, label_ids=label_ids, day_labels=day_labels, basemap=tiles,
        landmarks=lm_points, landmark_days=lm_days,
    )


def district_label(row: Any, lang: str = "en") -> str:
    """Text of a district's label in *lang* (``en``, ``ar`` or ``both``).

    Parameters
    ----------
    row : pandas.Series
        The district's row of the layer (``name_en``, ``name_ar``).
    lang : str
        ``en``: the English name; ``ar``: the Arabic name (shaped for matplotlib, see
        :func:`~aleppo_map.render.text.arabic_label`), the English one when it has
        none; ``both``: English above Arabic.

    Returns
    -------
    str
        The label.
    """
    en = str(row["name_en"])
    raw_ar = row.get("name_ar")
    ar = arabic_label(raw_ar.strip()) if isinstance(raw_ar, str) and raw_ar.strip() else ""
    if lang == "ar":
        return ar or en
    if lang == "both" and ar:
        return f"{en}\n{ar}"
    return en


def _front_segments(ids: Sequence[str], geoms: Sequence[Any],
                    crs: Any) -> tuple[list[np.ndarray], np.ndarray]:
    """Shared boundaries of touching districts as lines, with the positions of their two districts."""
    import geopandas as gpd
    import shapely

    from aleppo_map.analysis.front import shared_edges

    gdf = gpd.GeoDataFrame({"district_id": list(ids)}, geometry=list(geoms), crs=crs)
    edges = shared_edges(gdf.set_index("district_id"))
    pos = {d: i for i, d in enumerate(ids)}
    segments: list[np.ndarray] = []
    pairs: list[tuple[int, int]] = []
    for a, b, g in zip(edges["a"], edges["b"], edges.geometry, strict=True):
        merged = shapely.line_merge(g) if g.geom_type == "MultiLineString" else g
        for part in shapely.get_parts(merged):
            if part.geom_type in ("LineString", "LinearRing") and len(part.coords) >= 2:
                segments.append(np.asarray(part.coords, dtype=float)[:, :2])
                pairs.append((pos[a], pos[b]))
    return segments, np.asarray(pairs, dtype=np.int64).reshape(-1, 2)


def _city_outline(polys: Sequence[Any]) -> tuple[np.ndarray, np.ndarray] | None:
    """Outer rings of the union of the districts (gaps under 60 m between them closed)."""
    import shapely
    from shapely.geometry import Polygon

    if not polys:
        return None
    union = shapely.union_all([shapely.make_valid(p) for p in polys])
    closed = shapely.buffer(shapely.buffer(union, 30.0, quad_segs=2), -30.0, quad_segs=2)
    outer = [Polygon(p.exterior) for p in shapely.get_parts(closed)
             if p.geom_type == "Polygon" and p.area > 1e4]
    if not outer:
        return None
    verts, codes = geometry_path(shapely.MultiPolygon(outer))
    return verts, codes


def _point_label(gdf: Any, is_point: np.ndarray) -> str:
    """Legend text of the circles when the layer marks them all as sub-areas of a district."""
    if "geom_basis" not in gdf or not is_point.any():
        return ""
    kinds = set(gdf["geom_basis"].astype(str).to_numpy()[is_point])
    if kinds == {"sub-area"}:
        return "Part of a larger district: circle at its centre"
    return ""


# ----------------------------------------------------------------------------- drawing
def _legend_handles(data: SceneData, k: float, wrap: int = 30) -> list[Any]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [
        Patch(facecolor=data.colours[i], edgecolor=_EDGE, linewidth=0.5 * k, label=label)
        for i, label in enumerate(data.side_labels)
    ]
    for n, side in enumerate(data.hatched_sides):
        name = data.side_labels[side]
        more = "; the fill is who holds the rest" if n == 0 else ""
        handles.append(Patch(facecolor="#8c8c8c", edgecolor=data.colours[side],
                             linewidth=0, hatch=HATCH,
                             label=textwrap.fill(f"Partly taken by {name} (stripes, wider "
                                                 f"for a larger share{more})", wrap,
                                                 break_long_words=False)))
    if data.any_uncertain:
        handles.append(Patch(facecolor="#d9d9d9", edgecolor="#4a4a4a", linewidth=0,
                             hatch=UNCERTAIN_HATCH,
                             label=textwrap.fill("Uncertain: the texts date the change only to "
                                                 "a window of days (fill: the side before, "
                                                 "cross-hatch: the side after)", wrap,
                                                 break_long_words=False)))
    if data.any_low:
        handles.append(Patch(facecolor="none", edgecolor=_LOW_EDGE, linewidth=0.9 * k,
                             linestyle="--",
                             label=textwrap.fill("Dashed outline: low-confidence state", wrap,
                                                 break_long_words=False)))
    if data.front_segments:
        handles.append(Line2D([], [], color=FRONT_COLOUR, linewidth=FRONT_WIDTH * k,
                              path_effects=_front_halo(k), label="Front line"))
    if data.is_estimated.any():
        handles.append(Patch(facecolor="#dddddd", edgecolor=ESTIMATED_EDGE, linewidth=0.9 * k,
                             linestyle=(0, (1, 1.5)),
                             label=textwrap.fill("Estimated boundary (no surveyed polygon)",
                                                 wrap, break_long_words=False)))
    if data.is_subarea.any():
        handles.append(Line2D([], [], marker="o", linestyle="none", markersize=3.6 * k,
                              markerfacecolor="#dddddd", markeredgecolor=_POINT_EDGE,
                              markeredgewidth=0.7 * k,
                              label=textwrap.fill("Part of a larger district (marker inside it)",
                                                  wrap, break_long_words=False)))
    if data.landmark_days:
        from aleppo_map.render.landmarks import LEGEND_TEXT, NOT_STATED

        handles.append(Line2D([], [], marker="^", linestyle="none", markersize=4.5 * k,
                              markerfacecolor=NOT_STATED, markeredgecolor=_INK,
                              markeredgewidth=0.6 * k,
                              label=textwrap.fill(LEGEND_TEXT, wrap, break_long_words=False)))
    circles = data.is_point & ~data.is_subarea if data.is_subarea.size else data.is_point
    if circles.any():
        handles.append(Line2D([], [], marker="o", linestyle="none", markersize=7 * k,
                              markerfacecolor="#dddddd", markeredgecolor=_POINT_EDGE,
                              markeredgewidth=0.9 * k,
                              label=textwrap.fill(data.point_label or (
                                  f"Not in {data.boundary_name}: circle at the district's "
                                  "centre"), wrap, break_long_words=False)))
    return handles


def _front_halo(k: float) -> list[Any]:
    from matplotlib import patheffects

    return [patheffects.Stroke(linewidth=(FRONT_WIDTH + 1.6) * k, foreground="white"),
            patheffects.Normal()]


@dataclass
class MapArtists:
    """The collections a day repaints, and the context drawn once.

    Attributes
    ----------
    main : matplotlib.collections.PathCollection
        One filled path per district.
    stripes : matplotlib.collections.PathCollection
        The stripes of the day's partial states.
    low : matplotlib.collections.PathCollection
        Dashed outlines of the day's low-confidence states.
    uncertain : matplotlib.collections.PathCollection or None
        Cross-hatch of the districts inside a date window.
    front : matplotlib.collections.LineCollection or None
        The day's front line (the shared edges of districts with different holders).
    context : list
        Estimated outlines, city outline, Citadel, basemap: the same every day, but
        under the labels, so drawn with the map (not in the static text layer).
    """

    main: PathCollection
    stripes: PathCollection
    low: PathCollection
    uncertain: PathCollection | None = None
    front: Any = None
    context: list[Any] = field(default_factory=list)


def draw_map(ax: Axes, data: SceneData, paths: list[Any], k: float) -> MapArtists:
    """Draw the districts into *ax*: fills, stripes of partial control, dashed outlines.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Target axes (extent already set).
    data : SceneData
        The scene.
    paths : list of matplotlib.path.Path
        One path per district.
    k : float
        Scale of lines (1 at the design width).

    Returns
    -------
    MapArtists
        The collections :func:`paint` changes per day.
    """
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.path import Path as MplPath

    context: list[Any] = []
    if data.basemap is not None:
        img, (bx0, bx1, by0, by1) = data.basemap
        context.append(ax.imshow(img, extent=(bx0, bx1, by0, by1), origin="upper", zorder=0,
                                 interpolation="bilinear", aspect="auto"))
    sub = data.is_subarea if data.is_subarea.size else np.zeros(len(paths), dtype=bool)
    edge = np.where(data.is_point, _POINT_EDGE, _EDGE).tolist()
    widths = np.where(sub, 0.5 * k, np.where(data.is_point, 0.8 * k, 0.35 * k))
    alpha = 0.72 if data.basemap is not None else None
    main = PathCollection(paths, facecolors="#cccccc", edgecolors=edge, linewidths=widths,
                          zorder=1, alpha=alpha)
    ax.add_collection(main, autolim=False)
    stripes = PathCollection([], linewidths=0.15 * k, zorder=2, alpha=alpha)
    ax.add_collection(stripes, autolim=False)
    low = PathCollection([], facecolors="none", edgecolors=_LOW_EDGE, linewidths=0.8 * k,
                         linestyles=(0, (4, 3)), zorder=3)
    ax.add_collection(low, autolim=False)
    uncertain = PathCollection([], facecolors="none", linewidths=0, hatch=UNCERTAIN_HATCH,
                               zorder=2.5)
    ax.add_collection(uncertain, autolim=False)
    est = np.flatnonzero(data.is_estimated) if data.is_estimated.size else np.zeros(0, int)
    if est.size:
        context.append(ax.add_collection(PathCollection(
            [paths[i] for i in est], facecolors="none", edgecolors=ESTIMATED_EDGE,
            linewidths=0.7 * k, linestyles=(0, (1, 1.5)), zorder=3.2), autolim=False))
    if data.city is not None:
        context.append(ax.add_collection(PathCollection(
            [MplPath(*data.city)], facecolors="none", edgecolors=CITY_EDGE,
            linewidths=0.6 * k, zorder=3.3), autolim=False))
    if data.citadel is not None:
        context.append(ax.add_collection(PathCollection(
            [MplPath(*data.citadel)], facecolors="none", edgecolors=_INK,
            linewidths=1.1 * k, zorder=4.5), autolim=False))
    front = None
    if data.front_segments:
        front = LineCollection([], colors=FRONT_COLOUR, linewidths=FRONT_WIDTH * k, zorder=4,
                               capstyle="round", joinstyle="round")
        front.set_path_effects(_front_halo(k))
        ax.add_collection(front, autolim=False)
    return MapArtists(main, stripes, low, uncertain, front, context)


def paint(artists: MapArtists, data: SceneData, paths: list[Any], fill_rgba: np.ndarray,
          spec: DaySpec) -> None:
    """Set the colours, stripes and outlines of one day.

    Parameters
    ----------
    artists : MapArtists
        What :func:`draw_map` returned.
    data : SceneData
        The scene (stripe paths, side colours).
    paths : list of matplotlib.path.Path
        One path per district.
    fill_rgba : numpy.ndarray
        ``(n_sides, 4)`` RGBA of the sides.
    spec : DaySpec
        The day.
    """
    from matplotlib.colors import to_rgba_array
    from matplotlib.path import Path as MplPath

    artists.main.set_facecolor(fill_rgba[spec.fill])
    idx = np.flatnonzero(spec.gain >= 0)
    stripe_paths = []
    for i in idx:
        v, c = data.stripes[(int(i), int(spec.tenth[i]))]
        stripe_paths.append(MplPath(v, c) if len(v) else MplPath(np.zeros((1, 2))))
    artists.stripes.set_paths(stripe_paths)
    gains = spec.gain[idx]
    artists.stripes.set_facecolor(fill_rgba[gains] if idx.size else "none")
    edges: Any = (to_rgba_array([data.hatch_colours[g] for g in gains]) if idx.size
                  else "none")
    artists.stripes.set_edgecolor(edges)
    artists.stripes.set_visible(idx.size > 0)
    low = np.flatnonzero(spec.low) if spec.low.size else np.zeros(0, dtype=int)
    artists.low.set_paths([paths[i] for i in low])
    artists.low.set_visible(low.size > 0)
    if artists.uncertain is not None:
        unc = np.flatnonzero(spec.unc >= 0) if spec.unc.size else np.zeros(0, dtype=int)
        artists.uncertain.set_paths([paths[i] for i in unc])
        artists.uncertain.set_edgecolor(fill_rgba[spec.unc[unc]] if unc.size else "none")
        artists.uncertain.set_visible(unc.size > 0)
    if artists.front is not None:
        on = front_mask(data, spec)
        artists.front.set_segments([data.front_segments[j] for j in np.flatnonzero(on)])


def front_mask(data: SceneData, spec: DaySpec) -> np.ndarray:
    """Which of ``data.front_segments`` lie on the day's front line.

    A segment is on the front when its two districts' majority holders differ (and
    both are known), as :func:`aleppo_map.analysis.front.front_edges`: O(edges).

    Parameters
    ----------
    data : SceneData
        The scene.
    spec : DaySpec
        The day.

    Returns
    -------
    numpy.ndarray
        Boolean per segment.
    """
    if not data.front_segments or spec.holder.size == 0:
        return np.zeros(len(data.front_segments), dtype=bool)
    a = spec.holder[data.front_pairs[:, 0]]
    b = spec.holder[data.front_pairs[:, 1]]
    return np.asarray((a != b) & (a >= 0) & (b >= 0))


def _path_area(v: np.ndarray) -> float:
    """Area enclosed by a path's vertices (shoelace; enough to rank districts by size)."""
    if len(v) < 3:
        return 0.0
    x, y = v[:, 0], v[:, 1]
    return float(abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) / 2)


def _pixel_layer_class() -> type:
    from matplotlib.artist import Artist

    class PixelLayer(Artist):
        """An RGBA image the size of the canvas, blended as is (no resampling)."""

        def __init__(self, rgba: np.ndarray) -> None:
            super().__init__()
            self.rgba = np.ascontiguousarray(rgba[::-1])  # draw_image takes the bottom row first
            self.set_zorder(10)

        def draw(self, renderer: Any) -> None:
            if not self.get_visible():
                return
            gc = renderer.new_gc()
            renderer.draw_image(gc, 0, 0, self.rgba)
            gc.restore()

    return PixelLayer


def _PixelLayer(rgba: np.ndarray) -> Any:  # noqa: N802 (a lazily defined class)
    return _pixel_layer_class()(rgba)


class FrameScene:
    """A figure drawn once, repainted per day.

    Parameters
    ----------
    data : SceneData
        What to draw.
    """

    def __init__(self, data: SceneData) -> None:  # noqa: PLR0915  # lays out the whole frame once
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.colors import to_rgba_array
        from matplotlib.figure import Figure
        from matplotlib.path import Path as MplPath

        self.data = data
        w_px, h_px = data.size
        w_in, h_in = w_px / data.dpi, h_px / data.dpi
        self.k = k = w_in / DESIGN_WIDTH_IN
        fig = Figure(figsize=(w_in, h_in), dpi=data.dpi, facecolor="white")
        self.canvas = FigureCanvasAgg(fig)
        self.fig: Figure = fig
        self.paths = [MplPath(v, c) for v, c in zip(data.vertices, data.codes, strict=True)]
        self.fill_rgba = to_rgba_array(data.colours)
        # layout, in inches, then figure fractions
        chars = int(170 * w_in / (DESIGN_WIDTH_IN * k))
        # long titles and subtitles (a designer's) wrap; the map moves down to make room
        self._title_chars = int(60 * w_in / (DESIGN_WIDTH_IN * k))
        self._sub_chars = int(135 * w_in / (DESIGN_WIDTH_IN * k))
        n_title = max((self._wrap(sp.title, self._title_chars).count("\n") + 1
                       for sp in data.days), default=1)
        n_sub = max((self._wrap(sp.subtitle, self._sub_chars).count("\n") + 1
                     for sp in data.days if sp.subtitle), default=0)
        self._sub_y = 0.45 + 0.27 * (n_title - 1)
        top = (0.78 + 0.27 * (n_title - 1) + 0.14 * (n_sub - 2 if n_sub > 2 else 0)
               - (0.14 * (2 - n_sub) if n_sub < 2 else 0.0)) * k
        lines = textwrap.wrap(data.attribution, width=chars)
        self.attribution_lines = lines
        note_lines = textwrap.wrap(data.note, width=int(chars * 5.2 / 6.2)) if data.note else []
        byline_lines = textwrap.wrap(data.byline, width=int(chars * 5.2 / 6.2)) \
            if data.byline else []
        self._list_chars = int(chars * 5.2 / 5.6)
        n_list = 2 if data.day_labels else 0  # the changed districts not labelled
        extra = 0.12 * (len(note_lines) + len(byline_lines)) + 0.105 * n_list
        bottom = (0.16 + 0.105 * len(lines) + extra + (0.04 if extra else 0.0)) * k
        side_panel = w_in / h_in >= 1.1
        margin = 0.18 * k
        legend_w, legend_h = self._legend(side_panel, margin, top, bottom, w_in, h_in)
        box = (margin, bottom + legend_h, w_in - 2 * margin - legend_w,
               h_in - top - bottom - legend_h)
        ax = fig.add_axes((box[0] / w_in, box[1] / h_in, box[2] / w_in, box[3] / h_in))
        self.ax = ax
        x0, x1, y0, y1 = data.extent
        cx, cy, dx, dy = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
        if dx / dy < box[2] / box[3]:
            dx = dy * box[2] / box[3]
        else:
            dy = dx * box[3] / box[2]
        ax.set_xlim(cx - dx / 2, cx + dx / 2)
        ax.set_ylim(cy - dy / 2, cy + dy / 2)
        ax.set_aspect("auto")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor(_SEA)
        for spine in ax.spines.values():
            spine.set_color("#9a9a9a")
            spine.set_linewidth(0.5 * k)
        self.artists = draw_map(ax, data, self.paths, k)
        self.main = self.artists.main
        text: dict[str, Any] = {"family": FONT, "color": _INK}
        self.title = fig.text(margin / w_in, 1 - 0.14 * k / h_in, "", fontsize=15 * k,
                              fontweight="bold", va="top", ha="left", **text)
        self.subtitle = fig.text(margin / w_in, 1 - self._sub_y * k / h_in, "",
                                 fontsize=7.5 * k,
                                 va="top", ha="left", linespacing=1.35,
                                 **{**text, "color": _MUTED})
        fig.text(margin / w_in, 0.1 * k / h_in, "\n".join(lines), fontsize=5.2 * k,
                 va="bottom", ha="left", family=FONT, color=_MUTED, linespacing=1.3)
        y_foot = (0.1 + 0.105 * len(lines) + 0.06) * k
        if byline_lines:
            fig.text(margin / w_in, y_foot / h_in, "\n".join(byline_lines), fontsize=6.2 * k,
                     va="bottom", ha="left", family=FONT, color=_INK, fontweight="bold",
                     linespacing=1.25)
            y_foot += 0.12 * len(byline_lines) * k
        if note_lines:
            fig.text(margin / w_in, y_foot / h_in, "\n".join(note_lines), fontsize=6.2 * k,
                     va="bottom", ha="left", family=FONT, color=_INK, linespacing=1.25)
            y_foot += 0.12 * len(note_lines) * k
        self.listed = fig.text(margin / w_in, (y_foot + 0.02 * k) / h_in, "", fontsize=5.6 * k,
                               va="bottom", ha="left", family=FONT, color=_INK,
                               linespacing=1.3)
        self.bar = self._scale_bar(dx)
        self.arrow = self._north_arrow(box)
        self._obstacles: list[tuple[float, float, float, float]] = []
        self._day_texts: list[Text] = []
        self._day_cache: dict[int, Any] = {}
        self._size_cache: dict[int, tuple[float, float]] = {}
        from matplotlib.collections import LineCollection

        self.leaders = LineCollection([], colors=_INK, linewidths=0.45 * k, zorder=4.8)
        self.day_leaders = LineCollection([], colors=_INK, linewidths=0.45 * k, zorder=4.8)
        ax.add_collection(self.leaders, autolim=False)
        ax.add_collection(self.day_leaders, autolim=False)
        self.lm_artists = self._landmark_artists()
        self.labels: list[Text] = []
        self.day_placed: list[str] = []
        self.landmarks_placed: list[int] = []
        self.day_dropped: list[str] = []
        if data.labels or data.day_labels or data.landmark_days:
            self._place_static_labels()
        if data.hide_text:
            from matplotlib.text import Text

            for t in fig.findobj(Text):
                t.set_visible(False)
        self.overlay: np.ndarray | None = None
        if data.fmt == "png":
            self._flatten_static()

    @staticmethod
    def _wrap(text: str, width: int) -> str:
        """Wrap each line of *text* at *width* characters (words kept whole)."""
        return "\n".join(textwrap.fill(line, width, break_long_words=False) or line
                         for line in text.split("\n"))

    def _flatten_static(self) -> None:
        """Rasterise every artist that is the same on all days into one pixel-aligned image.

        Legend, attribution, scale bar, north arrow, labels and the map frame are drawn
        once on a transparent canvas; a frame then blends that image instead of laying
        out and rasterising about a thousand glyphs again. Only for raster output:
        vector formats keep real text.
        """
        arts = (self.artists.main, self.artists.stripes, self.artists.low,
                *([self.artists.uncertain] if self.artists.uncertain is not None else []),
                *([self.artists.front] if self.artists.front is not None else []),
                *self.artists.context, self.day_leaders, self.listed, *self.lm_artists)
        dynamic = {id(a) for a in (*arts, self.title, self.subtitle,
                                   self.fig.patch, self.ax.patch, self.ax)}
        static = [a for a in (*self.fig.get_children(), *self.ax.get_children())
                  if id(a) not in dynamic and a.get_visible()]
        keep = [*arts, self.title, self.subtitle, self.fig.patch,
                self.ax.patch]
        shown = [a.get_visible() for a in keep]
        for a in keep:
            a.set_visible(False)
        self.fig.canvas.draw()
        self.overlay = np.asarray(self.canvas.buffer_rgba()).copy()
        for a, v in zip(keep, shown, strict=True):
            a.set_visible(v)
        for a in static:
            a.set_visible(False)
        self.fig.add_artist(_PixelLayer(self.overlay))

    def _legend(self, side_panel: bool, margin: float, top: float, bottom: float, w_in: float,
                h_in: float) -> tuple[float, float]:
        """Place the legend right of the map (landscape) or below it; return the room it takes."""
        k = self.k
        handles = _legend_handles(self.data, k, 30 if side_panel else 44)
        common = {"handles": handles, "frameon": False, "prop": {"family": FONT,
                                                                  "size": 7 * k},
                  "title": "Who controls the district", "title_fontsize": 7.5 * k,
                  "alignment": "left", "handlelength": 1.6, "handleheight": 1.2,
                  "labelspacing": 0.7, "borderaxespad": 0}
        if side_panel:
            legend = self.fig.legend(loc="upper right",
                                     bbox_to_anchor=(1 - margin / w_in, 1 - top / h_in),
                                     **common)
        else:
            legend = self.fig.legend(loc="lower left", ncols=2,
                                     bbox_to_anchor=(margin / w_in, (bottom + 0.05 * k) / h_in),
                                     **common)
        extent = legend.get_window_extent(self.canvas.get_renderer())
        if side_panel:
            return extent.width / self.data.dpi + 0.3 * k, 0.0
        return 0.0, extent.height / self.data.dpi + 0.2 * k

    def _scale_bar(self, span: float) -> Any:
        from matplotlib.font_manager import FontProperties
        from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

        k = self.k
        length = nice_length(span / 4)
        label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
        bar = AnchoredSizeBar(self.ax.transData, length, label, loc="lower left", pad=0.5,
                              borderpad=0.6, sep=2.5 * k, frameon=False, color=_INK,
                              size_vertical=span * 0.006,
                              fontproperties=FontProperties(family=FONT, size=6.5 * k))
        self.ax.add_artist(bar)
        return bar

    def _north_arrow(self, box: tuple[float, float, float, float]) -> tuple[Any, Any]:
        from matplotlib import patheffects
        from matplotlib.patches import FancyArrowPatch

        halo = patheffects.withStroke(linewidth=2.5 * self.k, foreground="white")
        k = self.k
        length = 0.34 * k
        theta = math.radians(self.data.north)
        tail = (box[2] - 0.35 * k, box[3] - 0.62 * k)
        head = (tail[0] + length * math.sin(theta), tail[1] + length * math.cos(theta))

        def frac(p: tuple[float, float]) -> tuple[float, float]:
            return p[0] / box[2], p[1] / box[3]

        arrow = self.ax.add_patch(FancyArrowPatch(
            frac(tail), frac(head), transform=self.ax.transAxes, arrowstyle="-|>",
            mutation_scale=11 * k, color=_INK, linewidth=1.1 * k, shrinkA=0, shrinkB=0, zorder=5,
            path_effects=[halo]))
        top = (head[0] + 0.12 * k * math.sin(theta), head[1] + 0.12 * k * math.cos(theta))
        n = self.ax.text(*frac(top), "N", transform=self.ax.transAxes, ha="center", va="center",
                         fontsize=8 * k, fontweight="bold", family=FONT, color=_INK, zorder=5,
                         path_effects=[halo])
        return arrow, n

    def _label(self, x: float, y: float, text: str, fontsize: float) -> Text:
        from matplotlib import patheffects

        t = self.ax.text(x, y, text, ha="center", va="center", fontsize=fontsize * self.k,
                         family=FONT, color=_INK, zorder=5, linespacing=1.1, clip_on=True)
        t.set_path_effects([patheffects.withStroke(linewidth=1.8 * self.k,
                                                   foreground="white")])
        return t

    def _renderer(self) -> Any:
        return self.canvas.get_renderer()

    def _map_box(self) -> tuple[float, float, float, float]:
        bb = self.ax.get_window_extent(self._renderer())
        return (bb.x0 + 2, bb.y0 + 2, bb.x1 - 2, bb.y1 - 2)

    def _text_size(self, text: Text) -> tuple[float, float]:
        bb = text.get_window_extent(self._renderer())
        halo = 1.8 * self.k * self.data.dpi / 72  # the white stroke around the glyphs
        return bb.width + halo, bb.height + halo

    def _to_pixels(self, x: float, y: float) -> tuple[float, float]:
        px, py = self.ax.transData.transform((x, y))
        return float(px), float(py)

    def _leader(self, spot: Any) -> np.ndarray:
        """Leader line from the anchor to the nearest point of the label's box, in data units."""
        x0, y0, x1, y1 = spot.box
        ax_, ay_ = spot.anchor
        ex, ey = min(max(ax_, x0), x1), min(max(ay_, y0), y1)
        inv = self.ax.transData.inverted()
        return np.asarray(inv.transform([(ax_, ay_), (ex, ey)]))

    def _landmark_artists(self) -> list[Any]:
        """One marker per landmark (hidden until a day shows it)."""
        from matplotlib import patheffects

        from aleppo_map.render.landmarks import MPL_MARKERS

        out = []
        # landmarks that share a point (placed at their district's) stand side by side
        step = 7.0 * self.k * self.data.dpi / 72
        inv = self.ax.transData.inverted()
        seen: dict[tuple[float, float], int] = {}
        self._lm_xy: list[tuple[float, float]] = []
        for x, y, _, kind in self.data.landmarks:
            n = seen[(x, y)] = seen.get((x, y), -1) + 1
            px, py = self._to_pixels(x, y)
            xy = tuple(float(v) for v in inv.transform((px + n * step, py)))
            self._lm_xy.append((xy[0], xy[1]))
            (mk,) = self.ax.plot([xy[0]], [xy[1]], marker=MPL_MARKERS.get(kind, "o"),
                                 linestyle="none", markersize=5.0 * self.k, markeredgecolor=_INK,
                                 markeredgewidth=0.6 * self.k, zorder=4.9, visible=False)
            mk.set_path_effects([patheffects.withStroke(linewidth=1.6 * self.k,
                                                        foreground="white")])
            out.append(mk)
        return out

    def _landmark_boxes(self, i: int) -> list[tuple[float, float, float, float]]:
        """Pixel boxes of the markers of day *i* (no label may cover them)."""
        r = 3.2 * self.k * self.data.dpi / 72
        out = []
        for j, _ in self.data.landmark_days.get(i, []):
            px, py = self._to_pixels(*self._lm_xy[j])
            out.append((px - r, py - r, px + r, py + r))
        return out

    def _show_landmarks(self, i: int) -> None:
        from aleppo_map.render.landmarks import NOT_STATED

        today = dict(self.data.landmark_days.get(i, []))
        for j, mk in enumerate(self.lm_artists):
            side = today.get(j)
            mk.set_visible(side is not None)
            if side is not None:
                mk.set_markerfacecolor(self.data.colours[side] if side >= 0 else NOT_STATED)

    def _place_static_labels(self) -> None:
        """Place the labels of every day (Citadel, key districts) once, without overlaps.

        The scale bar and north arrow are obstacles; labels that find no free place
        are hidden (and, for a district changing that day, listed in the footer).
        """
        from aleppo_map.render.labels import Candidate, place

        renderer = self._renderer()
        self._obstacles = [tuple(a.get_window_extent(renderer).extents)
                           for a in (self.bar, *self.arrow)]
        cands = []
        texts = []
        for n, (x, y, label, fs) in enumerate(self.data.labels):
            t = self._label(x, y, label, fs)
            texts.append(t)
            cands.append(Candidate(str(n), self._to_pixels(x, y), self._text_size(t)))
        # a landmark's marker stays visible on its days: no label of every day covers it
        markers = [b for i in self.data.landmark_days for b in self._landmark_boxes(i)]
        result = place(cands, self._map_box(), self._obstacles + markers)
        placed = {p.key: p for p in result.placed}
        inv = self.ax.transData.inverted()
        leaders = []
        for n, t in enumerate(texts):
            spot = placed.get(str(n))
            if spot is None:
                t.set_visible(False)
                continue
            t.set_position(tuple(inv.transform(spot.centre)))
            if spot.leader:
                leaders.append(self._leader(spot))
            self.labels.append(t)
        self.leaders.set_segments(leaders)
        self._obstacles += [p.box for p in result.placed]
        self.static_label_ids = [self.data.label_ids[int(p.key)] for p in result.placed
                                 if int(p.key) < len(self.data.label_ids)]

    def _day_labels(self, i: int) -> Any:
        """Place the labels of day *i*'s changed districts around the static labels (cached)."""
        from aleppo_map.render.labels import Candidate, place

        if i in self._day_cache:
            return self._day_cache[i]
        spec = self.data.days[i]
        todo = [int(p) for p in spec.moved if int(p) in self.data.day_labels]
        # larger districts first: their names are the ones a reader looks for
        todo.sort(key=lambda p: (-_path_area(self.data.vertices[p]), self.data.ids[p]))
        cands = []
        for p in todo:
            x, y, text, fs = self.data.day_labels[p]
            if p not in self._size_cache:
                probe = self._label(x, y, text, fs)
                self._size_cache[p] = self._text_size(probe)
                probe.remove()
            cands.append(Candidate(str(p), self._to_pixels(x, y), self._size_cache[p]))
        for j, _ in self.data.landmark_days.get(i, []):  # beside their markers
            _, _, text, _ = self.data.landmarks[j]
            x, y = self._lm_xy[j]
            key = -1 - j
            if key not in self._size_cache:
                probe = self._label(x, y, text, LANDMARK_FONT)
                self._size_cache[key] = self._text_size(probe)
                probe.remove()
            cands.append(Candidate(f"L{j}", self._to_pixels(x, y), self._size_cache[key]))
        result = place(cands, self._map_box(), self._obstacles + self._landmark_boxes(i))
        self._day_cache[i] = result
        return result

    def day_label_texts(self) -> list[Text]:
        """Return the label artists drawn on the current day: static ones, then the day's.

        Returns
        -------
        list of matplotlib.text.Text
            Visible labels (the static ones may be flattened into the static layer).
        """
        return [*self.labels, *(t for t in self._day_texts if t.get_visible())]

    def _show_day_labels(self, i: int) -> None:
        self._show_landmarks(i)
        if not self.data.day_labels and not self.data.landmark_days:
            return
        result = self._day_labels(i)
        inv = self.ax.transData.inverted()
        while len(self._day_texts) < len(result.placed):
            t = self._label(0.0, 0.0, "", 5.8)
            if self.data.hide_text:
                t.set_alpha(0.0)
            self._day_texts.append(t)
        leaders = []
        for t, spot in zip(self._day_texts, result.placed, strict=False):
            _, _, text, fs = (self.data.day_labels[int(spot.key)] if spot.key[0] != "L" else
                              (*self.data.landmarks[int(spot.key[1:])][:3], LANDMARK_FONT))
            t.set_text(text)
            t.set_fontsize(fs * self.k)
            t.set_position(tuple(inv.transform(spot.centre)))
            t.set_visible(True)
            if spot.leader:
                leaders.append(self._leader(spot))
        for t in self._day_texts[len(result.placed):]:
            t.set_visible(False)
        self.day_leaders.set_segments(leaders)
        self.day_placed = [self.data.ids[int(p.key)] for p in result.placed if p.key[0] != "L"]
        self.day_dropped = [self.data.ids[int(k)] for k in result.dropped if k[0] != "L"]
        self.landmarks_placed = [int(p.key[1:]) for p in result.placed if p.key[0] == "L"]
        names = [self.data.day_labels[int(k)][2].replace("\n", " ") if k[0] != "L"
                 else self.data.landmarks[int(k[1:])][2] for k in result.dropped]
        self.listed.set_text(self._listed_line(names))

    def _listed_line(self, names: list[str]) -> str:
        """Footer line naming the changed districts without a label (two lines at most)."""
        if not names:
            return ""
        head = "Also changed that day: "
        for n in range(len(names), 0, -1):
            more = len(names) - n
            text = head + ", ".join(names[:n]) + (f" and {more} more" if more else "") + "."
            wrapped = textwrap.wrap(text, self._list_chars)
            if len(wrapped) <= 2:
                return "\n".join(wrapped)
        return f"{head}{len(names)} districts."

    def show(self, i: int) -> None:
        """Repaint the figure for day *i* (colours, hatching, texts).

        Parameters
        ----------
        i : int
            Index into ``data.days``.
        """
        spec = self.data.days[i]
        paint(self.artists, self.data, self.paths, self.fill_rgba, spec)
        self._show_day_labels(i)
        self.title.set_text(self._wrap(spec.title, self._title_chars))
        self.subtitle.set_text(self._wrap(spec.subtitle, self._sub_chars))

    def save(self, i: int, dest: Path) -> Path:
        """Repaint for day *i* and write the frame.

        Parameters
        ----------
        i : int
            Index into ``data.days``.
        dest : pathlib.Path
            Output file (format from ``data.fmt``).

        Returns
        -------
        pathlib.Path
            *dest*.
        """
        self.show(i)
        with vector_text():
            self.fig.savefig(dest, **self.savefig_kwargs(i))
        return dest

    def savefig_kwargs(self, i: int) -> dict[str, Any]:
        """Arguments of :meth:`~matplotlib.figure.Figure.savefig` for day *i*.

        PNG is compressed at zlib level 1: about twice as fast as the default for
        10% larger files of these flat-coloured maps.

        Parameters
        ----------
        i : int
            Index into ``data.days``.

        Returns
        -------
        dict
            Keyword arguments.
        """
        kwargs: dict[str, Any] = {"format": self.data.fmt, "dpi": self.data.dpi,
                                  "metadata": self.metadata(i)}
        if self.data.fmt == "png":
            kwargs["pil_kwargs"] = {"compress_level": 1}
        return kwargs

    def metadata(self, i: int) -> dict[str, Any]:
        """File metadata for day *i*, in the keys the format accepts (no creation date).

        Parameters
        ----------
        i : int
            Index into ``data.days``.

        Returns
        -------
        dict
            Metadata for :meth:`matplotlib.figure.Figure.savefig`.
        """
        title = f"{self.data.metadata['title']}, {self.data.days[i].day.isoformat()}"
        source = self.data.metadata["source"]
        if self.data.fmt == "pdf":
            return {"Title": title, "Subject": source, "CreationDate": None}
        if self.data.fmt == "svg":
            return {"Title": title, "Description": source, "Date": None}
        return {"Title": title, "Source": source}

    def rgb(self, i: int) -> np.ndarray:
        """Repaint for day *i* and return the pixels.

        Parameters
        ----------
        i : int
            Index into ``data.days``.

        Returns
        -------
        numpy.ndarray
            ``(height, width, 3)`` uint8 image.
        """
        self.show(i)
        self.fig.canvas.draw()
        return np.asarray(self.canvas.buffer_rgba())[..., :3].copy()


# ----------------------------------------------------------------------------- frames
