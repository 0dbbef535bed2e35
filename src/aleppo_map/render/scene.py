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
    DESIGN_WIDTH_IN,
    FONT,
    FRAME_FORMATS,
    HATCH,
    LABEL_MODES,
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


def _changed_before_first(project: Project) -> int:
    """Districts whose state on the timeline's first day differs from the day before (-1: unknown)."""
    from aleppo_map.timeline import build_timeline

    tl = project.timeline
    before = tl.dates[0] - timedelta(days=1)
    try:
        prev = build_timeline(project.changes, tl.district_ids, before, before,
                              sides=project.battle.side_ids,
                              contested=next((s.id for s in project.battle.sides if s.contested),
                                             None)).state_on(before)
    except (AleppoMapError, KeyError, ValueError):
        return -1
    now = tl.state_on(tl.dates[0])
    cols = ["controller", "remainder"]
    a = now[cols].astype(str)
    b = prev.reindex(now.index)[cols].astype(str)
    diff = (a != b).any(axis=1) | ~np.isclose(now["share"].to_numpy(float),
                                              prev.reindex(now.index)["share"].to_numpy(float))
    return int(diff.sum())


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
    # inside a date window: the side before the change as the fill, the side after it
    # cross-hatched (each the majority holder of its candidate state); no stripes
    unc = np.full((n_days, len(ids)), -1, dtype=np.int8)
    if "uncertain" in st.columns and bool(st["uncertain"].any()):
        inside = st["uncertain"].to_numpy(dtype=bool) & keep

        def holder(tag: str) -> np.ndarray:
            cand = pd.DataFrame({"controller": st[f"{tag}_controller"],
                                 "share": st[f"{tag}_share"].astype(float),
                                 "remainder": st[f"{tag}_remainder"].fillna("")})
            return _side_index(majority_holder(cand[inside]), sides)

        ri, ci = row[inside].astype(int), col[inside].astype(int)
        fill[ci, ri] = holder("before")
        unc[ci, ri] = holder("after")
        gain[ci, ri] = -1
        tenth[ci, ri] = 0
    east = east_line(project)
    out: list[DaySpec] = []
    for i, d in enumerate(tl.dates):
        if i == 0:
            changed = 0 if d == battle.first_day else _changed_before_first(project)
        else:
            diff = ((ctrl[i] != ctrl[i - 1]) | (rest[i] != rest[i - 1])
                    | ~np.isclose(share[i], share[i - 1]))
            changed = int(diff.sum())
        lines = [day_line(d, battle.first_day, battle.n_days, changed, d - timedelta(days=1))
                 if subtitle is None else subtitle]
        if east is not None:
            lines.append(east[i])
        out.append(DaySpec(d, fill[i].copy(), gain[i].copy(),
                           frame_title(battle.name, d, title),
                           "\n".join(x for x in lines if x), changed,
                           tenth[i].astype(np.int8), low[i].copy(), unc[i].copy()))
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


def scene_data(
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
        One of :data:`LABEL_MODES`.
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
    if problems:
        raise ValidationError(problems)
    if project.layer is None:
        raise AleppoMapError("frames need the district geometry: load the project with its layer")
    settings = project.settings
    battle = project.battle
    gdf = project.layer.gdf.reindex(project.timeline.district_ids)
    metric = gdf.geometry.to_crs(metric_crs(project))
    is_point = (gdf["geom_kind"] == "point").to_numpy()
    order = list(np.flatnonzero(~is_point)) + list(np.flatnonzero(is_point))
    ids = [gdf.index[i] for i in order]
    geoms = [metric.iloc[i] for i in order]
    xmin, ymin, xmax, ymax = metric.total_bounds
    width = max(xmax - xmin, ymax - ymin, 2000.0)
    radius = POINT_RADIUS * width
    pad = 0.03 * width + radius
    extent = (xmin - pad, xmax + pad, ymin - pad, ymax + pad)
    vertices, codes = [], []
    for g, point in zip(geoms, is_point[order], strict=True):
        v, c = _circle_path(g.x, g.y, radius) if point else geometry_path(g)
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
    label_list: list[tuple[float, float, str, float]] = []
    if labels != "none":
        chosen = key_districts(project) if labels == "key" else ids
        areas = gdf["area_km2"].astype(float)
        geom_of = dict(zip(ids, geoms, strict=True))
        for did in chosen:
            g = geom_of[did]
            p = g if g.geom_type == "Point" else g.representative_point()
            dy = 2.2 * radius if g.geom_type == "Point" else 0.0  # above the circle
            en = str(gdf.at[did, "name_en"])
            raw_ar = gdf.at[did, "name_ar"]
            ar = arabic_label(raw_ar.strip()) if isinstance(raw_ar, str) else ""
            text = f"{en}\n{ar}" if ar else en
            fs = 6.5 if labels == "key" else float(np.clip(3.0 * math.sqrt(areas[did] or 0.1),
                                                           4.0, 6.0))
            label_list.append((float(p.x), float(p.y + dy), text, fs))
    cx, cy = (extent[0] + extent[1]) / 2, (extent[2] + extent[3]) / 2
    source = str(project.layer.source)
    line = attribution(project)
    return SceneData(
        ids=ids, vertices=vertices, codes=codes, is_point=is_point[order], extent=extent,
        size=(int(size[0]), int(size[1])), dpi=int(dpi),
        colours=[settings.colours[s] for s in battle.side_ids],
        hatch_colours=[settings.hatch_colours[s] for s in battle.side_ids],
        hatched_sides=hatched, labels=label_list, north=_north_angle(project, cx, cy),
        attribution=line,
        boundary_name="the boundary file" if source == "embedded" else Path(source).name,
        days=specs, fmt=fmt, hide_text=hide_text, declutter=labels == "key",
        metadata={"title": f"Control of the districts of {battle.name}", "source": line},
        side_labels=[battle.labels[s] for s in battle.side_ids], stripes=stripes,
        byline=byline.strip(), note=note.strip(), any_low=any(bool(sp.low.any()) for sp in specs),
        point_label=_point_label(gdf, is_point),
        any_uncertain=any(bool((sp.unc >= 0).any()) for sp in specs),
    )


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
    if data.is_point.any():
        handles.append(Line2D([], [], marker="o", linestyle="none", markersize=7 * k,
                              markerfacecolor="#dddddd", markeredgecolor=_POINT_EDGE,
                              markeredgewidth=0.9 * k,
                              label=textwrap.fill(data.point_label or (
                                  f"Not in {data.boundary_name}: circle at the district's "
                                  "centre"), wrap, break_long_words=False)))
    return handles


@dataclass
class MapArtists:
    """The collections a day repaints.

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
    """

    main: PathCollection
    stripes: PathCollection
    low: PathCollection
    uncertain: PathCollection | None = None


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
    from matplotlib.collections import PathCollection

    edge = np.where(data.is_point, _POINT_EDGE, _EDGE).tolist()
    widths = np.where(data.is_point, 0.8 * k, 0.35 * k)
    main = PathCollection(paths, facecolors="#cccccc", edgecolors=edge, linewidths=widths,
                          zorder=1)
    ax.add_collection(main, autolim=False)
    stripes = PathCollection([], linewidths=0.15 * k, zorder=2)
    ax.add_collection(stripes, autolim=False)
    low = PathCollection([], facecolors="none", edgecolors=_LOW_EDGE, linewidths=0.8 * k,
                         linestyles=(0, (4, 3)), zorder=3)
    ax.add_collection(low, autolim=False)
    uncertain = PathCollection([], facecolors="none", linewidths=0, hatch=UNCERTAIN_HATCH,
                               zorder=2.5)
    ax.add_collection(uncertain, autolim=False)
    return MapArtists(main, stripes, low, uncertain)


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

    def __init__(self, data: SceneData) -> None:
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
        extra = 0.12 * (len(note_lines) + len(byline_lines))
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
        self._scale_bar(dx)
        self._north_arrow(box)
        self.labels = [self._label(x, y, label, fs) for x, y, label, fs in data.labels]
        if data.declutter:
            self._declutter()
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
        arts = tuple(a for a in (self.artists.main, self.artists.stripes, self.artists.low,
                                 self.artists.uncertain) if a is not None)
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

    def _scale_bar(self, span: float) -> None:
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

    def _north_arrow(self, box: tuple[float, float, float, float]) -> None:
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

        self.ax.add_patch(FancyArrowPatch(frac(tail), frac(head), transform=self.ax.transAxes,
                                          arrowstyle="-|>", mutation_scale=11 * k,
                                          color=_INK, linewidth=1.1 * k, shrinkA=0, shrinkB=0,
                                          zorder=5, path_effects=[halo]))
        top = (head[0] + 0.12 * k * math.sin(theta), head[1] + 0.12 * k * math.cos(theta))
        self.ax.text(*frac(top), "N", transform=self.ax.transAxes, ha="center", va="center",
                     fontsize=8 * k, fontweight="bold", family=FONT, color=_INK, zorder=5,
                     path_effects=[halo])

    def _label(self, x: float, y: float, text: str, fontsize: float) -> Text:
        from matplotlib import patheffects

        t = self.ax.text(x, y, text, ha="center", va="center", fontsize=fontsize * self.k,
                         family=FONT, color=_INK, zorder=5, linespacing=1.1, clip_on=True)
        t.set_path_effects([patheffects.withStroke(linewidth=1.8 * self.k,
                                                   foreground="white")])
        return t

    def _declutter(self) -> None:
        """Hide each label that overlaps a label placed before it (labels come best first)."""
        renderer = self.canvas.get_renderer()
        placed: list[Any] = []
        for t in self.labels:
            box = t.get_window_extent(renderer).expanded(1.05, 1.1)
            if any(box.overlaps(other) for other in placed):
                t.set_visible(False)
            else:
                placed.append(box)

    def show(self, i: int) -> None:
        """Repaint the figure for day *i* (colours, hatching, texts).

        Parameters
        ----------
        i : int
            Index into ``data.days``.
        """
        spec = self.data.days[i]
        paint(self.artists, self.data, self.paths, self.fill_rgba, spec)
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
